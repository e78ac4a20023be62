package org.clearing.outbox;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.clearing.client.ApiClient;
import org.clearing.client.KeyType;
import org.clearing.client.Role;
import org.clearing.http.Problem;
import org.clearing.http.StrictJson;
import org.clearing.input.FieldError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook endpoints of the API. Each handler takes the authenticated client, so the router
 * calls it from a small lambda after authentication (and, for the admin ones, the role check):
 * <ul>
 *   <li>{@code PUT /api/v1/webhook-endpoint} (any role): {@code {"url": "https://…", "enabled": true}}
 *       sets the caller's own endpoint; {@code GET} returns it (404 when none).</li>
 *   <li>{@code POST /api/v1/admin/webhooks/{event_id}/redeliver} (admin): due now, fresh schedule.</li>
 *   <li>{@code GET /api/v1/admin/webhooks/{event_id}/deliveries} (admin): the event's state and log.</li>
 *   <li>{@code GET /api/v1/engine/public-key} (any role): the key that signs webhooks.</li>
 * </ul>
 */
public final class WebhookRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookRoutes.class);
  private static final Set<String> FIELDS = Set.of("url", "enabled");

  private final WebhookRepository webhooks;
  private final java.util.function.Supplier<EngineKey> engineKey;
  private final WebhookTargets targets;

  /** @param targets which addresses endpoints may point to (the relay checks again at delivery) */
  public WebhookRoutes(WebhookRepository webhooks, EngineKey engineKey, WebhookTargets targets) {
    this(webhooks, () -> engineKey, targets);
  }

  /** @param engineKey the key that signs now (it changes with a rotation) */
  public WebhookRoutes(WebhookRepository webhooks, java.util.function.Supplier<EngineKey> engineKey,
      WebhookTargets targets) {
    this.webhooks = webhooks;
    this.engineKey = engineKey;
    this.targets = targets;
  }

  public void getEndpoint(RoutingContext ctx, ApiClient client) {
    webhooks.endpoint(client.clientId()).onSuccess(found -> {
      if (found.isEmpty()) {
        Problem.of(404, "not-found", "No webhook endpoint",
            "client " + client.clientId() + " has not set a webhook endpoint").send(ctx);
      } else {
        json(ctx, 200, found.get().toJson());
      }
    }).onFailure(ctx::fail);
  }

  public void putEndpoint(RoutingContext ctx, ApiClient client) {
    JsonObject json = jsonBody(ctx);
    if (json == null) {
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    json.fieldNames().stream().filter(name -> !FIELDS.contains(name)).sorted()
        .forEach(name -> errors.add(new FieldError(name, "is not a field of this request")));
    String url = json.getValue("url") instanceof String s ? s : null;
    Optional<String> urlProblem = url == null && json.containsKey("url")
        ? Optional.of("must be a string") : WebhookRepository.urlProblem(url);
    urlProblem.ifPresent(reason -> errors.add(new FieldError("url", reason)));
    Object enabledValue = json.getValue("enabled", Boolean.TRUE);
    if (!(enabledValue instanceof Boolean)) {
      errors.add(new FieldError("enabled", "must be true or false"));
    }
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    boolean enabled = (Boolean) enabledValue;
    targets.check(url).onSuccess(checked -> {
      if (checked instanceof WebhookTargets.Refused refused) {
        LOG.info("event=webhook.endpoint_refused client_id={} reason=\"{}\"", client.clientId(), refused.reason());
        Problem.invalid(422, List.of(new FieldError("url", refused.reason()))).send(ctx);
        return;
      }
      webhooks.putEndpoint(client.clientId(), client.role() == Role.ADMIN, url, enabled).onSuccess(endpoint -> {
        LOG.info("event=webhook.endpoint_set client_id={} enabled={}", client.clientId(), enabled);
        json(ctx, 200, endpoint.toJson());
      }).onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }

  public void redeliver(RoutingContext ctx, ApiClient admin) {
    Long eventId = eventId(ctx);
    if (eventId == null) {
      return;
    }
    webhooks.redeliver(eventId).onSuccess(found -> {
      if (found.isEmpty()) {
        noSuchEvent(ctx);
        return;
      }
      LOG.info("event=webhook.redeliver event_id={} order_no={} by={}", eventId, found.get().orderNo(),
          admin.clientId());
      json(ctx, 202, found.get().toJson());
    }).onFailure(ctx::fail);
  }

  public void deliveries(RoutingContext ctx, ApiClient admin) {
    Long eventId = eventId(ctx);
    if (eventId == null) {
      return;
    }
    webhooks.event(eventId).compose(found -> found.isEmpty()
        ? Future.succeededFuture((JsonObject) null)
        : webhooks.deliveries(eventId).map(log -> {
          JsonArray rows = new JsonArray();
          log.forEach(d -> rows.add(d.toJson()));
          return found.get().toJson().put("deliveries", rows);
        })).onSuccess(answer -> {
          if (answer == null) {
            noSuchEvent(ctx);
          } else {
            json(ctx, 200, answer);
          }
        }).onFailure(ctx::fail);
  }

  /**
   * The engine's current public key: receivers verify webhooks with it (SM2 with SM3, signed as clients sign requests).
   * During a rotation the previous key is still valid; {@code GET /api/v1/engine/public-keys}
   * lists every key a receiver should accept.
   */
  public void publicKey(RoutingContext ctx) {
    EngineKey current = engineKey.get();
    json(ctx, 200, new JsonObject().put("client_id", EngineKey.CLIENT_ID).put("key_id", current.keyId())
        .put("key_type", KeyType.SM2.name()).put("public_key_pem", current.publicKeyPem()));
  }

  private static Long eventId(RoutingContext ctx) {
    String raw = ctx.pathParam("event_id");
    if (raw != null && raw.matches("[0-9]{1,18}")) {
      return Long.parseLong(raw);
    }
    noSuchEvent(ctx);
    return null;
  }

  private static void noSuchEvent(RoutingContext ctx) {
    Problem.of(404, "not-found", "No such event", "no outbox event " + ctx.pathParam("event_id")).send(ctx);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  /** The body as a JSON object, or null after answering why it is not one. */
  private static JsonObject jsonBody(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).matches("application/json\\s*(;.*)?")) {
      Problem.of(415, "unsupported-media-type", "The body must be JSON",
          "Content-Type must be application/json, not " + (contentType == null ? "missing" : contentType))
          .send(ctx);
      return null;
    }
    Buffer body = ctx.body().buffer();
    try {
      Object parsed = body == null || body.length() == 0 ? null : StrictJson.decode(body);
      if (parsed instanceof JsonObject object) {
        return object;
      }
    } catch (StrictJson.DuplicateKey e) {
      Problem.invalid(400, List.of(new FieldError(e.field(), "appears more than once"))).send(ctx);
      return null;
    } catch (DecodeException e) {
      // Answered below like any other body that is not an object.
    }
    Problem.of(400, "malformed-json", "The body is not a JSON object", "send a JSON object").send(ctx);
    return null;
  }
}
