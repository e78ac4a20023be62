package org.clearing.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;
import org.clearing.client.ApiClient;
import org.clearing.crypto.Crypto;
import org.clearing.http.Problem;
import org.clearing.http.StrictJson;
import org.clearing.input.FieldError;
import org.clearing.metrics.LatencyTimers;
import org.clearing.order.NewOrder;
import org.clearing.order.Order;
import org.clearing.order.OrderDraft;
import org.clearing.order.OrderEvent;
import org.clearing.order.OrderRepository;
import org.clearing.order.OrderStatus;
import org.clearing.order.OrderTransitions;
import org.clearing.payer.PayerIdCipher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The registration system's order endpoints: create, read, cancel. */
final class OrderRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(OrderRoutes.class);
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  /** Compiled once: {@code String.matches} compiles its pattern on every call. */
  private static final Pattern JSON_CONTENT_TYPE = Pattern.compile("application/json\\s*(;.*)?");
  /** 16 random bytes = 128 bits, as base64url without padding: 22 characters. */
  static final int QR_TOKEN_BYTES = 16;

  private final ApiContext context;
  private final Timer createdLatency;
  private final Timer replayedLatency;
  private final Timer refusedLatency;
  private final ConcurrentMap<String, ConcurrentMap<String, Counter>> requestCounters = new ConcurrentHashMap<>();

  OrderRoutes(ApiContext context) {
    this.context = context;
    this.createdLatency = latencyTimer("created");
    this.replayedLatency = latencyTimer("replayed");
    this.refusedLatency = latencyTimer("refused");
  }

  private Timer latencyTimer(String outcome) {
    return LatencyTimers.histogram("clearing_order_creation_latency",
            "POST /api/v1/orders from the request's arrival (before its signature is checked) to the"
            + " answer: created (201), replayed by its idempotency key (200), or refused (any other status)")
        .tag("outcome", outcome)
        .register(context.metrics());
  }

  /**
   * Mounted before authentication, so the time includes the signature check on the crypto pool
   * and any wait for it: what the registration system waits for.
   */
  void timeCreate(RoutingContext ctx) {
    long startNs = System.nanoTime();
    ctx.addEndHandler(ended -> {
      int status = ctx.response().getStatusCode();
      Timer timer = status == 201 ? createdLatency : status == 200 ? replayedLatency : refusedLatency;
      timer.record(System.nanoTime() - startNs, java.util.concurrent.TimeUnit.NANOSECONDS);
    });
    ctx.next();
  }

  void create(RoutingContext ctx) {
    ApiClient client = Security.client(ctx);
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key == null || !IDEMPOTENCY_KEY.matcher(key).matches()) {
      countCreate("invalid", "invalid");
      Problem.invalid(400, List.of(new FieldError("Idempotency-Key",
          key == null ? "header is required" : "must be 1 to 128 characters of A-Z a-z 0-9 _ . : -")))
          .send(ctx);
      return;
    }
    JsonObject json = jsonBody(ctx);
    if (json == null) {
      countCreate("invalid", "invalid");
      return;
    }
    OrderRequestParser.Result parsed = OrderRequestParser.parse(json);
    if (parsed instanceof OrderRequestParser.Invalid invalid) {
      countCreate("invalid", "invalid");
      Problem.invalid(422, invalid.errors()).send(ctx);
      return;
    }
    NewOrder request = ((OrderRequestParser.Parsed) parsed).order();
    OrderDraft.Result drafted = OrderDraft.of(request, context.routing());
    if (drafted instanceof OrderDraft.Invalid invalid) {
      refuseUnlessReplay(ctx, client, key, request, invalid);
      return;
    }
    OrderDraft draft = ((OrderDraft.Drafted) drafted).draft();
    OrderRepository.Insert insert = new OrderRepository.Insert(
        client.clientId(), key, draft,
        context.payerIds().encrypt(request.payerIdNo()),
        PayerIdCipher.mask(request.payerIdNo()),
        Crypto.randomToken(QR_TOKEN_BYTES));
    context.orders().insert(insert).onSuccess(inserted -> {
      if (inserted instanceof OrderRepository.Created created) {
        countCreate(request.region(), "created");
        // Debug only: a synchronous console line per order was 3 % of the engine's CPU samples
        // under load; the order itself and clearing_order_requests_total say it was created.
        if (LOG.isDebugEnabled()) {
          LOG.debug("event=order.created order_no={} region={} total_fen={} lines={} legs={}",
              created.order().orderNo(), request.region(), draft.total().fen(),
              draft.lines().size(), draft.legs().size());
        }
        respond(ctx, 201, created.order());
        return;
      }
      OrderRepository.KeyTaken taken = (OrderRepository.KeyTaken) inserted;
      if (!context.orders().sameRequest(taken, request)) {
        countCreate(request.region(), "conflict");
        Problem.of(409, "idempotency-conflict", "The idempotency key was used for another request",
            "Idempotency-Key " + key + " already created order " + taken.orderNo()
                + " from a different request body").send(ctx);
        return;
      }
      countCreate(request.region(), "replayed");
      context.orders().find(taken.orderNo()).onSuccess(found ->
          respond(ctx, 200, found.orElseThrow().order())).onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }

  /**
   * A request the routing refuses now may be the retry of one that created its order before the
   * region was retired or a kind withdrawn: the retry gets that order, as every replay does.
   */
  private void refuseUnlessReplay(RoutingContext ctx, ApiClient client, String key, NewOrder request,
      OrderDraft.Invalid invalid) {
    String region = context.routing().knowsRegion(request.region()) ? request.region() : "invalid";
    if (region.equals("invalid")) {
      countCreate(region, "invalid");
      Problem.invalid(422, invalid.errors()).send(ctx);
      return;
    }
    context.orders().findByKey(client.clientId(), key).onSuccess(taken -> {
      if (taken.isPresent() && context.orders().sameRequest(taken.get(), request)) {
        countCreate(region, "replayed");
        context.orders().find(taken.get().orderNo()).onSuccess(found ->
            respond(ctx, 200, found.orElseThrow().order())).onFailure(ctx::fail);
        return;
      }
      countCreate(region, "invalid");
      Problem.invalid(422, invalid.errors()).send(ctx);
    }).onFailure(ctx::fail);
  }

  void get(RoutingContext ctx) {
    withOwnOrder(ctx, order -> respond(ctx, 200, order));
  }

  void cancel(RoutingContext ctx) {
    withOwnOrder(ctx, order -> {
      if (OrderTransitions.next(order.status(), OrderEvent.CANCEL).isEmpty()) {
        conflictingStatus(ctx, order.orderNo(), order.status());
        return;
      }
      context.orders().transition(order.orderNo(), order.status(), OrderEvent.CANCEL)
          .compose(changed -> context.orders().find(order.orderNo()).map(found -> {
            Order now = found.orElseThrow().order();
            if (!changed && now.status() != OrderStatus.CANCELLED) {
              conflictingStatus(ctx, now.orderNo(), now.status());
            } else {
              LOG.info("event=order.cancelled order_no={}", now.orderNo());
              respond(ctx, 200, now);
            }
            return null;
          }))
          .onFailure(ctx::fail);
    });
  }

  private void withOwnOrder(RoutingContext ctx, java.util.function.Consumer<Order> action) {
    String orderNo = ctx.pathParam("orderNo");
    ApiClient client = Security.client(ctx);
    context.orders().find(orderNo).onSuccess(found -> {
      // Another client's order is answered exactly like a missing one, so order numbers of
      // other registration systems cannot be probed.
      if (found.isEmpty() || !found.get().clientId().equals(client.clientId())) {
        Problem.of(404, "not-found", "No such order", "no order " + orderNo).send(ctx);
        return;
      }
      action.accept(found.get().order());
    }).onFailure(ctx::fail);
  }

  private static void conflictingStatus(RoutingContext ctx, String orderNo, OrderStatus status) {
    Problem.of(409, "invalid-transition", "The order cannot be cancelled in its status",
        "order " + orderNo + " is " + status + "; only an OPEN order can be cancelled").send(ctx);
  }

  private void respond(RoutingContext ctx, int status, Order order) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(OrderJson.render(order, context.routing(), context.publicBaseUrl()).toBuffer());
  }

  /**
   * Counts a creation request. The counters are registered once each and kept: registering looks
   * the meter up by name and tags, which cost more per request than the count. Regions are the
   * routing table's (or "invalid"), so the map stays small.
   */
  private void countCreate(String region, String outcome) {
    requestCounters.computeIfAbsent(region, r -> new ConcurrentHashMap<>())
        .computeIfAbsent(outcome, o -> Counter.builder("clearing_order_requests")
            .description("Order creation requests by region and outcome")
            .tag("region", region)
            .tag("outcome", outcome)
            .register(context.metrics()))
        .increment();
  }

  /**
   * The request body as a JSON object, or null after answering the problem: wrong content type
   * (415), or not a JSON object (400).
   */
  static JsonObject jsonBody(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    if (contentType == null
        || !JSON_CONTENT_TYPE.matcher(contentType.toLowerCase(java.util.Locale.ROOT)).matches()) {
      Problem.of(415, "unsupported-media-type", "The body must be JSON",
          "Content-Type must be application/json, not " + (contentType == null ? "missing" : contentType))
          .send(ctx);
      return null;
    }
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      Problem.of(400, "malformed-json", "The body is not a JSON object", "the body is empty").send(ctx);
      return null;
    }
    try {
      Object value = StrictJson.decode(body);
      if (value instanceof JsonObject object) {
        return object;
      }
      Problem.of(400, "malformed-json", "The body is not a JSON object",
          "the body is JSON but not an object").send(ctx);
    } catch (StrictJson.DuplicateKey e) {
      Problem.invalid(400, List.of(new FieldError(e.field(), "appears more than once"))).send(ctx);
    } catch (DecodeException e) {
      Problem.of(400, "malformed-json", "The body is not a JSON object",
          "the body is not valid JSON").send(ctx);
    }
    return null;
  }
}
