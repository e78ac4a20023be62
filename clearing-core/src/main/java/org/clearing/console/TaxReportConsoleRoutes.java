package org.clearing.console;

import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.clearing.http.Problem;
import org.clearing.input.FieldError;
import org.clearing.person.AuditLog;
import org.clearing.person.Person;
import org.clearing.receipt.ReceiptRepository;
import org.clearing.report.DailyReports;
import org.clearing.report.ReportFormat;
import org.clearing.report.ReportRequest;
import org.clearing.report.ReportSigner;
import org.clearing.report.TaxReport;
import org.clearing.routing.ItemKind;

/**
 * The tax daily report for a person: its download (CSV or XLSX), drawn by
 * {@link DailyReports#tax(LocalDate, Set)} — the API's report, of the officer's regions — and
 * signed with the engine's key in the {@value ReportSigner#HEADER} header exactly as
 * {@code /api/v1/tax/reports/daily} signs it; and a chart of the day's and the month's collections
 * by tax type, whose figures come from the same query as JSON and whose script is a static asset.
 */
final class TaxReportConsoleRoutes {

  private final ConsolePages pages;
  private final DailyReports reports;
  private final ReportSigner signer;
  private final WorkerExecutor cryptoPool;
  private final AuditLog audit;

  TaxReportConsoleRoutes(ConsolePages pages, DailyReports reports, ReportSigner signer, WorkerExecutor cryptoPool,
      AuditLog audit) {
    this.pages = pages;
    this.reports = reports;
    this.signer = signer;
    this.cryptoPool = cryptoPool;
    this.audit = audit;
  }

  /** {@code GET /console/tax/report?date=}: the download links and the chart. */
  void page(RoutingContext ctx) {
    Person person = ConsoleRoutes.person(ctx);
    Map<String, Object> data = TaxConsoleRoutes.common(ctx, person);
    data.put("day", day(ctx.request().getParam("date")).toString());
    pages.send(ctx, 200, "tax-report", data).onFailure(ctx::fail);
  }

  /**
   * {@code GET /console/tax/report/download?date=YYYY-MM-DD&format=csv|xlsx}: the signed report of
   * the person's regions; a bad date or format is refused as the API refuses it (problem+json).
   */
  void download(RoutingContext ctx, Person person, String clientIp) {
    String format = ctx.request().getParam("format");
    ReportRequest.Parsed parsed = ReportRequest.parse(ctx.request().getParam("date"), format);
    List<FieldError> errors = new ArrayList<>();
    if (parsed instanceof ReportRequest.Invalid invalid) {
      errors.addAll(invalid.errors());
    } else if (!"csv".equals(format) && !"xlsx".equals(format)) {
      errors.add(new FieldError("format", "must be csv or xlsx"));
    }
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    ReportRequest request = ((ReportRequest.Valid) parsed).request();
    Set<String> regions = Set.copyOf(person.regions());
    String name = "tax-report-" + request.day() + "-" + String.join("-", person.regions().stream().sorted().toList())
        + "." + request.format().extension();
    reports.tax(request.day(), regions)
        .compose(report -> cryptoPool.executeBlocking(() -> {
          byte[] body = request.format() == ReportFormat.XLSX ? report.xlsx() : report.csv();
          return new Signed(body, signer.header(body));
        }, false))
        .compose(signed -> audit.append(AuditLog.Event.of(person, "report.download", name, AuditLog.Outcome.OK,
            "tax daily report, " + signed.body().length + " bytes", clientIp)).map(signed))
        .onSuccess(signed -> ctx.response()
            .putHeader("Content-Type", request.format().contentType())
            .putHeader("Content-Disposition", "attachment; filename=\"" + name + "\"")
            .putHeader("Cache-Control", "no-store")
            .putHeader(ReportSigner.HEADER, signed.header())
            .end(Buffer.buffer(signed.body())))
        .onFailure(ctx::fail);
  }

  /**
   * {@code GET /console/tax/collections.json?date=}: the day's and the month-to-date's paid treasury
   * lines of the person's regions by tax type, in fen, for the chart.
   */
  void collections(RoutingContext ctx) {
    Person person = ConsoleRoutes.person(ctx);
    LocalDate day = day(ctx.request().getParam("date"));
    Set<String> regions = Set.copyOf(person.regions());
    boolean english = Locale.ENGLISH.equals(ConsolePages.locale(ctx));
    reports.taxRows(day, day.plusDays(1), regions)
        .compose(dayRows -> reports.taxRows(day.withDayOfMonth(1), day.plusDays(1), regions)
            .map(monthRows -> byKind(dayRows, monthRows, english)))
        .onSuccess(kinds -> {
          long dayFen = 0;
          long monthFen = 0;
          for (Object kind : kinds) {
            dayFen = Math.addExact(dayFen, ((JsonObject) kind).getLong("day_fen"));
            monthFen = Math.addExact(monthFen, ((JsonObject) kind).getLong("month_fen"));
          }
          ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
              .end(new JsonObject().put("date", day.toString()).put("month", day.toString().substring(0, 7))
                  .put("kinds", kinds).put("day_fen", dayFen).put("month_fen", monthFen).encode());
        })
        .onFailure(ctx::fail);
  }

  /** Sums the report's rows (per tax type and tax office) per tax type, for the day and the month. */
  private static JsonArray byKind(List<TaxReport.Row> dayRows, List<TaxReport.Row> monthRows, boolean english) {
    Map<String, long[]> sums = new LinkedHashMap<>();
    for (TaxReport.Row row : monthRows) {
      long[] sum = sums.computeIfAbsent(row.kind(), k -> new long[2]);
      sum[1] = Math.addExact(sum[1], row.paidFen());
    }
    for (TaxReport.Row row : dayRows) {
      long[] sum = sums.computeIfAbsent(row.kind(), k -> new long[2]);
      sum[0] = Math.addExact(sum[0], row.paidFen());
    }
    JsonArray kinds = new JsonArray();
    sums.forEach((kind, sum) -> kinds.add(new JsonObject().put("kind", kind).put("name", name(kind, english))
        .put("day_fen", sum[0]).put("month_fen", sum[1])));
    return kinds;
  }

  private static String name(String kind, boolean english) {
    try {
      ItemKind known = ItemKind.valueOf(kind);
      return english ? known.englishName() : known.chineseName();
    } catch (IllegalArgumentException e) {
      return kind;
    }
  }

  private static LocalDate day(String date) {
    try {
      return date == null || date.isBlank() ? LocalDate.now(ReceiptRepository.BEIJING) : LocalDate.parse(date);
    } catch (DateTimeParseException e) {
      return LocalDate.now(ReceiptRepository.BEIJING);
    }
  }

  private record Signed(byte[] body, String header) {}
}
