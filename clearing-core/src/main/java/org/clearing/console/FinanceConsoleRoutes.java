package org.clearing.console;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.person.AuditLog;
import org.clearing.person.Person;
import org.clearing.person.PersonRole;
import org.clearing.recon.match.ReconClass;
import org.clearing.recon.run.ReconExceptions;
import org.clearing.recon.run.ReconciliationRun;
import org.clearing.report.Collections;
import org.clearing.report.DailyReports;
import org.clearing.report.ReportFormat;
import org.clearing.report.ReportRequest;
import org.clearing.report.ReportRoutes;
import org.clearing.report.SettlementReport;

/**
 * The finance bureau's console: today's collections (tables, and charts whose data the page's
 * script fetches as JSON), the per-account settlement with the day's report and the journal
 * balances, and the reconciliation runs with their items and the exception actions.
 *
 * <p>Each page reads through the signed API's own code ({@link Collections}, {@link SettlementReport},
 * {@link ReconExceptions#list}, {@link ReportRoutes#financeSigned}) and each action goes through the
 * API's door ({@link ReconciliationRun#run}, {@link ReconExceptions#resolve}), scoped to the
 * person's regions: a payee account, and so its money, belongs to one region; an item of another
 * region is neither shown nor resolved (403, recorded). Every action is written to the audit log.
 */
final class FinanceConsoleRoutes {

  /** One page of items; the diff download pages through at most {@link #DIFF_ITEMS_MAX}. */
  static final int ITEMS_PER_PAGE_MAX = ReconExceptions.PAGE_SIZE_MAX;
  /** A day's differences are a few hundred at worst; a download is bounded all the same. */
  static final int DIFF_ITEMS_MAX = 20_000;
  private static final Pattern REGION = Pattern.compile("[0-9]{6}");
  private static final List<String> STATUSES = List.of("all", "open", "resolved", "auto");

  private final ConsolePages pages;
  private final AuditLog audit;
  private volatile FinanceBooks books;

  FinanceConsoleRoutes(ConsolePages pages, AuditLog audit) {
    this.pages = pages;
    this.audit = audit;
    warmUp();
  }

  void books(FinanceBooks books) {
    this.books = books;
  }

  /** The books once handed over, else null. */
  FinanceBooks books() {
    return books;
  }

  /** Until the engine hands the books over (a moment at start), the pages say so instead of failing. */
  private FinanceBooks books(RoutingContext ctx) {
    FinanceBooks wired = books;
    if (wired == null) {
      ctx.response().setStatusCode(503).putHeader("Retry-After", "1")
          .putHeader("Content-Type", "text/plain; charset=utf-8").end("starting");
    }
    return wired;
  }

  // ---- 1. the dashboard

  /** {@code GET /console/finance?date=}: the day's collections by channel, region and payee account. */
  void dashboard(RoutingContext ctx) {
    FinanceBooks b = books(ctx);
    if (b == null) {
      return;
    }
    Person person = ConsoleRoutes.person(ctx);
    LocalDate day = day(ctx.request().getParam("date"));
    Collections.day(b.pool(), day, Set.copyOf(person.regions())).compose(cells -> {
      Map<String, Object> data = TaxConsoleRoutes.common(ctx, person);
      data.put("day", day.toString());
      data.put("section", "dashboard");
      data.put("byChannel", totals(cells, c -> channelName(c.channel(), ctx)));
      data.put("byRegion", totals(cells, Collections.Cell::region));
      data.put("byAccount", totals(cells, c -> c.payeeAccountId() + " " + c.payeeAccountName()));
      long totalFen = cells.stream().mapToLong(Collections.Cell::amountFen).sum();
      data.put("totalYuan", Money.ofFen(totalFen).toYuanString());
      data.put("lines", cells.stream().mapToLong(Collections.Cell::lineCount).sum());
      return pages.send(ctx, 200, "finance-dashboard", data);
    }).onFailure(ctx::fail);
  }

  /**
   * {@code GET /console/finance/collections.json?date=}: the charts' data — amounts per hour and
   * channel (yuan, for the axis) and per payee account — fetched by the page's script, since the
   * page's policy allows no inline script.
   */
  void collectionsJson(RoutingContext ctx) {
    FinanceBooks b = books(ctx);
    if (b == null) {
      return;
    }
    Person person = ConsoleRoutes.person(ctx);
    LocalDate day = day(ctx.request().getParam("date"));
    Collections.day(b.pool(), day, Set.copyOf(person.regions())).onSuccess(cells -> {
      JsonArray hours = new JsonArray();
      for (int h = 0; h < 24; h++) {
        hours.add(String.format(Locale.ROOT, "%02d:00", h));
      }
      Map<String, long[]> perChannel = new TreeMap<>();
      Map<String, Long> perAccount = new TreeMap<>();
      for (Collections.Cell c : cells) {
        perChannel.computeIfAbsent(channelName(c.channel(), ctx), k -> new long[24])[c.hour()] += c.amountFen();
        perAccount.merge(c.payeeAccountId() + " " + c.payeeAccountName(), c.amountFen(), Math::addExact);
      }
      JsonArray series = new JsonArray();
      perChannel.forEach((channel, fen) -> {
        JsonArray values = new JsonArray();
        for (long f : fen) {
          values.add(Money.ofFen(f).toYuanString());
        }
        series.add(new JsonObject().put("name", channel).put("values", values));
      });
      JsonArray accounts = new JsonArray();
      perAccount.forEach((account, fen) -> accounts.add(new JsonObject().put("name", account)
          .put("value", Money.ofFen(fen).toYuanString()).put("amount_fen", fen)));
      ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
          .end(new JsonObject().put("business_date", day.toString()).put("hours", hours)
              .put("hourly", series).put("accounts", accounts).encode());
    }).onFailure(ctx::fail);
  }

  // ---- 2. settlement per account, the signed report, the journal balances

  /** {@code GET /console/finance/settlement?date=}: expected legs against what each channel settled. */
  void settlement(RoutingContext ctx) {
    FinanceBooks b = books(ctx);
    if (b == null) {
      return;
    }
    Person person = ConsoleRoutes.person(ctx);
    LocalDate day = day(ctx.request().getParam("date"));
    Collections.accountRegions(b.pool()).compose(regions -> SettlementReport.lines(b.pool(), day, null)
        .compose(lines -> b.balances().all().map(balances -> {
          Map<String, Object> data = TaxConsoleRoutes.common(ctx, person);
          data.put("day", day.toString());
          data.put("section", "settlement");
          List<Map<String, Object>> rows = new ArrayList<>();
          for (SettlementReport.Line line : lines) {
            if (person.actsFor(regions.getOrDefault(line.figures().payeeAccountId(), ""))) {
              rows.add(settlementRow(line, regions, ctx));
            }
          }
          data.put("rows", rows);
          data.put("allBalanced", rows.stream().allMatch(r -> Boolean.TRUE.equals(r.get("balanced"))));
          List<Map<String, Object>> accounts = new ArrayList<>();
          balances.forEach((account, fen) -> {
            // Only the payee accounts of the person's regions: the channels' clearing accounts and
            // suspense hold every region's money.
            String payee = account.startsWith("payee:") ? account.substring("payee:".length()) : null;
            if (payee != null && person.actsFor(regions.getOrDefault(payee, ""))) {
              accounts.add(Map.of("account", account, "balanceYuan", Money.ofFen(Math.abs(fen)).toYuanString(),
                  "side", fen <= 0 ? "credit" : "debit"));
            }
          });
          data.put("balances", accounts);
          return data;
        })))
        .compose(data -> pages.send(ctx, 200, "finance-settlement", data))
        .onFailure(ctx::fail);
  }

  private static Map<String, Object> settlementRow(SettlementReport.Line line, Map<String, String> regions,
      RoutingContext ctx) {
    var f = line.figures();
    Map<String, Object> row = new HashMap<>();
    row.put("account", f.payeeAccountId());
    row.put("region", regions.get(f.payeeAccountId()));
    row.put("channel", channelName(line.channel(), ctx));
    row.put("runId", line.runId());
    row.put("legsExpected", f.legsExpected());
    row.put("expectedYuan", Money.ofFen(f.expectedFen()).toYuanString());
    row.put("legsSettled", f.legsSettled());
    row.put("settledYuan", Money.ofFen(f.settledFen()).toYuanString());
    row.put("legsMissing", f.legsMissing());
    row.put("missingYuan", Money.ofFen(f.missingFen()).toYuanString());
    row.put("legsExcess", f.legsExcess());
    row.put("excessYuan", Money.ofFen(f.excessFen()).toYuanString());
    row.put("legsMismatched", f.legsMismatched());
    row.put("balanced", f.balanced());
    return row;
  }

  /**
   * {@code GET /console/finance/report?date=&format=csv|xlsx|json}: the finance daily report of
   * the person's payee accounts, drawn and signed by the API's own code (the signature header
   * verifies with the engine's published key), recorded as a download.
   */
  void report(RoutingContext ctx, Person person, String clientIp) {
    FinanceBooks b = books(ctx);
    if (b == null) {
      return;
    }
    String format = ctx.request().getParam("format");
    ReportRequest.Parsed parsed = ReportRequest.parse(ctx.request().getParam("date"), format == null ? "csv" : format);
    if (parsed instanceof ReportRequest.Invalid invalid) {
      ctx.response().setStatusCode(422).putHeader("Content-Type", "text/plain; charset=utf-8")
          .end(invalid.errors().stream().map(e -> e.field() + ": " + e.reason()).collect(Collectors.joining("\n")));
      return;
    }
    ReportRequest request = ((ReportRequest.Valid) parsed).request();
    Collections.accountRegions(b.pool()).compose(regions -> {
      Set<String> mine = regions.entrySet().stream().filter(e -> person.actsFor(e.getValue()))
          .map(Map.Entry::getKey).collect(Collectors.toSet());
      return b.reports().financeSigned(request, report -> report.onlyAccounts(mine));
    }).compose(signed -> audit.append(AuditLog.Event.of(person, "report.download", "finance-report-"
            + request.day() + "." + request.format().extension(), AuditLog.Outcome.OK,
            signed.body().length + " bytes", clientIp)).map(signed))
        .onSuccess(signed -> ReportRoutes.send(ctx, "finance-report", request, signed))
        .onFailure(ctx::fail);
  }

  // ---- 3. reconciliation runs, items and their resolutions

  /** What the reconciliation page was asked for. */
  private record ReconQuery(LocalDate day, Channel channel, String status, String reconClass) {
    String query() {
      return "date=" + day + "&channel=" + (channel == null ? "" : channel.code()) + "&status=" + status
          + "&class=" + (reconClass == null ? "" : reconClass);
    }
  }

  private static ReconQuery reconQuery(String date, String channel, String status, String reconClass) {
    return new ReconQuery(day(date), Channel.fromCode(channel == null ? "" : channel).orElse(null),
        status != null && STATUSES.contains(status) ? status : "all", isClass(reconClass) ? reconClass : null);
  }

  /** {@code GET /console/finance/recon?date=&channel=&status=&class=} */
  void recon(RoutingContext ctx) {
    FinanceBooks b = books(ctx);
    if (b == null) {
      return;
    }
    ReconQuery query = reconQuery(ctx.request().getParam("date"), ctx.request().getParam("channel"),
        ctx.request().getParam("status"), ctx.request().getParam("class"));
    renderRecon(ctx, b, 200, query, null);
  }

  /** {@code POST /console/finance/recon/run} {@code date, channel}: the day's run of one channel, as the API starts it. */
  void startRun(RoutingContext ctx, Person person, String clientIp) {
    FinanceBooks b = books(ctx);
    if (b == null) {
      return;
    }
    Locale locale = ConsolePages.locale(ctx);
    ReconQuery query = reconQuery(ctx.request().getFormAttribute("date"), ctx.request().getFormAttribute("channel"),
        "all", null);
    LocalDate day = strictDay(ctx.request().getFormAttribute("date"));
    if (day == null || query.channel() == null) {
      renderRecon(ctx, b, 422, query, ConsolePages.message(locale, "finance.recon.runInvalid"));
      return;
    }
    String target = query.channel().code() + ":" + day;
    b.run().run(day, query.channel())
        .compose(result -> audit.append(AuditLog.Event.of(person, "recon.run", target, AuditLog.Outcome.OK,
                "run " + result.runId() + ": " + result.items() + " items, " + result.autoBooked()
                    + " booked, " + result.openItems() + " open", clientIp))
            .map(v -> ConsolePages.message(locale, "finance.recon.ran", result.items(), result.autoBooked(),
                result.openItems())))
        .onSuccess(flash -> renderRecon(ctx, b, 200, query, flash))
        .onFailure(error -> {
          int status = error instanceof ReconciliationRun.AlreadyRunning ? 409
              : error instanceof ReconciliationRun.NoChannel ? 422 : 502;
          String flash = ConsolePages.message(locale, "finance.recon.runFailed", String.valueOf(error.getMessage()));
          audit.append(AuditLog.Event.of(person, "recon.run", target, AuditLog.Outcome.FAILED,
                  String.valueOf(error.getMessage()), clientIp))
              .onComplete(done -> renderRecon(ctx, b, status, query, flash));
        });
  }

  /**
   * {@code POST /console/finance/recon/items/:run_id/:item_no/resolve} {@code action, reason}:
   * through {@link ReconExceptions#resolve}, the API's door, with the person's regions as the
   * scope and the audit event written in the resolution's transaction.
   */
  void resolve(RoutingContext ctx, Person person, String clientIp) {
    FinanceBooks b = books(ctx);
    if (b == null) {
      return;
    }
    Locale locale = ConsolePages.locale(ctx);
    ReconQuery query = reconQuery(ctx.request().getFormAttribute("date"), ctx.request().getFormAttribute("channel"),
        ctx.request().getFormAttribute("status"), ctx.request().getFormAttribute("class"));
    String runParam = ctx.pathParam("run_id");
    String itemParam = ctx.pathParam("item_no");
    String actionParam = ctx.request().getFormAttribute("action");
    String reason = ctx.request().getFormAttribute("reason");
    reason = reason == null ? "" : reason.strip();
    ReconExceptions.Action action = null;
    for (ReconExceptions.Action a : ReconExceptions.Action.values()) {
      if (a.name().equals(actionParam)) {
        action = a;
      }
    }
    if (runParam == null || !runParam.matches("[0-9]{1,18}") || itemParam == null || !itemParam.matches("[0-9]{1,9}")) {
      renderRecon(ctx, b, 404, query, ConsolePages.message(locale, "finance.recon.noSuchItem"));
      return;
    }
    if (action == null || reason.isEmpty() || reason.length() > ReconExceptions.REASON_LENGTH_MAX) {
      renderRecon(ctx, b, 422, query, ConsolePages.message(locale, "finance.recon.resolveInvalid",
          ReconExceptions.REASON_LENGTH_MAX));
      return;
    }
    String target = runParam + "/" + itemParam;
    ReconExceptions.Action chosen = action;
    String why = reason;
    b.exceptions().resolve(Long.parseLong(runParam), Integer.parseInt(itemParam), action, reason,
            "console:" + person.login(), Set.copyOf(person.regions()),
            conn -> AuditLog.append(conn, AuditLog.Event.of(person, "recon.resolve", target, AuditLog.Outcome.OK,
                chosen + ": " + why, clientIp)))
        .onSuccess(resolution -> {
          ReconExceptions.Refusal refusal = resolution.refusal();
          if (refusal == null) {
            renderRecon(ctx, b, 200, query, ConsolePages.message(locale, "finance.recon.resolved", target, chosen));
            return;
          }
          if (refusal.status() == 403) {
            ConsoleRoutes.forbidden(ctx, audit, person, "item " + target + ": " + refusal.detail());
            return;
          }
          audit.append(AuditLog.Event.of(person, "recon.resolve", target, AuditLog.Outcome.REFUSED,
                  chosen + ": " + refusal.detail(), clientIp))
              .onComplete(done -> renderRecon(ctx, b, refusal.status(), query,
                  ConsolePages.message(locale, "finance.recon.refused", refusal.detail())));
        })
        .onFailure(ctx::fail);
  }

  /** {@code GET /console/finance/recon/diff.csv?date=&channel=}: every difference of the day, the page's items as CSV. */
  void diffCsv(RoutingContext ctx) {
    FinanceBooks b = books(ctx);
    if (b == null) {
      return;
    }
    Person person = ConsoleRoutes.person(ctx);
    ReconQuery query = reconQuery(ctx.request().getParam("date"), ctx.request().getParam("channel"),
        ctx.request().getParam("status"), ctx.request().getParam("class"));
    List<JsonObject> items = new ArrayList<>();
    page(b, person, query, 0, 0, items).onSuccess(v -> {
      StringBuilder csv = new StringBuilder("run_id,item_no,business_date,channel,class,kind,out_trade_no,"
          + "transaction_id,channel_amount_fen,engine_amount_fen,payee_account_id,region,reason,resolution_status,"
          + "resolved_by,resolution_action,resolution_reason\r\n");
      for (JsonObject item : items) {
        JsonObject r = item.getJsonObject("resolution", new JsonObject());
        List<Object> fields = List.of(item.getLong("run_id"), item.getInteger("item_no"),
            item.getString("business_date"), item.getString("channel"), item.getString("class"), item.getString("kind"),
            item.getString("out_trade_no"), nz(item.getString("transaction_id")), item.getLong("channel_amount_fen"),
            item.getLong("engine_amount_fen"), nz(item.getString("payee_account_id")), nz(item.getString("region")),
            nz(item.getString("reason")), item.getString("resolution_status"), nz(r.getString("by")),
            nz(r.getString("action")), nz(r.getString("reason")));
        csv.append(fields.stream().map(f -> csvField(String.valueOf(f))).collect(Collectors.joining(","))).append("\r\n");
      }
      ctx.response().putHeader("Content-Type", "text/csv; charset=utf-8").putHeader("Cache-Control", "no-store")
          .putHeader("Content-Disposition", "attachment; filename=\"recon-diff-" + query.day()
              + (query.channel() == null ? "" : "-" + query.channel().code()) + ".csv\"")
          .end(csv.toString());
    }).onFailure(ctx::fail);
  }

  /** Pages through the API's list until the last page or {@link #DIFF_ITEMS_MAX} items. */
  private static Future<Void> page(FinanceBooks b, Person person, ReconQuery query, long afterRun, int afterItem,
      List<JsonObject> into) {
    return b.exceptions().list(filter(person, query, afterRun, afterItem, ITEMS_PER_PAGE_MAX)).compose(page -> {
      page.getJsonArray("items").forEach(item -> into.add((JsonObject) item));
      String next = page.getString("next_after");
      if (next == null || into.size() >= DIFF_ITEMS_MAX) {
        return Future.succeededFuture();
      }
      String[] parts = next.split(":");
      return page(b, person, query, Long.parseLong(parts[0]), Integer.parseInt(parts[1]), into);
    });
  }

  private static ReconExceptions.Filter filter(Person person, ReconQuery query, long afterRun, int afterItem, int limit) {
    return new ReconExceptions.Filter("all".equals(query.status()) ? null : query.status().toUpperCase(Locale.ROOT),
        query.reconClass(), query.channel(), null, query.day(), afterRun, afterItem, limit, Set.copyOf(person.regions()));
  }

  private void renderRecon(RoutingContext ctx, FinanceBooks b, int status, ReconQuery query, String flash) {
    Person person = ConsoleRoutes.person(ctx);
    b.exceptions().runs(query.day())
        .compose(runs -> b.exceptions().list(filter(person, query, 0, 0, ITEMS_PER_PAGE_MAX)).map(page -> {
          Map<String, Object> data = TaxConsoleRoutes.common(ctx, person);
          data.put("section", "recon");
          data.put("day", query.day().toString());
          data.put("channel", query.channel() == null ? "" : query.channel().code());
          data.put("status", query.status());
          data.put("statuses", STATUSES);
          data.put("reconClass", query.reconClass() == null ? "" : query.reconClass());
          data.put("query", query.query());
          data.put("flash", flash);
          data.put("failed", status >= 400);
          data.put("canAct", person.role() == PersonRole.FINANCE);
          data.put("channels", List.of(Channel.values()).stream().map(Channel::code).toList());
          data.put("classes", List.of(ReconClass.values()).stream().map(ReconClass::name).toList());
          data.put("actions", List.of(ReconExceptions.Action.values()).stream().map(Enum::name).toList());
          data.put("runs", runs.stream().map(r -> runRow(r, ctx)).toList());
          List<Map<String, Object>> items = new ArrayList<>();
          page.getJsonArray("items").forEach(item -> items.add(itemRow((JsonObject) item, ctx)));
          data.put("items", items);
          data.put("more", page.getString("next_after") != null);
          return data;
        }))
        .compose(data -> {
          boolean fragment = "true".equals(ctx.request().getHeader("HX-Request"));
          return pages.send(ctx, status, "finance-recon", fragment ? "recon" : null, data);
        })
        .onFailure(ctx::fail);
  }

  private static Map<String, Object> runRow(JsonObject run, RoutingContext ctx) {
    Map<String, Object> row = new HashMap<>();
    row.put("runId", run.getLong("run_id"));
    row.put("channel", channelName(run.getString("channel"), ctx));
    row.put("status", run.getString("status"));
    row.put("source", run.getString("bill_source"));
    row.put("finishedAt", run.getString("finished_at") == null ? "" : run.getString("finished_at"));
    row.put("items", run.getLong("items"));
    row.put("open", run.getLong("open_items"));
    row.put("error", run.getString("error"));
    return row;
  }

  private static Map<String, Object> itemRow(JsonObject item, RoutingContext ctx) {
    Map<String, Object> row = new HashMap<>();
    String id = item.getLong("run_id") + "-" + item.getInteger("item_no");
    row.put("id", id);
    row.put("runId", item.getLong("run_id"));
    row.put("itemNo", item.getInteger("item_no"));
    row.put("channel", channelName(item.getString("channel"), ctx));
    row.put("reconClass", item.getString("class"));
    row.put("kind", item.getString("kind"));
    row.put("outTradeNo", item.getString("out_trade_no"));
    row.put("transactionId", nz(item.getString("transaction_id")));
    row.put("channelYuan", Money.ofFen(item.getLong("channel_amount_fen")).toYuanString());
    row.put("engineYuan", Money.ofFen(item.getLong("engine_amount_fen")).toYuanString());
    row.put("account", nz(item.getString("payee_account_id")));
    row.put("region", nz(item.getString("region")));
    row.put("reason", nz(item.getString("reason")));
    String status = item.getString("resolution_status");
    row.put("status", status);
    row.put("open", "OPEN".equals(status));
    JsonObject resolution = item.getJsonObject("resolution");
    row.put("resolution", resolution == null ? "" : resolution.getString("action") + " · "
        + resolution.getString("by") + " · " + resolution.getString("reason"));
    return row;
  }

  // ---- helpers

  /** Totals per key, largest first, in yuan. */
  private static List<Map<String, Object>> totals(List<Collections.Cell> cells,
      java.util.function.Function<Collections.Cell, String> key) {
    Map<String, long[]> sums = new LinkedHashMap<>();
    for (Collections.Cell c : cells) {
      long[] sum = sums.computeIfAbsent(key.apply(c), k -> new long[2]);
      sum[0] = Math.addExact(sum[0], c.amountFen());
      sum[1] += c.lineCount();
    }
    return sums.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0]))
        .map(e -> Map.<String, Object>of("name", e.getKey(), "amountYuan", Money.ofFen(e.getValue()[0]).toYuanString(),
            "lines", e.getValue()[1]))
        .toList();
  }

  private static String channelName(String code, RoutingContext ctx) {
    if (code == null || code.isEmpty()) {
      return "-";
    }
    String key = "finance.channel." + code;
    try {
      return ConsolePages.message(ConsolePages.locale(ctx), key);
    } catch (java.util.MissingResourceException e) {
      return code;
    }
  }

  private static LocalDate day(String date) {
    LocalDate strict = strictDay(date);
    return strict == null ? LocalDate.now(DailyReports.BEIJING) : strict;
  }

  private static LocalDate strictDay(String date) {
    if (date == null || !date.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}")) {
      return null;
    }
    try {
      return LocalDate.parse(date);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static boolean isClass(String value) {
    for (ReconClass c : ReconClass.values()) {
      if (c.name().equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static String nz(String value) {
    return value == null ? "" : value;
  }

  /** RFC 4180 quoting; a text starting with = + - @ gets a leading ' so a spreadsheet does not run it as a formula. */
  static String csvField(String value) {
    String safe = !value.isEmpty() && "=+-@".indexOf(value.charAt(0)) >= 0 && !value.matches("-?[0-9]+")
        ? "'" + value : value;
    return safe.matches("(?s).*[\",\r\n].*") ? "\"" + safe.replace("\"", "\"\"") + "\"" : safe;
  }

  // ---- start-up

  /** Parses the finance pages once, in both languages, on the starting thread (see {@link ConsolePages#warmUp}). */
  private void warmUp() {
    Map<String, Object> person = Map.of("name", "-", "login", "-", "role", "finance", "regions", "-");
    for (Locale locale : new Locale[] {ConsolePages.CHINESE, Locale.ENGLISH}) {
      Map<String, Object> base = new HashMap<>(Map.of("csrf", "-", "person", person, "regions", List.of("341500"),
          "day", "2026-01-01"));
      Map<String, Object> dashboard = new HashMap<>(base);
      Map<String, Object> total = Map.of("name", "-", "amountYuan", "0.00", "lines", 1L);
      dashboard.putAll(Map.of("section", "dashboard", "byChannel", List.of(total), "byRegion", List.of(total),
          "byAccount", List.of(total), "totalYuan", "0.00", "lines", 1L));
      pages.render(locale, "/console/finance", "finance-dashboard", null, dashboard);
      Map<String, Object> settlement = new HashMap<>(base);
      Map<String, Object> row = new HashMap<>(Map.ofEntries(Map.entry("account", "-"), Map.entry("region", "-"),
          Map.entry("channel", "-"), Map.entry("runId", 1L), Map.entry("legsExpected", 1),
          Map.entry("expectedYuan", "0.00"), Map.entry("legsSettled", 1), Map.entry("settledYuan", "0.00"),
          Map.entry("legsMissing", 0), Map.entry("missingYuan", "0.00"), Map.entry("legsExcess", 0),
          Map.entry("excessYuan", "0.00"), Map.entry("legsMismatched", 0), Map.entry("balanced", true)));
      settlement.putAll(Map.of("section", "settlement", "rows", List.of(row), "allBalanced", true,
          "balances", List.of(Map.of("account", "-", "balanceYuan", "0.00", "side", "credit"))));
      pages.render(locale, "/console/finance/settlement", "finance-settlement", null, settlement);
      Map<String, Object> recon = new HashMap<>(base);
      Map<String, Object> run = new HashMap<>(Map.of("runId", 1L, "channel", "-", "status", "DONE", "source", "-",
          "finishedAt", "-", "items", 1L, "open", 1L));
      run.put("error", "-");
      Map<String, Object> item = new HashMap<>(Map.ofEntries(Map.entry("id", "1-1"), Map.entry("runId", 1L),
          Map.entry("itemNo", 1), Map.entry("channel", "-"), Map.entry("reconClass", "LONG"), Map.entry("kind", "-"),
          Map.entry("outTradeNo", "-"), Map.entry("transactionId", "-"), Map.entry("channelYuan", "0.00"),
          Map.entry("engineYuan", "0.00"), Map.entry("account", "-"), Map.entry("region", "-"),
          Map.entry("reason", "-"), Map.entry("status", "OPEN"), Map.entry("open", true),
          Map.entry("resolution", "-")));
      recon.putAll(Map.of("section", "recon", "channel", "", "status", "all", "reconClass", "", "query", "-",
          "failed", false, "canAct", true, "channels", List.of("wechat"), "classes", List.of("LONG")));
      recon.putAll(Map.of("actions", List.of("ACCEPT"), "statuses", STATUSES));
      recon.putAll(Map.of("runs", List.of(run), "items", List.of(item), "more", true, "flash", "-"));
      pages.render(locale, "/console/finance/recon", "finance-recon", null, recon);
      pages.render(locale, "/console/finance/recon", "finance-recon", "recon", recon);
    }
  }
}
