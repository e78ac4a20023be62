package org.clearing.console;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
 * The finance bureau's non-tax receipts: the day's paid non-tax lines of the officer's regions
 * and confirming them with their e-bill numbers, ticked one or many on the page or uploaded as a
 * CSV of {@code line_id,ebill_no}. Either way all or none, with each row's error: it lists through
 * {@link ReceiptRepository#list} and confirms through {@link ReceiptRepository#confirmAll} with
 * {@link PayeeSide#NON_TAX}, the same code as {@code /api/v1/finance/receipts}; a line of another
 * region is refused (403, recorded) and nothing is kept.
 */
final class FinanceReceiptsRoutes {

  /** One confirmation, ticked or uploaded, holds at most this many lines: a day's page, not a bulk import. */
  static final int LINES_PER_CONFIRM_MAX = TaxConsoleRoutes.LINES_PER_CONFIRM_MAX;
  private static final int LINES_PER_PAGE_MAX = TaxConsoleRoutes.LINES_PER_PAGE_MAX;
  private static final Pattern LINE_ID = Pattern.compile("(TF[0-9]{18})-([0-9]{1,2})");
  private static final Pattern NUMBER = Pattern.compile("[0-9A-Za-z-]{1,32}");
  private static final DateTimeFormatter PAID_AT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

  private final ConsolePages pages;
  private final ReceiptRepository receipts;
  private final AuditLog audit;

  FinanceReceiptsRoutes(ConsolePages pages, ReceiptRepository receipts, AuditLog audit) {
    this.pages = pages;
    this.receipts = receipts;
    this.audit = audit;
  }

  /** {@code GET /console/finance/receipts?date=&status=} */
  void page(RoutingContext ctx) {
    render(ctx, 200, ConsoleRoutes.person(ctx), day(ctx.request().getParam("date")),
        filter(ctx.request().getParam("status")), Map.of(), null);
  }

  /** {@code POST /console/finance/receipts/confirm}: the ticked lines with their e-bill numbers. */
  void confirm(RoutingContext ctx, Person person, String clientIp) {
    Locale locale = ConsolePages.locale(ctx);
    Map<String, String> rows = new LinkedHashMap<>();
    for (String lineId : ctx.request().formAttributes().getAll("line")) {
      String number = ctx.request().getFormAttribute("ebill_no." + lineId);
      rows.putIfAbsent(lineId, number == null ? "" : number.trim());
    }
    submit(ctx, person, clientIp, rows, Map.of(), new LinkedHashMap<>(), locale);
  }

  /**
   * {@code POST /console/finance/receipts/upload} with {@code csv}: one {@code line_id,ebill_no}
   * per row (a header row is skipped). The page's script puts the chosen file's text in the field,
   * so no file is ever stored. A malformed or repeated row is named with its row number.
   */
  void upload(RoutingContext ctx, Person person, String clientIp) {
    Locale locale = ConsolePages.locale(ctx);
    String csv = ctx.request().getFormAttribute("csv");
    Map<String, String> rows = new LinkedHashMap<>();
    Map<String, String> labels = new HashMap<>();
    Map<String, String> errors = new LinkedHashMap<>();
    String[] lines = csv == null ? new String[0] : csv.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String text = lines[i].strip();
      if (text.isEmpty() || (i == 0 && text.toLowerCase(Locale.ROOT).startsWith("line_id"))) {
        continue;
      }
      String row = ConsolePages.message(locale, "finance.receipts.row", i + 1);
      String[] fields = text.split(",", -1);
      if (fields.length != 2) {
        errors.put(row, ConsolePages.message(locale, "finance.receipts.error.fields"));
      } else if (rows.containsKey(fields[0].strip())) {
        errors.put(row + " " + fields[0].strip(), ConsolePages.message(locale, "finance.receipts.error.repeated"));
      } else {
        rows.put(fields[0].strip(), fields[1].strip());
        labels.put(fields[0].strip(), row + " " + fields[0].strip());
      }
    }
    submit(ctx, person, clientIp, rows, labels, errors, locale);
  }

  /** Checks every row, then confirms all of them in one transaction, or none. */
  private void submit(RoutingContext ctx, Person person, String clientIp, Map<String, String> rows,
      Map<String, String> labels, Map<String, String> errors, Locale locale) {
    LocalDate day = day(ctx.request().getFormAttribute("date"));
    ReceiptRepository.Filter filter = filter(ctx.request().getFormAttribute("status"));
    List<ReceiptRepository.Confirmation> lines = new ArrayList<>();
    rows.forEach((lineId, number) -> {
      Matcher matcher = LINE_ID.matcher(lineId);
      if (!matcher.matches()) {
        errors.put(labels.getOrDefault(lineId, lineId), ConsolePages.message(locale, "finance.receipts.error.noSuchLine"));
      } else if (!NUMBER.matcher(number).matches()) {
        errors.put(labels.getOrDefault(lineId, lineId), ConsolePages.message(locale, "finance.receipts.error.number"));
      } else {
        lines.add(new ReceiptRepository.Confirmation(matcher.group(1), Integer.parseInt(matcher.group(2)), number, null));
      }
    });
    if ((rows.isEmpty() && errors.isEmpty()) || rows.size() > LINES_PER_CONFIRM_MAX) {
      render(ctx, 422, person, day, filter, Map.of(),
          ConsolePages.message(locale, "finance.receipts.error.selection", LINES_PER_CONFIRM_MAX));
      return;
    }
    if (!errors.isEmpty()) {
      refuse(person, rows.size() + errors.size(), errors.toString(), clientIp)
          .onComplete(done -> render(ctx, 422, person, day, filter, errors,
              ConsolePages.message(locale, "finance.receipts.nothingDone")));
      return;
    }
    receipts.confirmAll(PayeeSide.NON_TAX, lines, "console:" + person.login(), Set.copyOf(person.regions()),
            (conn, batch) -> recordAll(conn, person, lines, clientIp))
        .onSuccess(batch -> {
          if (batch.committed()) {
            render(ctx, 200, person, day, filter, Map.of(),
                ConsolePages.message(locale, "finance.receipts.confirmed", lines.size()));
            return;
          }
          Map<String, String> refused = rowErrors(locale, lines, batch);
          if (batch.outcomes().stream().anyMatch(o -> o instanceof ReceiptRepository.OutOfScope)) {
            ConsoleRoutes.forbidden(ctx, audit, person, "receipt.confirm: a line outside the person's regions");
            return;
          }
          refuse(person, lines.size(), refused.toString(), clientIp).onComplete(done ->
              render(ctx, 409, person, day, filter, refused, ConsolePages.message(locale, "finance.receipts.nothingDone")));
        })
        .onFailure(ctx::fail);
  }

  private static Future<Void> recordAll(io.vertx.sqlclient.SqlConnection conn, Person person,
      List<ReceiptRepository.Confirmation> lines, String clientIp) {
    Future<Void> chain = Future.succeededFuture();
    for (ReceiptRepository.Confirmation line : lines) {
      chain = chain.compose(v -> AuditLog.append(conn, AuditLog.Event.of(person, "receipt.confirm",
          line.orderNo() + "-" + line.lineNo(), AuditLog.Outcome.OK, "e-bill " + line.confirmationNo(), clientIp)));
    }
    return chain;
  }

  private Future<Void> refuse(Person person, int count, String detail, String clientIp) {
    return audit.append(AuditLog.Event.of(person, "receipt.confirm", count + " non-tax lines",
        AuditLog.Outcome.REFUSED, detail, clientIp));
  }

  private static Map<String, String> rowErrors(Locale locale, List<ReceiptRepository.Confirmation> lines,
      ReceiptRepository.Batch batch) {
    return TaxConsoleRoutes.rowErrors(locale, lines, batch, "finance.receipts.error.conflict",
        "finance.receipts.error.noSuchLine");
  }

  private void render(RoutingContext ctx, int status, Person person, LocalDate day, ReceiptRepository.Filter filter,
      Map<String, String> errors, String flash) {
    boolean english = Locale.ENGLISH.equals(ConsolePages.locale(ctx));
    receipts.list(PayeeSide.NON_TAX, day, filter, Set.copyOf(person.regions()), "", 0, LINES_PER_PAGE_MAX)
        .compose(found -> {
          List<Map<String, Object>> rows = new ArrayList<>();
          Set<String> shown = new HashSet<>();
          for (ReceiptRepository.ReceiptLine line : found) {
            String lineId = line.orderNo() + "-" + line.lineNo();
            shown.add(lineId);
            Map<String, Object> row = new HashMap<>();
            ItemKind kind = ItemKind.valueOf(line.kind());
            row.put("lineId", lineId);
            row.put("caseNo", line.caseNo());
            row.put("region", line.region());
            row.put("kind", english ? kind.englishName() : kind.chineseName());
            row.put("amountYuan", Money.ofFen(line.amountFen()).toYuanString());
            row.put("account", line.payeeAccountId());
            row.put("paidAt", PAID_AT.format(line.paidAt().atZone(ReceiptRepository.BEIJING)));
            row.put("ebill", line.confirmationNo());
            row.put("confirmed", line.confirmationNo() != null);
            row.put("error", errors.get(lineId));
            rows.add(row);
          }
          List<String> otherErrors = new ArrayList<>();
          errors.forEach((key, error) -> {
            if (!shown.contains(key)) {
              otherErrors.add(key + ": " + error);
            }
          });
          Map<String, Object> data = TaxConsoleRoutes.common(ctx, person);
          data.put("section", "receipts");
          data.put("rows", rows);
          data.put("day", day.toString());
          data.put("status", filter.name().toLowerCase(Locale.ROOT));
          data.put("flash", flash);
          data.put("failed", status >= 400);
          data.put("otherErrors", otherErrors);
          data.put("canConfirm", person.role() == PersonRole.FINANCE);
          data.put("anyOpen", found.stream().anyMatch(line -> line.confirmationNo() == null));
          return pages.send(ctx, status, "finance-receipts", data);
        })
        .onFailure(ctx::fail);
  }

  private static ReceiptRepository.Filter filter(String status) {
    return switch (status == null ? "" : status) {
      case "confirmed" -> ReceiptRepository.Filter.CONFIRMED;
      case "all" -> ReceiptRepository.Filter.ALL;
      default -> ReceiptRepository.Filter.UNCONFIRMED;
    };
  }

  private static LocalDate day(String date) {
    try {
      return date == null || date.isBlank() ? LocalDate.now(ReceiptRepository.BEIJING) : LocalDate.parse(date);
    } catch (DateTimeParseException e) {
      return LocalDate.now(ReceiptRepository.BEIJING);
    }
  }

  /** Parses the page once in both languages on the starting thread. */
  void warmUp() {
    Map<String, Object> person = Map.of("name", "-", "login", "-", "role", "finance", "regions", "-");
    Map<String, Object> row = new HashMap<>(Map.of("lineId", "-", "caseNo", "-", "region", "-", "kind", "-",
        "amountYuan", "0.00", "account", "-", "paidAt", "-", "confirmed", false));
    row.put("ebill", null);
    row.put("error", "-");
    for (Locale locale : new Locale[] {ConsolePages.CHINESE, Locale.ENGLISH}) {
      Map<String, Object> data = new HashMap<>(Map.of("csrf", "-", "person", person, "regions", List.of("341500"),
          "section", "receipts", "rows", List.of(row), "day", "2026-01-01", "status", "unconfirmed", "flash", "-",
          "failed", false, "otherErrors", List.of("-")));
      data.putAll(Map.of("canConfirm", true, "anyOpen", true));
      pages.render(locale, "/console/finance/receipts", "finance-receipts", null, data);
    }
  }
}
