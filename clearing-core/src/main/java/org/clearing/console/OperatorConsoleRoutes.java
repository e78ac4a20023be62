package org.clearing.console;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.SqlConnection;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.clearing.channel.Money;
import org.clearing.history.OrderHistory;
import org.clearing.history.OrderSearch;
import org.clearing.input.FieldError;
import org.clearing.order.Order;
import org.clearing.order.OrderEvent;
import org.clearing.order.OrderRepository;
import org.clearing.order.OrderStatus;
import org.clearing.order.OrderTransitions;
import org.clearing.outbox.WebhookRepository;
import org.clearing.person.AuditLog;
import org.clearing.person.People;
import org.clearing.person.Person;
import org.clearing.person.PersonRole;
import org.clearing.refund.ExceptionResolutions;
import org.clearing.refund.RefundRepository;
import org.clearing.refund.RefundService;
import org.clearing.refund.RefundStatus;

/**
 * The operator's console: finding an order (by order or case number, days, status, channel and
 * region, within the person's regions), an order's whole story on one page, and the actions the
 * API allows on it — cancel an open order, refund lines, resolve an EXCEPTION, redeliver a
 * webhook. Each action goes through the same code as its API route ({@link OrderRepository#transition}
 * after the same {@link OrderTransitions} check as {@code POST /api/v1/orders/{no}/cancel},
 * {@link RefundService#request} on behalf of the order's registration client,
 * {@link ExceptionResolutions#resolve} and {@link WebhookRepository#redeliver}), asks for a
 * confirmation first, and is recorded in the audit log whatever its outcome. An order of another
 * region is refused (403, recorded), whether asked for from a page or by a forged request.
 */
public final class OperatorConsoleRoutes {

  /** What the operator's pages read and act through: the engine's own domain code, built at start. */
  public record Domain(OrderSearch search, OrderHistory history, OrderRepository orders, RefundService refunds,
      ExceptionResolutions resolutions, WebhookRepository webhooks, org.clearing.client.ClientRepository clients,
      org.clearing.region.Regions regions) {}

  static final Set<PersonRole> READERS = Set.of(PersonRole.OPERATOR, PersonRole.ADMIN, PersonRole.AUDITOR);
  static final Set<PersonRole> ACTORS = Set.of(PersonRole.OPERATOR, PersonRole.ADMIN);
  /** As the API's refund reason (RefundRoutes): what a registration system may send, a person may type. */
  static final int REFUND_REASON_LENGTH_MAX = 200;
  /** An order has at most 50 lines (the API's bound on a refund's lines). */
  static final int REFUND_LINES_MAX = 50;
  private static final Pattern ORDER_NO = Pattern.compile("[A-Z]{2}[0-9]{10,30}");
  private static final Pattern REFUND_KEY = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  private static final Pattern EVENT_ID = Pattern.compile("[0-9]{1,18}");
  private static final Set<String> DONE = Set.of("cancel", "refund", "exception-refund", "exception-accept",
      "redeliver");
  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);
  private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private final ConsolePages pages;
  private final AuditLog audit;
  private final Domain domain;

  OperatorConsoleRoutes(ConsolePages pages, AuditLog audit, Domain domain) {
    this.pages = pages;
    this.audit = audit;
    this.domain = domain;
  }

  // ---- finding orders

  /** {@code GET /console/operator/orders?order_no=&case_no=&from=&to=&status=&channel=&region=&page=} */
  void search(RoutingContext ctx) {
    Person person = ConsoleRoutes.person(ctx);
    Map<String, String> typed = new HashMap<>();
    for (String field : List.of("order_no", "case_no", "from", "to", "status", "channel", "region", "page")) {
      typed.put(field, Optional.ofNullable(ctx.request().getParam(field)).orElse(""));
    }
    OrderSearch.Parsed parsed = OrderSearch.parse(typed.get("order_no"), typed.get("case_no"), typed.get("from"),
        typed.get("to"), typed.get("status"), typed.get("channel"), typed.get("region"), typed.get("page"));
    if (parsed instanceof OrderSearch.Invalid invalid) {
      renderSearch(ctx, 422, person, typed, null, invalid.errors());
      return;
    }
    OrderSearch.Criteria criteria = ((OrderSearch.Valid) parsed).criteria();
    if (criteria.region() != null && !person.actsFor(criteria.region())) {
      ConsoleRoutes.forbidden(ctx, audit, person, "region " + criteria.region() + " is not the person's");
      return;
    }
    boolean asked = typed.values().stream().anyMatch(v -> !v.isBlank());
    if (!asked) {
      renderSearch(ctx, 200, person, typed, null, List.of());
      return;
    }
    domain.search().search(criteria, Set.copyOf(person.regions()))
        .onSuccess(page -> renderSearch(ctx, 200, person, typed, page, List.of()))
        .onFailure(ctx::fail);
  }

  private void renderSearch(RoutingContext ctx, int status, Person person, Map<String, String> typed,
      OrderSearch.Page page, List<FieldError> errors) {
    Locale locale = ConsolePages.locale(ctx);
    Map<String, Object> data = TaxConsoleRoutes.common(ctx, person);
    data.put("q", typed);
    data.put("statuses", List.of(OrderStatus.values()).stream().map(Enum::name).toList());
    data.put("channels", List.of("wechat", "alipay", "unionpay"));
    List<String> shown = new ArrayList<>();
    errors.forEach(e -> shown.add(ConsolePages.message(locale, "operator.search.field." + e.field()) + ": "
        + ConsolePages.message(locale, "operator.search.error." + e.field())));
    data.put("errors", shown);
    data.put("searched", page != null);
    List<Map<String, Object>> rows = new ArrayList<>();
    if (page != null) {
      for (OrderSearch.Found found : page.orders()) {
        Map<String, Object> row = new HashMap<>();
        row.put("orderNo", found.orderNo());
        row.put("caseNo", found.caseNo());
        row.put("region", found.region());
        row.put("status", found.status().name());
        row.put("amountYuan", Money.ofFen(found.totalFen()).toYuanString());
        row.put("payer", found.payerNameMasked() + " " + found.payerIdMasked());
        row.put("channels", found.channels());
        row.put("createdAt", at(found.createdAt()));
        rows.add(row);
      }
    }
    data.put("rows", rows);
    data.put("page", page == null ? 1 : page.page());
    data.put("more", page != null && page.more());
    data.put("previousUrl", page != null && page.page() > 1 ? pageUrl(typed, page.page() - 1) : null);
    data.put("nextUrl", page != null && page.more() ? pageUrl(typed, page.page() + 1) : null);
    pages.send(ctx, status, "operator-orders", data).onFailure(ctx::fail);
  }

  private static String pageUrl(Map<String, String> typed, int page) {
    StringBuilder url = new StringBuilder("/console/operator/orders?page=").append(page);
    typed.forEach((field, value) -> {
      if (!field.equals("page") && !value.isBlank()) {
        url.append('&').append(field).append('=').append(java.net.URLEncoder.encode(value,
            java.nio.charset.StandardCharsets.UTF_8));
      }
    });
    return url.toString();
  }

  // ---- an order's story

  /** {@code GET /console/operator/orders/:orderNo?done=}: the whole story, and what may be done now. */
  void order(RoutingContext ctx) {
    Person person = ConsoleRoutes.person(ctx);
    String done = ctx.request().getParam("done");
    String flash = done != null && DONE.contains(done)
        ? ConsolePages.message(ConsolePages.locale(ctx), "operator.done." + done) : null;
    withOwnOrder(ctx, person, story -> renderOrder(ctx, 200, person, story, flash, false));
  }

  /**
   * Loads the order's story and hands it on when the person acts for its region; a missing order
   * is 404, another region's 403 (recorded) — nothing of it is shown or done.
   */
  private void withOwnOrder(RoutingContext ctx, Person person, Consumer<OrderHistory.Story> then) {
    String orderNo = ctx.pathParam("orderNo");
    if (orderNo == null || !ORDER_NO.matcher(orderNo).matches()) {
      notFound(ctx, person);
      return;
    }
    domain.history().of(orderNo).onSuccess(story -> {
      if (story.isEmpty()) {
        notFound(ctx, person);
      } else if (!person.actsFor(story.get().order().order().region())) {
        ConsoleRoutes.forbidden(ctx, audit, person, "order " + orderNo + " is of region "
            + story.get().order().order().region() + ", not the person's");
      } else {
        then.accept(story.get());
      }
    }).onFailure(ctx::fail);
  }

  private void notFound(RoutingContext ctx, Person person) {
    Map<String, Object> data = TaxConsoleRoutes.common(ctx, person);
    data.put("q", Map.of("order_no", "", "case_no", "", "from", "", "to", "", "status", "", "channel", "",
        "region", "", "page", ""));
    data.put("statuses", List.of());
    data.put("channels", List.of());
    data.put("errors", List.of(ConsolePages.message(ConsolePages.locale(ctx), "operator.noSuchOrder",
        String.valueOf(ctx.pathParam("orderNo")))));
    data.put("searched", false);
    data.put("rows", List.of());
    data.put("page", 1);
    data.put("more", false);
    data.put("previousUrl", null);
    data.put("nextUrl", null);
    pages.send(ctx, 404, "operator-orders", data).onFailure(ctx::fail);
  }

  private void renderOrder(RoutingContext ctx, int status, Person person, OrderHistory.Story story, String flash,
      boolean failed) {
    Map<String, Object> data = TaxConsoleRoutes.common(ctx, person);
    data.putAll(OperatorStoryView.of(story, ConsolePages.locale(ctx)));
    Order order = story.order().order();
    boolean canAct = ACTORS.contains(person.role());
    data.put("canAct", canAct);
    data.put("canCancel", canAct && OrderTransitions.next(order.status(), OrderEvent.CANCEL).isPresent());
    data.put("canRefund", canAct && (order.status() == OrderStatus.PAID || order.status() == OrderStatus.SETTLED));
    data.put("canResolve", canAct && order.status() == OrderStatus.EXCEPTION);
    data.put("refundKey", "console-" + People.randomToken());
    data.put("flash", flash);
    data.put("failed", failed);
    pages.send(ctx, status, "operator-order", data).onFailure(ctx::fail);
  }

  // ---- actions: each asks first, then goes through the API's door, then is recorded

  /** {@code POST /console/operator/orders/:orderNo/cancel}: an OPEN order, as the registration system would. */
  void cancel(RoutingContext ctx) {
    Person person = ConsoleRoutes.person(ctx);
    Locale locale = ConsolePages.locale(ctx);
    withOwnOrder(ctx, person, story -> {
      Order order = story.order().order();
      if (!confirmed(ctx)) {
        confirm(ctx, person, order, "cancel", ConsolePages.message(locale, "operator.confirm.cancel",
            order.orderNo(), order.caseNo(), Money.ofFen(order.total().fen()).toYuanString()), Map.of());
        return;
      }
      if (OrderTransitions.next(order.status(), OrderEvent.CANCEL).isEmpty()) {
        refuse(ctx, person, story, "order.cancel", order.orderNo(), 409,
            ConsolePages.message(locale, "operator.refused.cancel", order.status().name()));
        return;
      }
      // The record is written in the move's transaction: a cancel never lands without it.
      domain.orders().transition(order.orderNo(), order.status(), OrderEvent.CANCEL,
              recorded(ctx, person, "order.cancel", order.orderNo(), "was " + order.status()))
          .compose(changed -> domain.orders().find(order.orderNo()).map(found -> changed ? null
              : found.orElseThrow().order().status()))
          .onSuccess(movedOnMeanwhile -> {
            if (movedOnMeanwhile != null) {
              refuse(ctx, person, story, "order.cancel", order.orderNo(), 409,
                  ConsolePages.message(locale, "operator.refused.cancel", movedOnMeanwhile.name()));
              return;
            }
            done(ctx, "cancel");
          })
          .onFailure(ctx::fail);
    });
  }

  /** {@code POST /console/operator/orders/:orderNo/refund}: line (repeated), reason, refund_key. */
  void refund(RoutingContext ctx) {
    Person person = ConsoleRoutes.person(ctx);
    Locale locale = ConsolePages.locale(ctx);
    withOwnOrder(ctx, person, story -> {
      Order order = story.order().order();
      String reason = Optional.ofNullable(ctx.request().getFormAttribute("reason")).orElse("").strip();
      String key = Optional.ofNullable(ctx.request().getFormAttribute("refund_key")).orElse("");
      List<Integer> lines = new ArrayList<>();
      boolean linesOk = true;
      for (String line : new LinkedHashSet<>(ctx.request().formAttributes().getAll("line"))) {
        if (!line.matches("[0-9]{1,2}") || Integer.parseInt(line) < 1) {
          linesOk = false;
        } else {
          lines.add(Integer.parseInt(line));
        }
      }
      String problem = !linesOk || lines.isEmpty() || lines.size() > REFUND_LINES_MAX
          ? ConsolePages.message(locale, "operator.error.lines")
          : !reasonOk(reason, REFUND_REASON_LENGTH_MAX)
              ? ConsolePages.message(locale, "operator.error.reason", REFUND_REASON_LENGTH_MAX)
              : !REFUND_KEY.matcher(key).matches() ? ConsolePages.message(locale, "operator.error.refundKey") : null;
      if (problem != null) {
        refuse(ctx, person, story, "order.refund", order.orderNo(), 422, problem);
        return;
      }
      if (!confirmed(ctx)) {
        long fen = order.lines().stream().filter(l -> lines.contains(l.lineNo()))
            .mapToLong(l -> l.amount().fen()).sum();
        Map<String, List<String>> fields = Map.of("line", lines.stream().map(String::valueOf).toList(),
            "reason", List.of(reason), "refund_key", List.of(key));
        confirm(ctx, person, order, "refund", ConsolePages.message(locale, "operator.confirm.refund",
            order.orderNo(), lines.toString(), Money.ofFen(fen).toYuanString(), reason), fields);
        return;
      }
      // The refund belongs to the order's registration client, as if it had asked: it reads it
      // through its own API, and a replay of the same form (same key) returns the same refund.
      // Recorded in the transaction that plans the refund, before the channel is asked: what the
      // channel answers is the refund's own story on the order's page.
      domain.refunds().request(story.order().clientId(), key, order.orderNo(), lines, reason,
              recorded(ctx, person, "order.refund", order.orderNo(), "refund key " + key + " lines " + lines + ": " + reason))
          .onSuccess(planned -> {
            if (planned instanceof RefundRepository.Refused refused) {
              refuse(ctx, person, story, "order.refund", order.orderNo(), refused.status(),
                  ConsolePages.message(locale, "operator.refused.refund", refused.reason()));
              return;
            }
            done(ctx, "refund");
          })
          .onFailure(ctx::fail);
    });
  }

  /** {@code POST /console/operator/orders/:orderNo/exception/:action} (refund or accept), with a reason. */
  void resolve(RoutingContext ctx) {
    Person person = ConsoleRoutes.person(ctx);
    Locale locale = ConsolePages.locale(ctx);
    String path = ctx.pathParam("action");
    ExceptionResolutions.Action action = "refund".equals(path) ? ExceptionResolutions.Action.REFUND
        : "accept".equals(path) ? ExceptionResolutions.Action.ACCEPT : null;
    withOwnOrder(ctx, person, story -> {
      Order order = story.order().order();
      String auditAction = "order.exception." + path;
      if (action == null) {
        refuse(ctx, person, story, "order.exception", order.orderNo(), 404,
            ConsolePages.message(locale, "operator.error.action"));
        return;
      }
      String reason = Optional.ofNullable(ctx.request().getFormAttribute("reason")).orElse("").strip();
      if (!reasonOk(reason, ExceptionResolutions.REASON_LENGTH_MAX)) {
        refuse(ctx, person, story, auditAction, order.orderNo(), 422,
            ConsolePages.message(locale, "operator.error.reason", ExceptionResolutions.REASON_LENGTH_MAX));
        return;
      }
      if (!confirmed(ctx)) {
        confirm(ctx, person, order, "exception/" + path, ConsolePages.message(locale,
            "operator.confirm.exception." + path, order.orderNo(), reason), Map.of("reason", List.of(reason)));
        return;
      }
      domain.resolutions().resolve(order.orderNo(), action, reason, "console:" + person.login(),
              recorded(ctx, person, auditAction, order.orderNo(), reason))
          .onSuccess(resolution -> {
            if (resolution.refusal() != null) {
              refuse(ctx, person, story, auditAction, order.orderNo(), resolution.refusalStatus(),
                  ConsolePages.message(locale, "operator.refused.exception", resolution.refusal()));
              return;
            }
            done(ctx, "exception-" + path);
          })
          .onFailure(ctx::fail);
    });
  }

  /** {@code POST /console/operator/orders/:orderNo/webhooks/:eventId/redeliver}: an event of this order only. */
  void redeliver(RoutingContext ctx) {
    Person person = ConsoleRoutes.person(ctx);
    Locale locale = ConsolePages.locale(ctx);
    String eventText = ctx.pathParam("eventId");
    withOwnOrder(ctx, person, story -> {
      Order order = story.order().order();
      Optional<OrderHistory.Webhook> webhook = EVENT_ID.matcher(eventText).matches()
          ? story.webhooks().stream().filter(w -> w.event().eventId() == Long.parseLong(eventText)).findFirst()
          : Optional.empty();
      if (webhook.isEmpty()) {
        // An event of another order (perhaps of another region) is not this page's to redeliver.
        refuse(ctx, person, story, "webhook.redeliver", eventText, 404,
            ConsolePages.message(locale, "operator.error.noSuchEvent", eventText));
        return;
      }
      long eventId = webhook.get().event().eventId();
      if (!confirmed(ctx)) {
        confirm(ctx, person, order, "webhooks/" + eventId + "/redeliver", ConsolePages.message(locale,
            "operator.confirm.redeliver", String.valueOf(eventId), webhook.get().event().type(), order.orderNo()),
            Map.of());
        return;
      }
      domain.webhooks().redeliver(eventId, recorded(ctx, person, "webhook.redeliver", String.valueOf(eventId),
          "order " + order.orderNo())).onSuccess(found -> {
        if (found.isEmpty()) {
          refuse(ctx, person, story, "webhook.redeliver", String.valueOf(eventId), 404,
              ConsolePages.message(locale, "operator.error.noSuchEvent", eventText));
          return;
        }
        done(ctx, "redeliver");
      }).onFailure(ctx::fail);
    });
  }

  private static boolean confirmed(RoutingContext ctx) {
    return "yes".equals(ctx.request().getFormAttribute("confirm"));
  }

  private static boolean reasonOk(String reason, int lengthMax) {
    return !reason.isEmpty() && reason.length() <= lengthMax && reason.chars().noneMatch(Character::isISOControl);
  }

  /** The confirmation step: what is about to happen, and the same form again with confirm=yes. */
  private void confirm(RoutingContext ctx, Person person, Order order, String action, String question,
      Map<String, List<String>> fields) {
    Map<String, Object> data = TaxConsoleRoutes.common(ctx, person);
    List<Map<String, String>> hidden = new ArrayList<>();
    fields.forEach((name, values) -> values.forEach(value -> hidden.add(Map.of("name", name, "value", value))));
    data.put("back", "/console/operator/orders/" + order.orderNo());
    data.put("action", "/console/operator/orders/" + order.orderNo() + "/" + action);
    data.put("question", question);
    data.put("fields", hidden);
    pages.send(ctx, 200, "operator-confirm", data).onFailure(ctx::fail);
  }

  /**
   * The record of an action, for its domain door to write in the action's own transaction: the
   * action and its record commit together, so neither stands without the other.
   */
  private static Function<SqlConnection, Future<Void>> recorded(RoutingContext ctx, Person person, String action,
      String target, String detail) {
    return AuditLog.within(AuditLog.Event.of(person, action, target, AuditLog.Outcome.OK, detail,
        ConsoleRoutes.clientIp(ctx)));
  }

  /** Done and recorded: back to the order's page (303, so that reloading it does not act again). */
  private static void done(RoutingContext ctx, String doneKey) {
    ConsoleRoutes.redirect(ctx, "/console/operator/orders/" + ctx.pathParam("orderNo") + "?done=" + doneKey);
  }

  /** A refusal changes nothing; it is recorded and shown on the order's page with its status. */
  private void refuse(RoutingContext ctx, Person person, OrderHistory.Story story, String action, String target,
      int status, String why) {
    audit.append(AuditLog.Event.of(person, action, target, AuditLog.Outcome.REFUSED, why, ConsoleRoutes.clientIp(ctx)))
        .compose(v -> domain.history().of(story.order().order().orderNo()))
        .onSuccess(now -> renderOrder(ctx, status, person, now.orElse(story), why, true))
        .onFailure(ctx::fail);
  }

  static String at(Instant instant) {
    return instant == null ? "" : AT.format(instant.atZone(BEIJING));
  }

  /** Lines refunded or being refunded (a failed refund releases its lines). */
  static Set<Integer> refundedLines(OrderHistory.Story story) {
    Set<Integer> refunded = new HashSet<>();
    for (OrderHistory.Refund refund : story.refunds()) {
      if (refund.refund().status() != RefundStatus.FAILED) {
        refunded.addAll(refund.refund().lineNos());
      }
    }
    return refunded;
  }

  /**
   * Parses the operator's templates once in both languages with sample data, at start-up and off
   * the event loop, as {@link ConsolePages#warmUp} does for the others; a template that does not
   * render fails the start.
   */
  static void warmUp(ConsolePages pages) {
    Map<String, Object> person = Map.of("name", "-", "login", "-", "role", "operator", "regions", "-");
    Map<String, Object> common = new HashMap<>(Map.of("csrf", "-", "person", person, "regions", List.of("341500")));
    Map<String, String> typed = new HashMap<>();
    List.of("order_no", "case_no", "from", "to", "status", "channel", "region", "page").forEach(f -> typed.put(f, ""));
    Map<String, Object> search = new HashMap<>(common);
    search.putAll(Map.of("q", typed, "statuses", List.of("OPEN"), "channels", List.of("wechat"), "errors", List.of("-"),
        "searched", true, "page", 1, "more", true, "nextUrl", "-"));
    search.put("previousUrl", null);
    search.put("rows", List.of(Map.of("orderNo", "-", "caseNo", "-", "region", "-", "status", "OPEN",
        "amountYuan", "0.00", "payer", "-", "channels", "-", "createdAt", "-")));
    Map<String, Object> order = new HashMap<>(common);
    order.put("order", Map.of("orderNo", "-", "caseNo", "-", "region", "-", "status", "PAID", "amountYuan", "0.00",
        "payer", "-", "createdAt", "-", "expiresAt", "-"));
    order.putAll(Map.of("canAct", true, "canCancel", true, "canRefund", true, "canResolve", true, "refundKey", "-",
        "flash", "-", "failed", false));
    order.put("timeline", List.of(Map.of("at", "-", "kind", "created", "text", "-")));
    order.put("lines", List.of(Map.of("lineNo", 1, "kind", "-", "amountYuan", "0.00", "payee", "-", "side", "-",
        "refunded", false)));
    order.put("legs", List.of(Map.of("legNo", 1, "payee", "-", "amountYuan", "0.00", "status", "-")));
    order.put("channelOrders", List.of(Map.of("channel", "-", "outTradeNo", "-", "flow", "-", "status", "-",
        "reference", "-", "openedAt", "-")));
    order.put("callbacks", List.of(Map.of("channel", "-", "kind", "-", "source", "-", "transactionId", "-",
        "amountYuan", "0.00", "outcome", "-", "occurredAt", "-", "receivedAt", "-")));
    order.put("payment", Map.of("channel", "-", "transactionId", "-", "paidAt", "-"));
    order.put("duplicates", List.of(Map.of("channel", "-", "transactionId", "-", "amountYuan", "0.00",
        "refundNo", "-", "status", "-", "at", "-")));
    order.put("entries", List.of(Map.of("entryId", 1L, "kind", "-", "channel", "-", "at", "-", "sealed", true,
        "seal", "-", "postings", List.of(Map.of("account", "-", "debitYuan", "0.00", "creditYuan", "")))));
    order.put("refunds", List.of(Map.of("refundId", "-", "mode", "-", "status", "-", "amountYuan", "0.00",
        "lines", "-", "reason", "-", "at", "-")));
    order.put("resolution", Map.of("action", "-", "amountYuan", "0.00", "returnedYuan", "0.00", "by", "-",
        "reason", "-", "at", "-"));
    order.put("webhooks", List.of(Map.of("eventId", 1L, "type", "-", "state", "-", "attempts", 1, "at", "-",
        "deliveries", List.of(Map.of("attempt", 1, "clientId", "-", "status", 200, "outcome", "-",
            "latencyMs", 1L, "at", "-")))));
    Map<String, Object> confirm = new HashMap<>(common);
    confirm.putAll(Map.of("back", "-", "action", "-", "question", "-",
        "fields", List.of(Map.of("name", "-", "value", "-"))));
    for (Locale locale : new Locale[] {ConsolePages.CHINESE, Locale.ENGLISH}) {
      pages.render(locale, "/console/operator/orders", "operator-orders", null, search);
      pages.render(locale, "/console/operator/orders/-", "operator-order", null, order);
      pages.render(locale, "/console/operator/orders/-/cancel", "operator-confirm", null, confirm);
      Map<String, Object> clients = new HashMap<>(common);
      Map<String, Object> client = new HashMap<>(Map.of("clientId", "-", "role", "admin", "keyType", "SM2",
          "status", "ACTIVE", "keyVersion", 1, "keySm3", "-", "changedAt", "-", "changedBy", "-", "canDisable", true,
          "canEnable", true));
      client.put("canRekey", true);
      clients.putAll(Map.of("flash", "-", "failed", false, "clients", List.of(client)));
      pages.render(locale, "/console/admin/clients", "admin-clients", null, clients);
      Map<String, Object> regions = new HashMap<>(common);
      regions.put("rows", List.of(Map.of("code", "-", "name", "-", "status", "ACTIVE", "version", 1, "channels", "-",
          "changedBy", "-", "changedAt", "-")));
      pages.render(locale, "/console/admin/regions", "admin-regions", null, regions);
    }
  }
}
