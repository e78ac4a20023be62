package org.clearing.console;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.channel.Money;
import org.clearing.person.AuditLog;
import org.clearing.person.Person;
import org.clearing.person.PersonRole;
import org.clearing.receipt.ReceiptRepository;
import org.clearing.routing.ItemKind;
import org.clearing.routing.PayeeSide;

/**
 * The tax authority's console: the day's paid tax lines of the officer's regions, unconfirmed
 * first, and confirming one or many with their certificate numbers in one go. It lists through
 * {@link ReceiptRepository#list} and confirms through {@link ReceiptRepository#confirmAll}, the
 * same code as {@code /api/v1/tax/receipts}, with the officer's regions as the scope: a line of
 * another region is neither shown nor confirmed (403, recorded).
 */
final class TaxConsoleRoutes {

  /** One confirmation form holds at most this many lines: a day's page, not a bulk import. */
  static final int LINES_PER_CONFIRM_MAX = 200;
  /** A page a person reads and ticks through; the next page follows the last line shown (keyset). */
  static final int LINES_PER_PAGE_MAX = 100;
  /**
   * An uploaded CSV holds at most this many rows, and the form's body limit
   * ({@value ConsoleRoutes#FORM_SIZE_MAX_BYTES} bytes) bounds it first: a day's work of one tax office,
   * confirmed in one transaction that holds every row's lock until it ends.
   */
  static final int CSV_ROWS_MAX = 500;
  static final String CSV_HEADER = "line_id,certificate_no";
  private static final Pattern LINE_ID = Pattern.compile("(TF[0-9]{18})-([0-9]{1,2})");
  private static final Pattern OFFICE = Pattern.compile("[0-9A-Za-z]{1,32}");
  private static final Pattern NUMBER = Pattern.compile("[0-9A-Za-z-]{1,32}");
  private static final Pattern REGION = Pattern.compile("[0-9]{6}");
  private static final ZoneId BEIJING = ReceiptRepository.BEIJING;
  private static final DateTimeFormatter PAID_AT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

  private final ConsolePages pages;
  private final ReceiptRepository receipts;
  private final AuditLog audit;

  TaxConsoleRoutes(ConsolePages pages, ReceiptRepository receipts, AuditLog audit) {
    this.pages = pages;
    this.receipts = receipts;
    this.audit = audit;
  }

  /**
   * What the filter asked for: a day, a region of the officer's (or all of them), a tax office (or
   * all), a status, and the page: the lines after {@code after} (a line id; empty for the first).
   */
  private record Query(LocalDate day, String region, String office, ReceiptRepository.Filter filter, String after) {
    Set<String> regions(Person person) {
      return region.isEmpty() ? Set.copyOf(person.regions()) : Set.of(region);
    }

    String status() {
      return filter.name().toLowerCase(Locale.ROOT);
    }
  }

  /** {@code GET /console/tax/receipts?date=&region=&status=} */
  void page(RoutingContext ctx) {
    Person person = ConsoleRoutes.person(ctx);
    Query query = query(ctx.request().getParam("date"), ctx.request().getParam("region"),
        ctx.request().getParam("office"), ctx.request().getParam("status"), ctx.request().getParam("after"));
    if (outOfScope(ctx, person, query)) {
      return;
    }
    render(ctx, 200, person, query, Map.of(), null);
  }

  /** A region the person does not act for, asked for in a link or a form: 403, recorded. */
  private boolean outOfScope(RoutingContext ctx, Person person, Query query) {
    if (!query.region().isEmpty() && !person.actsFor(query.region())) {
      ConsoleRoutes.forbidden(ctx, audit, person, "region " + query.region() + " is not the person's");
      return true;
    }
    return false;
  }

  /** {@code POST /console/tax/receipts/confirm}: every ticked line with its certificate number, all or none. */
  void confirm(RoutingContext ctx, Person person, String clientIp) {
    Locale locale = ConsolePages.locale(ctx);
    Query query = formQuery(ctx);
    if (outOfScope(ctx, person, query)) {
      return;
    }
    List<String> ticked = ctx.request().formAttributes().getAll("line");
    Map<String, String> errors = new LinkedHashMap<>();
    List<ReceiptRepository.Confirmation> lines = new ArrayList<>();
    for (String lineId : new LinkedHashSet<>(ticked)) {
      Matcher matcher = LINE_ID.matcher(lineId);
      String number = ctx.request().getFormAttribute("certificate_no." + lineId);
      number = number == null ? "" : number.trim();
      if (!matcher.matches()) {
        errors.put(lineId, ConsolePages.message(locale, "tax.error.noSuchLine"));
      } else if (!NUMBER.matcher(number).matches()) {
        errors.put(lineId, ConsolePages.message(locale, "tax.error.number"));
      } else {
        lines.add(new ReceiptRepository.Confirmation(matcher.group(1), Integer.parseInt(matcher.group(2)), number, null));
      }
    }
    if (ticked.isEmpty() || ticked.size() > LINES_PER_CONFIRM_MAX) {
      String flash = ConsolePages.message(locale, "tax.error.selection", LINES_PER_CONFIRM_MAX);
      render(ctx, 422, person, query, Map.of(), flash);
      return;
    }
    if (!errors.isEmpty()) {
      render(ctx, 422, person, query, errors, ConsolePages.message(locale, "tax.error.nothingDone"));
      return;
    }
    String by = "console:" + person.login();
    receipts.confirmAll(PayeeSide.TREASURY, lines, by, Set.copyOf(person.regions()),
            (conn, batch) -> recordAll(conn, person, lines, clientIp, "form"))
        .compose(batch -> batch.committed() ? Future.succeededFuture(batch) : refused(person, lines, batch, clientIp))
        .onSuccess(batch -> {
          if (batch.committed()) {
            render(ctx, 200, person, query, Map.of(), ConsolePages.message(locale, "tax.confirmed", lines.size()));
            return;
          }
          if (batch.outcomes().stream().anyMatch(o -> o instanceof ReceiptRepository.OutOfScope)) {
            ConsoleRoutes.forbidden(ctx, audit, person, "a line outside the person's regions");
            return;
          }
          render(ctx, 409, person, query, rowErrors(locale, lines, batch),
              ConsolePages.message(locale, "tax.error.nothingDone"));
        })
        .onFailure(ctx::fail);
  }


  /** One row of an uploaded CSV: its row number in the file (the header is row 1), what it says. */
  private record CsvRow(int rowNo, ReceiptRepository.Confirmation confirmation) {}

  /**
   * {@code POST /console/tax/receipts/upload}: a CSV of {@value #CSV_HEADER}, every row confirmed
   * through the same door as the form and the API ({@link ReceiptRepository#confirmAll}), all or
   * none. Any error is shown on its row and nothing is kept: the file's own mistakes (columns,
   * formats, a line id twice) and the lines' (unknown, of another region, confirmed with another
   * number, not payable), all at once.
   */
  void upload(RoutingContext ctx, Person person, String clientIp) {
    Locale locale = ConsolePages.locale(ctx);
    Query query = formQuery(ctx);
    if (outOfScope(ctx, person, query)) {
      return;
    }
    String csv = ctx.request().getFormAttribute("csv");
    List<CsvRow> rows = new ArrayList<>();
    Map<Integer, String> errors = new java.util.TreeMap<>();
    Map<Integer, String> firstFields = new HashMap<>();
    parseCsv(csv == null ? "" : csv, locale, rows, errors, firstFields);
    if (rows.isEmpty() && errors.isEmpty()) {
      render(ctx, 422, person, query, Map.of(), ConsolePages.message(locale, "tax.csv.empty", CSV_HEADER), List.of());
      return;
    }
    List<ReceiptRepository.Confirmation> lines = rows.stream().map(CsvRow::confirmation).toList();
    if (lines.isEmpty()) {
      refuseCsv(ctx, person, query, firstFields, rows.size(), errors, clientIp);
      return;
    }
    String by = "console:" + person.login();
    boolean dryRun = !errors.isEmpty();
    java.util.concurrent.atomic.AtomicReference<ReceiptRepository.Batch> tried = new java.util.concurrent.atomic.AtomicReference<>();
    // With errors in the file already, the rows that parsed still go through the door, to show
    // their own errors too, but the audit hook then ends the transaction with a failure so nothing
    // is kept: one pass shows every error, and the door's checks are not copied here.
    receipts.confirmAll(PayeeSide.TREASURY, lines, by, Set.copyOf(person.regions()), (conn, batch) -> {
          if (dryRun) {
            tried.set(batch);
            return Future.failedFuture(DRY_RUN);
          }
          return recordAll(conn, person, lines, clientIp, "csv");
        })
        .recover(e -> e == DRY_RUN ? Future.succeededFuture(new ReceiptRepository.Batch(tried.get().outcomes(), false))
            : Future.failedFuture(e))
        .onSuccess(batch -> {
          if (batch.committed()) {
            audit.append(AuditLog.Event.of(person, "receipt.upload", lines.size() + " lines", AuditLog.Outcome.OK,
                "csv", clientIp)).onComplete(done -> render(ctx, 200, person, query, Map.of(),
                ConsolePages.message(locale, "tax.confirmed", lines.size())));
            return;
          }
          for (int i = 0; i < batch.outcomes().size(); i++) {
            String error = outcomeError(locale, batch.outcomes().get(i));
            if (error != null) {
              errors.put(rows.get(i).rowNo(), error);
            }
          }
          refuseCsv(ctx, person, query, firstFields, rows.size(), errors, clientIp);
        })
        .onFailure(ctx::fail);
  }

  /** Ends a dry run's transaction; never leaves this class. */
  private static final RuntimeException DRY_RUN = new RuntimeException("dry run", null, false, false) {};

  private void refuseCsv(RoutingContext ctx, Person person, Query query, Map<Integer, String> lineIds, int rowCount,
      Map<Integer, String> errors, String clientIp) {
    Locale locale = ConsolePages.locale(ctx);
    List<Map<String, Object>> shown = new ArrayList<>();
    StringBuilder detail = new StringBuilder();
    errors.forEach((rowNo, error) -> {
      shown.add(Map.of("row", rowNo, "lineId", lineIds.getOrDefault(rowNo, ""), "error", error));
      detail.append("row ").append(rowNo).append(' ').append(lineIds.getOrDefault(rowNo, "")).append(": ")
          .append(error).append("; ");
    });
    audit.append(AuditLog.Event.of(person, "receipt.upload", rowCount + " lines", AuditLog.Outcome.REFUSED,
            detail.length() > 900 ? detail.substring(0, 900) : detail.toString(), clientIp))
        .onComplete(done -> render(ctx, 422, person, query, Map.of(),
            ConsolePages.message(locale, "tax.csv.nothingDone", errors.size()), shown));
  }

  /**
   * Reads {@code csv}: the header {@value #CSV_HEADER} (a spreadsheet's byte-order mark and
   * quotes around fields allowed), then one line id and certificate number per row; blank rows
   * are skipped. Every mistake goes to {@code errors} under its row number, and each row's first
   * field to {@code firstFields}, to show beside its error (at most 40 characters of it).
   */
  static void parseCsv(String csv, Locale locale, List<CsvRow> rows, Map<Integer, String> errors,
      Map<Integer, String> firstFields) {
    String[] records = csv.replace("\uFEFF", "").split("\r\n|\n|\r", -1);
    int rowNo = 0;
    boolean header = true;
    Map<String, Integer> seen = new HashMap<>();
    for (String record : records) {
      rowNo++;
      if (record.isBlank()) {
        continue;
      }
      List<String> fields = new ArrayList<>();
      for (String field : record.split(",", -1)) {
        String value = field.trim();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1).trim();
        }
        fields.add(value);
      }
      if (!header) {
        firstFields.put(rowNo, fields.get(0).length() > 40 ? fields.get(0).substring(0, 40) : fields.get(0));
      }
      if (header) {
        header = false;
        if (!String.join(",", fields).toLowerCase(Locale.ROOT).equals(CSV_HEADER)) {
          errors.put(rowNo, ConsolePages.message(locale, "tax.csv.header", CSV_HEADER));
          return;
        }
        continue;
      }
      if (rows.size() + errors.size() >= CSV_ROWS_MAX) {
        errors.put(rowNo, ConsolePages.message(locale, "tax.csv.tooMany", CSV_ROWS_MAX));
        return;
      }
      Matcher matcher = fields.size() == 2 ? LINE_ID.matcher(fields.get(0)) : null;
      if (matcher == null) {
        errors.put(rowNo, ConsolePages.message(locale, "tax.csv.columns"));
      } else if (!matcher.matches()) {
        errors.put(rowNo, ConsolePages.message(locale, "tax.error.noSuchLine"));
      } else if (!NUMBER.matcher(fields.get(1)).matches()) {
        errors.put(rowNo, ConsolePages.message(locale, "tax.error.number"));
      } else if (seen.containsKey(fields.get(0))) {
        errors.put(rowNo, ConsolePages.message(locale, "tax.csv.duplicate", seen.get(fields.get(0))));
      } else {
        seen.put(fields.get(0), rowNo);
        rows.add(new CsvRow(rowNo, new ReceiptRepository.Confirmation(matcher.group(1),
            Integer.parseInt(matcher.group(2)), fields.get(1), null)));
      }
    }
  }

  private static String outcomeError(Locale locale, ReceiptRepository.Confirmed outcome) {
    if (outcome instanceof ReceiptRepository.Conflict) {
      return ConsolePages.message(locale, "tax.error.conflict");
    }
    if (outcome instanceof ReceiptRepository.OutOfScope) {
      return ConsolePages.message(locale, "tax.csv.otherRegion");
    }
    if (outcome instanceof ReceiptRepository.NotConfirmable no) {
      return ConsolePages.message(locale, no.notFound() ? "tax.error.noSuchLine" : "tax.error.notPaid");
    }
    return null;
  }

  private static Future<Void> recordAll(io.vertx.sqlclient.SqlConnection conn, Person person,
      List<ReceiptRepository.Confirmation> lines, String clientIp, String how) {
    Future<Void> chain = Future.succeededFuture();
    for (ReceiptRepository.Confirmation line : lines) {
      chain = chain.compose(v -> AuditLog.append(conn, AuditLog.Event.of(person, "receipt.confirm",
          line.orderNo() + "-" + line.lineNo(), AuditLog.Outcome.OK,
          "certificate " + line.confirmationNo() + " (" + how + ")", clientIp)));
    }
    return chain;
  }

  /** A refused batch changed nothing; its refusal is recorded on its own. */
  private Future<ReceiptRepository.Batch> refused(Person person, List<ReceiptRepository.Confirmation> lines,
      ReceiptRepository.Batch batch, String clientIp) {
    StringBuilder detail = new StringBuilder();
    for (int i = 0; i < batch.outcomes().size(); i++) {
      if (!(batch.outcomes().get(i) instanceof ReceiptRepository.Done)) {
        ReceiptRepository.Confirmation line = lines.get(i);
        detail.append(line.orderNo()).append('-').append(line.lineNo()).append(": ")
            .append(batch.outcomes().get(i)).append("; ");
      }
    }
    return audit.append(AuditLog.Event.of(person, "receipt.confirm", lines.size() + " lines",
        AuditLog.Outcome.REFUSED, detail.toString(), clientIp)).map(batch);
  }

  private static Map<String, String> rowErrors(Locale locale, List<ReceiptRepository.Confirmation> lines,
      ReceiptRepository.Batch batch) {
    return rowErrors(locale, lines, batch, "tax.error.conflict", "tax.error.noSuchLine");
  }

  /**
   * Each refused line of a batch with its reason in the person's language, by line id; the tax and
   * the finance pages differ only in how they word a conflict and a missing line.
   */
  static Map<String, String> rowErrors(Locale locale, List<ReceiptRepository.Confirmation> lines,
      ReceiptRepository.Batch batch, String conflictKey, String noSuchLineKey) {
    Map<String, String> errors = new LinkedHashMap<>();
    for (int i = 0; i < batch.outcomes().size(); i++) {
      ReceiptRepository.Confirmed outcome = batch.outcomes().get(i);
      String lineId = lines.get(i).orderNo() + "-" + lines.get(i).lineNo();
      if (outcome instanceof ReceiptRepository.Conflict) {
        errors.put(lineId, ConsolePages.message(locale, conflictKey));
      } else if (outcome instanceof ReceiptRepository.NotConfirmable no) {
        errors.put(lineId, ConsolePages.message(locale, no.notFound() ? noSuchLineKey : "tax.error.notPaid"));
      }
    }
    return errors;
  }

  private static Query formQuery(RoutingContext ctx) {
    return query(ctx.request().getFormAttribute("date"), ctx.request().getFormAttribute("region"),
        ctx.request().getFormAttribute("office"), ctx.request().getFormAttribute("status"),
        ctx.request().getFormAttribute("after"));
  }

  private static Query query(String date, String region, String office, String status, String after) {
    LocalDate day;
    try {
      day = date == null || date.isBlank() ? LocalDate.now(BEIJING) : LocalDate.parse(date);
    } catch (DateTimeParseException e) {
      day = LocalDate.now(BEIJING);
    }
    String scope = region == null || !REGION.matcher(region).matches() ? "" : region;
    ReceiptRepository.Filter filter = switch (status == null ? "" : status) {
      case "confirmed" -> ReceiptRepository.Filter.CONFIRMED;
      case "all" -> ReceiptRepository.Filter.ALL;
      default -> ReceiptRepository.Filter.UNCONFIRMED;
    };
    String taxOffice = office == null || !OFFICE.matcher(office.trim()).matches() ? "" : office.trim();
    String from = after == null || !LINE_ID.matcher(after).matches() ? "" : after;
    return new Query(day, scope, taxOffice, filter, from);
  }

  private void render(RoutingContext ctx, int status, Person person, Query query, Map<String, String> errors,
      String flash) {
    render(ctx, status, person, query, errors, flash, List.of());
  }

  private void render(RoutingContext ctx, int status, Person person, Query query, Map<String, String> errors,
      String flash, List<Map<String, Object>> csvErrors) {
    Locale locale = ConsolePages.locale(ctx);
    boolean english = Locale.ENGLISH.equals(locale);
    Matcher after = LINE_ID.matcher(query.after());
    boolean paged = after.matches();
    // One line more than a page tells whether there is a next page.
    receipts.list(PayeeSide.TREASURY, query.day(), query.filter(), query.regions(person),
            query.office().isEmpty() ? null : query.office(), paged ? after.group(1) : "",
            paged ? Integer.parseInt(after.group(2)) : 0, LINES_PER_PAGE_MAX + 1)
        .compose(listed -> {
          boolean more = listed.size() > LINES_PER_PAGE_MAX;
          List<ReceiptRepository.ReceiptLine> found = more ? listed.subList(0, LINES_PER_PAGE_MAX) : listed;
          List<Map<String, Object>> rows = new ArrayList<>();
          Set<String> shown = new java.util.HashSet<>();
          for (ReceiptRepository.ReceiptLine line : found) {
            rows.add(row(line, errors, english, ctx));
            shown.add(line.orderNo() + "-" + line.lineNo());
          }
          // A line in error may not be listed (confirmed already, another day): say so above the table.
          List<String> otherErrors = new ArrayList<>();
          errors.forEach((lineId, error) -> {
            if (!shown.contains(lineId)) {
              otherErrors.add(lineId + ": " + error);
            }
          });
          Map<String, Object> data = common(ctx, person);
          data.put("rows", rows);
          data.put("day", query.day().toString());
          data.put("region", query.region());
          data.put("office", query.office());
          data.put("after", query.after());
          data.put("paged", paged);
          data.put("nextAfter", more ? found.get(found.size() - 1).orderNo() + "-" + found.get(found.size() - 1).lineNo() : null);
          data.put("csvErrors", csvErrors);
          data.put("csvHeader", CSV_HEADER);
          data.put("csvRowsMax", CSV_ROWS_MAX);
          data.put("status", query.status());
          data.put("flash", flash);
          data.put("otherErrors", otherErrors);
          data.put("failed", status >= 400);
          data.put("canConfirm", person.role() == PersonRole.TAX);
          data.put("anyOpen", found.stream().anyMatch(line -> line.confirmationNo() == null));
          boolean fragment = "true".equals(ctx.request().getHeader("HX-Request"));
          return pages.send(ctx, status, "tax-receipts", fragment ? "receipts" : null, data);
        })
        .onFailure(ctx::fail);
  }

  private static Map<String, Object> row(ReceiptRepository.ReceiptLine line, Map<String, String> errors,
      boolean english, RoutingContext ctx) {
    String lineId = line.orderNo() + "-" + line.lineNo();
    ItemKind kind = ItemKind.valueOf(line.kind());
    Map<String, Object> row = new HashMap<>();
    row.put("lineId", lineId);
    row.put("caseNo", line.caseNo());
    row.put("region", line.region());
    row.put("kind", english ? kind.englishName() : kind.chineseName());
    row.put("amountYuan", Money.ofFen(line.amountFen()).toYuanString());
    row.put("taxOffice", line.taxOfficeCode());
    row.put("voucher", line.taxVoucherNo());
    row.put("paidAt", PAID_AT.format(line.paidAt().atZone(BEIJING)));
    row.put("certificate", line.confirmationNo());
    row.put("confirmed", line.confirmationNo() != null);
    row.put("error", errors.get(lineId));
    String typed = ctx.request().method() == io.vertx.core.http.HttpMethod.POST
        ? ctx.request().getFormAttribute("certificate_no." + lineId) : null;
    row.put("typed", typed == null ? "" : typed);
    row.put("ticked", errors.containsKey(lineId) || (typed != null && !typed.isBlank() && !errors.isEmpty()));
    return row;
  }

  /** What every signed-in page shows: the person, the session's CSRF token. */
  static Map<String, Object> common(RoutingContext ctx, Person person) {
    Map<String, Object> data = new HashMap<>();
    data.put("person", Map.of("name", person.displayName(), "login", person.login(),
        "role", person.role().code(), "regions", String.join(", ", person.regions())));
    data.put("regions", person.regions());
    data.put("csrf", ConsoleRoutes.csrfToken(ctx));
    return data;
  }
}
