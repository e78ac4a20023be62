package org.clearing.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.clearing.client.ApiClient;
import org.clearing.client.ClientRegistration;
import org.clearing.client.ClientRepository;
import org.clearing.client.ClientStatus;
import org.clearing.client.KeyType;
import org.clearing.client.Role;
import org.clearing.crypto.Crypto;
import org.clearing.http.Problem;
import org.clearing.input.FieldError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Administrator endpoints for API clients: register one with its public key, list them, disable,
 * enable, replace the key, revoke. Each change is logged with the administrator who made it and
 * stored on the client's row (changed_by, changed_at).
 */
final class AdminRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);
  private static final Set<String> FIELDS = Set.of("client_id", "role", "key_type", "public_key_pem");
  private static final Set<String> KEY_FIELDS = Set.of("key_type", "public_key_pem");

  private final ApiContext context;

  AdminRoutes(ApiContext context) {
    this.context = context;
  }

  void registerClient(RoutingContext ctx) {
    JsonObject json = OrderRoutes.jsonBody(ctx);
    if (json == null) {
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    json.fieldNames().stream().filter(name -> !FIELDS.contains(name))
        .forEach(name -> errors.add(new FieldError(name, "is not a field of this request")));
    String clientId = json.getValue("client_id") instanceof String s ? s : null;
    ClientRegistration.checkClientId("client_id", clientId).ifPresent(errors::add);
    Role role = json.getValue("role") instanceof String s ? Role.fromCode(s).orElse(null) : null;
    if (role == null) {
      errors.add(new FieldError("role", "must be one of registration, tax, finance, admin"));
    }
    ClientRegistration.CheckedKey key = checkKey(json, errors);
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    context.clients().register(clientId, role, key.keyType(), key.pem()).onSuccess(created -> {
      if (!created) {
        Problem.of(409, "client-exists", "A client with this id exists",
            "client_id " + clientId + " is already registered").send(ctx);
        return;
      }
      LOG.info("event=client.registered client_id={} role={} key_type={} by={}",
          clientId, role.code(), key.keyType(), Security.client(ctx).clientId());
      ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("client_id", clientId).put("role", role.code())
              .put("key_type", key.keyType().name()).put("status", ClientStatus.ACTIVE.name()).encode());
    }).onFailure(ctx::fail);
  }

  /** The key_type (required) and public_key_pem fields, checked together; null after an error. */
  private static ClientRegistration.CheckedKey checkKey(JsonObject json, List<FieldError> errors) {
    KeyType keyType = json.getValue("key_type") instanceof String s ? KeyType.parse(s).orElse(null) : null;
    if (keyType == null) {
      errors.add(new FieldError("key_type", "must be SM2 or RSA"));
    }
    String pem = json.getValue("public_key_pem") instanceof String s ? s : null;
    ClientRegistration.Checked checked = ClientRegistration.checkKey("public_key_pem", pem, keyType);
    if (checked instanceof ClientRegistration.Invalid invalid) {
      if (keyType != null || pem == null) {
        errors.addAll(invalid.errors());
      }
      return null;
    }
    return ((ClientRegistration.Valid) checked).key();
  }

  void listClients(RoutingContext ctx) {
    context.clients().list().onSuccess(all -> {
      JsonArray items = new JsonArray();
      all.forEach(client -> items.add(render(client)));
      ctx.response().putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("clients", items).encode());
    }).onFailure(ctx::fail);
  }

  /** POST …/disable, …/enable, …/revoke: an optional body {"reason": "…"} goes to the log. */
  void changeStatus(RoutingContext ctx, ClientStatus.Action action) {
    String reason = "";
    Buffer body = ctx.body().buffer();
    if (body != null && body.length() > 0) {
      JsonObject json = OrderRoutes.jsonBody(ctx);
      if (json == null) {
        return;
      }
      List<FieldError> errors = new ArrayList<>();
      json.fieldNames().stream().filter(name -> !name.equals("reason"))
          .forEach(name -> errors.add(new FieldError(name, "is not a field of this request")));
      Object value = json.getValue("reason");
      if (value != null && !(value instanceof String s && s.length() <= 200
          && s.chars().noneMatch(Character::isISOControl))) {
        errors.add(new FieldError("reason", "must be text of at most 200 characters"));
      }
      if (!errors.isEmpty()) {
        Problem.invalid(422, errors).send(ctx);
        return;
      }
      reason = value == null ? "" : (String) value;
    }
    apply(ctx, action, null, reason);
  }

  /** PUT …/key {"key_type": "SM2", "public_key_pem": "…"}: the old key stops working at once. */
  void replaceKey(RoutingContext ctx) {
    JsonObject json = OrderRoutes.jsonBody(ctx);
    if (json == null) {
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    json.fieldNames().stream().filter(name -> !KEY_FIELDS.contains(name))
        .forEach(name -> errors.add(new FieldError(name, "is not a field of this request")));
    ClientRegistration.CheckedKey key = checkKey(json, errors);
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    apply(ctx, ClientStatus.Action.REPLACE_KEY, key, "");
  }

  private void apply(RoutingContext ctx, ClientStatus.Action action, ClientRegistration.CheckedKey key,
      String reason) {
    String clientId = ctx.pathParam("clientId");
    ApiClient admin = Security.client(ctx);
    // An administrator cannot lock itself out: another administrator has to disable or revoke it.
    if (clientId.equals(admin.clientId()) && action != ClientStatus.Action.REPLACE_KEY) {
      Problem.of(409, "own-client", "An administrator cannot " + verb(action) + " itself",
          "client " + clientId + " is the one making this request").send(ctx);
      return;
    }
    context.clients().change(clientId, action, key, admin.clientId()).onSuccess(change -> {
      if (change instanceof ClientRepository.NotFound) {
        Problem.of(404, "not-found", "No such client", "no client " + clientId).send(ctx);
      } else if (change instanceof ClientRepository.NotAllowed notAllowed) {
        Problem.of(409, "invalid-transition", "The client cannot be changed so in its status",
            "client " + clientId + " is " + notAllowed.current().name().toLowerCase(Locale.ROOT)
                + "; it cannot be " + done(action)).send(ctx);
      } else {
        ClientRepository.Registered client = ((ClientRepository.Changed) change).client();
        LOG.info("event=client.{} client_id={} status={} key_version={} by={} reason=\"{}\"",
            done(action), clientId, client.status(), client.keyVersion(), admin.clientId(),
            reason.replace("\"", "'"));
        ctx.response().putHeader("Content-Type", "application/json").end(render(client).encode());
      }
    }).onFailure(ctx::fail);
  }

  private static String verb(ClientStatus.Action action) {
    return switch (action) {
      case DISABLE -> "disable";
      case ENABLE -> "enable";
      case REVOKE -> "revoke";
      case REPLACE_KEY -> "re-key";
    };
  }

  private static String done(ClientStatus.Action action) {
    return switch (action) {
      case DISABLE -> "disabled";
      case ENABLE -> "enabled";
      case REVOKE -> "revoked";
      case REPLACE_KEY -> "rekeyed";
    };
  }

  private static JsonObject render(ClientRepository.Registered client) {
    return new JsonObject()
        .put("client_id", client.clientId())
        .put("role", client.role().code())
        .put("key_type", client.keyType().name())
        .put("status", client.status().name())
        .put("key_version", client.keyVersion())
        .put("key_sm3", Crypto.hex(Crypto.sm3(client.publicKeyPem().getBytes(java.nio.charset.StandardCharsets.US_ASCII))))
        .put("created_at", client.createdAt().toInstant().toString())
        .put("changed_at", client.changedAt() == null ? null : client.changedAt().toInstant().toString())
        .put("changed_by", client.changedBy());
  }
}
