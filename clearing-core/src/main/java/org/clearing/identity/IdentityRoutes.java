package org.clearing.identity;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.clearing.client.ApiClient;
import org.clearing.http.Problem;
import org.clearing.http.StrictJson;
import org.clearing.input.FieldError;

/**
 * The engine's keys over HTTP:
 * <ul>
 *   <li>{@code GET /api/v1/engine/public-keys}, unsigned: every signing key a receiver should
 *       accept now, {@code {"keys":[{"key_id","algorithm":"SM2","signature_scheme":"CLEARING-SM2-SM3",
 *       "public_key_pem","valid_from","valid_until"|null,"current"}]}}. Public keys are no secret,
 *       and a receiver needs them before it can check anything the engine signs, including a
 *       signed answer; fetched over TLS, the list is as trustworthy as the engine's certificate.</li>
 *   <li>{@code POST /api/v1/admin/engine/keys/rotate} (admin):
 *       {@code {"purpose":"signing"|"payer_id","overlap_hours":168}}; {@code overlap_hours} (signing
 *       keys only; 0 to 2160, default 168) is how long the previous key stays valid.</li>
 * </ul>
 */
public final class IdentityRoutes {

  private static final Set<String> FIELDS = Set.of("purpose", "overlap_hours");
  private static final DateTimeFormatter INSTANT = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

  private final EngineIdentity identity;

  public IdentityRoutes(EngineIdentity identity) {
    this.identity = identity;
  }

  public void publicKeys(RoutingContext ctx) {
    identity.published().onSuccess(keys -> {
      JsonArray list = new JsonArray();
      keys.forEach(key -> list.add(new JsonObject().put("key_id", key.keyId()).put("algorithm", "SM2")
          .put("signature_scheme", "CLEARING-SM2-SM3").put("public_key_pem", key.publicKeyPem())
          .put("valid_from", utc(key.validFrom())).put("valid_until", utc(key.validUntil()))
          .put("current", key.current())));
      json(ctx, 200, new JsonObject().put("keys", list));
    }).onFailure(ctx::fail);
  }

  public void rotate(RoutingContext ctx, ApiClient admin) {
    JsonObject body = jsonBody(ctx);
    if (body == null) {
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    body.fieldNames().stream().filter(name -> !FIELDS.contains(name)).sorted()
        .forEach(name -> errors.add(new FieldError(name, "is not a field of this request")));
    Object purpose = body.getValue("purpose");
    if (!(EngineIdentity.SIGNING.equals(purpose) || EngineIdentity.PAYER_ID.equals(purpose))) {
      errors.add(new FieldError("purpose", "must be \"signing\" or \"payer_id\""));
    }
    Duration overlap = EngineIdentity.OVERLAP_DEFAULT;
    Object hours = body.getValue("overlap_hours");
    if (hours != null && EngineIdentity.PAYER_ID.equals(purpose)) {
      errors.add(new FieldError("overlap_hours", "applies to signing keys only: an old payer-ID key always decrypts"));
    } else if (hours != null) {
      long max = EngineIdentity.OVERLAP_MAX.toHours();
      if (!(hours instanceof Integer || hours instanceof Long) || ((Number) hours).longValue() < 0
          || ((Number) hours).longValue() > max) {
        errors.add(new FieldError("overlap_hours", "must be a whole number of hours from 0 to " + max));
      } else {
        overlap = Duration.ofHours(((Number) hours).longValue());
      }
    }
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    identity.rotate((String) purpose, overlap, admin.clientId()).onSuccess(result -> {
      if (result instanceof EngineIdentity.KeptInFile kept) {
        Problem.of(409, "key-in-file", "This key is read from a file",
            "this engine reads its " + kept.purpose() + " key from a key file; put the new key in the file"
                + " (and, for payer-ID keys, keep the old one on a later line) and restart the engines").send(ctx);
        return;
      }
      EngineIdentity.Rotated rotated = (EngineIdentity.Rotated) result;
      json(ctx, 201, new JsonObject().put("purpose", rotated.purpose()).put("key_id", rotated.keyId())
          .put("previous_key_id", rotated.previousKeyId())
          .put("previous_valid_until", utc(rotated.previousValidUntil())));
    }).onFailure(ctx::fail);
  }

  private static String utc(OffsetDateTime time) {
    return time == null ? null : time.withOffsetSameInstant(ZoneOffset.UTC).format(INSTANT);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  /** The body as a JSON object, or null after answering why it is not one. */
  private static JsonObject jsonBody(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).matches("application/json\\s*(;.*)?")) {
      Problem.of(415, "unsupported-media-type", "The body must be JSON",
          "Content-Type must be application/json, not " + (contentType == null ? "missing" : contentType)).send(ctx);
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
