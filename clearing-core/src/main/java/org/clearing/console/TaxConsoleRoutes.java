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
  static final int LINES_PER_PAGE_MAX = 500;
  private static final Pattern LINE_ID = Pattern.compile("(TF[0-9]{18})-([0-9]{1,2})");
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

  /** What the filter asked for: a day, a region of the officer's (or all of them), a status. */
  private record Query(LocalDate day, String region, ReceiptRepository.Filter filter) {
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
        ctx.request().getParam("status"));
    if (!query.region().isEmpty() && !person.actsFor(query.region())) {
      ConsoleRoutes.forbidden(ctx, audit, person, "region " + query.region() + " is not the person's");
      return;
    }
    render(ctx, 200, person, query, Map.of(), null);
  }

  /** {@code POST /console/tax/receipts/confirm}: every ticked line with its certificate number, all or none. */
  void confirm(RoutingContext ctx, Person person, String clientIp) {
    Locale locale = ConsolePages.locale(ctx);
    Query query = query(ctx.request().getFormAttribute("date"), ctx.request().getFormAttribute("region"),
        ctx.request().getFormAttribute("status"));
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
            (conn, batch) -> recordAll(conn, person, lines, clientIp))
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

  private static Future<Void> recordAll(io.vertx.sqlclient.SqlConnection conn, Person person,
      List<ReceiptRepository.Confirmation> lines, String clientIp) {
    Future<Void> chain = Future.succeededFuture();
    for (ReceiptRepository.Confirmation line : lines) {
      chain = chain.compose(v -> AuditLog.append(conn, AuditLog.Event.of(person, "receipt.confirm",
          line.orderNo() + "-" + line.lineNo(), AuditLog.Outcome.OK, "certificate " + line.confirmationNo(), clientIp)));
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
    Map<String, String> errors = new LinkedHashMap<>();
    for (int i = 0; i < batch.outcomes().size(); i++) {
      ReceiptRepository.Confirmed outcome = batch.outcomes().get(i);
      String lineId = lines.get(i).orderNo() + "-" + lines.get(i).lineNo();
      if (outcome instanceof ReceiptRepository.Conflict) {
        errors.put(lineId, ConsolePages.message(locale, "tax.error.conflict"));
      } else if (outcome instanceof ReceiptRepository.NotConfirmable no) {
        errors.put(lineId, ConsolePages.message(locale, no.notFound() ? "tax.error.noSuchLine" : "tax.error.notPaid"));
      }
    }
    return errors;
  }

  private static Query query(String date, String region, String status) {
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
    return new Query(day, scope, filter);
  }

  private void render(RoutingContext ctx, int status, Person person, Query query, Map<String, String> errors,
      String flash) {
    Locale locale = ConsolePages.locale(ctx);
    boolean english = Locale.ENGLISH.equals(locale);
    receipts.list(PayeeSide.TREASURY, query.day(), query.filter(), query.regions(person), "", 0, LINES_PER_PAGE_MAX)
        .compose(found -> {
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
