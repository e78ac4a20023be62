package org.clearing.sandbox;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * The control endpoints every sandbox shares: read and set the fault switches
 * ({@code GET|PUT /sandbox/faults}) and read a callback's delivery log
 * ({@code GET /sandbox/callbacks/{key}}); plus the handler that makes API requests slow or failing.
 */
public final class SandboxControl {

  /** Where a sandbox listens unless told otherwise: this machine only (issue 10 §9). */
  public static final String LOOPBACK = "127.0.0.1";

  /** A receiver registered through the control endpoint: letters and digits, as every channel's are. */
  private static final Pattern RECEIVER = Pattern.compile("[A-Za-z0-9]{1,64}");

  private SandboxControl() {}

  /**
   * The receivers (sub-merchants, settle-in users, secondary merchants) a sandbox accepts, as a set
   * the control endpoint can add to while the sandbox runs — as a merchant platform registers a new
   * sub-merchant. Empty means any well-formed receiver, until the first is registered.
   */
  public static Set<String> receiverSet(Set<String> initial) {
    Set<String> receivers = ConcurrentHashMap.newKeySet();
    if (initial != null) {
      receivers.addAll(initial);
    }
    return receivers;
  }

  /**
   * {@code PUT /sandbox/receivers/{receiver}} registers a receiver (201, or 200 if it was known);
   * {@code GET /sandbox/receivers} lists them. A sandbox refuses a split to an unregistered
   * receiver, as the channel refuses a sub-merchant it never bound to the merchant.
   */
  public static void mountReceivers(Router router, Set<String> receivers) {
    router.get("/sandbox/receivers").handler(ctx -> {
      JsonArray list = new JsonArray();
      receivers.stream().sorted().forEach(list::add);
      json(ctx, 200, new JsonObject().put("receivers", list));
    });
    router.put("/sandbox/receivers/:receiver").handler(ctx -> {
      String receiver = ctx.pathParam("receiver");
      if (!RECEIVER.matcher(receiver).matches()) {
        json(ctx, 400, new JsonObject().put("error", "a receiver is 1 to 64 letters and digits"));
        return;
      }
      boolean added = receivers.add(receiver);
      json(ctx, added ? 201 : 200, new JsonObject().put("receiver", receiver));
    });
  }

  /**
   * The host a sandbox names in its URLs (pay pages, bill downloads): the address it is bound to,
   * so a phone given a LAN address can follow them; loopback for a wildcard bind.
   */
  public static String urlHost(String bindHost) {
    if (bindHost.equals("0.0.0.0") || bindHost.equals("::") || bindHost.equals("[::]")) {
      return LOOPBACK;
    }
    return bindHost.contains(":") && !bindHost.startsWith("[") ? "[" + bindHost + "]" : bindHost;
  }

  public static void mount(Router router, AtomicReference<SandboxFaults> faults,
      CallbackDispatcher dispatcher) {
    router.get("/sandbox/faults").handler(ctx -> json(ctx, 200, faults.get().toJson()));
    router.put("/sandbox/faults").handler(BodyHandler.create(false).setBodyLimit(4096))
        .handler(ctx -> {
          try {
            SandboxFaults next = SandboxFaults.fromJson(ctx.body().asJsonObject());
            faults.set(next);
            json(ctx, 200, next.toJson());
          } catch (RuntimeException e) {
            json(ctx, 400, new JsonObject().put("error", String.valueOf(e.getMessage())));
          }
        });
    router.get("/sandbox/callbacks/:key").handler(ctx -> {
      JsonArray list = new JsonArray();
      dispatcher.attempts(ctx.pathParam("key")).forEach(a -> list.add(new JsonObject()
          .put("copy", a.copy()).put("attempt", a.attemptNo()).put("at", a.at().toString())
          .put("status", a.status()).put("outcome", a.outcome()).put("acknowledged", a.acknowledged())));
      json(ctx, 200, new JsonObject().put("key", ctx.pathParam("key")).put("attempts", list)
          .put("pending_total", dispatcher.pending()));
    });
  }

  /**
   * Applies {@code responseDelayMs}, {@code failRequestsPercent} and {@code loseAnswerPercent} to the channel API routes it
   * is mounted before; the failure answer is a plain 503 as a gateway in trouble gives.
   */
  public static Handler<RoutingContext> apiFaults(AtomicReference<SandboxFaults> faults) {
    return ctx -> {
      SandboxFaults now = faults.get();
      Runnable go = () -> {
        if (SandboxFaults.roll(now.failRequestsPercent())) {
          ctx.response().setStatusCode(503).putHeader("Content-Type", "text/plain").end("busy");
        } else if (SandboxFaults.roll(now.loseAnswerPercent())) {
          // The channel does the work; the connection drops just as its answer would be sent.
          ctx.addHeadersEndHandler(v -> ctx.request().connection().close());
          ctx.next();
        } else {
          ctx.next();
        }
      };
      if (now.responseDelayMs() > 0) {
        ctx.vertx().setTimer(now.responseDelayMs(), id -> go.run());
      } else {
        go.run();
      }
    };
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
