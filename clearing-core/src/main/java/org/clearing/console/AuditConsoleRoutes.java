package org.clearing.console;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.clearing.journal.JournalChainCheck;
import org.clearing.person.AuditLog;
import org.clearing.person.Person;

/**
 * The audit log for the auditor (and the administrator): a day's actions of people, oldest first,
 * on a page and as a CSV download, each with the journal seal that covers it. The page says whether
 * the seals holding the day's actions still verify (recomputed from the rows, as
 * {@code verify-journal} does for the whole chain) and names the first action that no longer is
 * what was sealed. Exporting is itself recorded.
 */
final class AuditConsoleRoutes {

  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);
  private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private final ConsolePages pages;
  private final AuditLog audit;
  private final JournalChainCheck chain;

  AuditConsoleRoutes(ConsolePages pages, AuditLog audit, JournalChainCheck chain) {
    this.pages = pages;
    this.audit = audit;
    this.chain = chain;
  }

  /** {@code GET /console/audit?date=} */
  void page(RoutingContext ctx) {
    Person person = ConsoleRoutes.person(ctx);
    LocalDate day = day(ctx.request().getParam("date"));
    Locale locale = ConsolePages.locale(ctx);
    audit.ofDay(day, AuditLog.DAY_MAX).compose(events -> check(events).compose(checked -> {
      List<Map<String, Object>> rows = new ArrayList<>();
      long pending = 0;
      for (AuditLog.Recorded event : events) {
        pending += event.sealNo() == null ? 1 : 0;
        rows.add(Map.of("at", AT.format(event.at().atZone(BEIJING)), "login", event.login(),
            "action", event.action(), "target", event.target() == null ? "" : event.target(),
            "outcome", event.outcome(), "detail", event.detail() == null ? "" : event.detail(),
            "ip", event.clientIp(), "seal", event.sealNo() == null ? "" : event.sealNo().toString()));
      }
      Map<String, Object> data = TaxConsoleRoutes.common(ctx, person);
      data.put("events", rows);
      data.put("day", day.toString());
      data.put("chainOk", checked.ok());
      data.put("chain", !checked.ok()
          ? ConsolePages.message(locale, "audit.chain.broken", String.valueOf(checked.firstBrokenSealNo()), checked.reason())
          : checked.sealsChecked() == 0 ? ConsolePages.message(locale, "audit.chain.none")
          : ConsolePages.message(locale, "audit.chain.ok", checked.sealsChecked()));
      data.put("pending", pending);
      return pages.send(ctx, 200, "audit", data);
    })).onFailure(ctx::fail);
  }

  /** The seals that hold the day's events, recomputed; nothing to check on a day with no events. */
  private Future<JournalChainCheck.Outcome> check(List<AuditLog.Recorded> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture(new JournalChainCheck.Outcome(true, 0, null, null, null));
    }
    return chain.ofAuditEvents(events.get(0).auditId(), events.get(events.size() - 1).auditId());
  }

  /** {@code GET /console/audit.csv?date=}: the same rows as the page, as UTF-8 CSV with a BOM for spreadsheets. */
  void csv(RoutingContext ctx) {
    Person person = ConsoleRoutes.person(ctx);
    LocalDate day = day(ctx.request().getParam("date"));
    audit.ofDay(day, AuditLog.DAY_MAX)
        .compose(events -> audit.append(AuditLog.Event.of(person, "audit.export", day.toString(), AuditLog.Outcome.OK,
            events.size() + " events", ConsoleRoutes.clientIp(ctx))).map(events))
        .compose(events -> {
          StringBuilder out = new StringBuilder(
              "\uFEFFaudit_id,at,login,action,target,outcome,detail,client_ip,seal_no,seal\r\n");
          for (AuditLog.Recorded event : events) {
            out.append(event.auditId()).append(',').append(cell(event.at().atOffset(BEIJING).toString())).append(',')
                .append(cell(event.login())).append(',').append(cell(event.action())).append(',')
                .append(cell(event.target())).append(',').append(cell(event.outcome())).append(',')
                .append(cell(event.detail())).append(',').append(cell(event.clientIp())).append(',')
                .append(event.sealNo() == null ? "" : event.sealNo().toString()).append(',')
                .append(cell(event.sealHex())).append("\r\n");
          }
          return ctx.response().putHeader("Content-Type", "text/csv; charset=utf-8")
              .putHeader("Content-Disposition", "attachment; filename=\"audit-" + day + ".csv\"")
              .putHeader("Cache-Control", "no-store")
              .end(out.toString());
        }).onFailure(ctx::fail);
  }

  /**
   * RFC 4180 quoting, and a leading quote before =, +, - or @ so that a spreadsheet never runs a
   * login or a detail typed by someone as a formula.
   */
  static String cell(String value) {
    if (value == null) {
      return "";
    }
    String safe = !value.isEmpty() && "=+-@".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
    return "\"" + safe.replace("\"", "\"\"") + "\"";
  }

  private static LocalDate day(String date) {
    try {
      return date == null || date.isBlank() ? LocalDate.now(BEIJING) : LocalDate.parse(date);
    } catch (DateTimeParseException e) {
      return LocalDate.now(BEIJING);
    }
  }
}
