package org.clearing.api;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.clearing.client.KeyType;
import org.clearing.client.Role;
import org.clearing.crypto.Pem;
import org.clearing.order.FieldError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Administrator endpoints: registering API clients with their public keys. */
final class AdminRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);
  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9_.-]{3,64}");
  private static final Set<String> FIELDS = Set.of("client_id", "role", "key_type", "public_key_pem");
  private static final int PEM_LENGTH_MAX = 4096;

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
    if (clientId == null || !CLIENT_ID.matcher(clientId).matches()) {
      errors.add(new FieldError("client_id", "must be 3 to 64 characters of A-Z a-z 0-9 _ . -"));
    }
    Role role = json.getValue("role") instanceof String s ? Role.fromCode(s).orElse(null) : null;
    if (role == null) {
      errors.add(new FieldError("role", "must be one of registration, tax, finance, admin"));
    }
    KeyType keyType = json.getValue("key_type") instanceof String s ? KeyType.parse(s).orElse(null) : null;
    if (keyType == null) {
      errors.add(new FieldError("key_type", "must be SM2 or RSA"));
    }
    String pem = json.getValue("public_key_pem") instanceof String s ? s : null;
    PublicKey key = null;
    if (pem == null || pem.length() > PEM_LENGTH_MAX) {
      errors.add(new FieldError("public_key_pem", "must be a PEM public key of at most "
          + PEM_LENGTH_MAX + " characters"));
    } else {
      try {
        key = Pem.readPublicKey(pem);
      } catch (IllegalArgumentException e) {
        errors.add(new FieldError("public_key_pem", "is not a readable PEM public key"));
      }
    }
    if (key != null && keyType != null && !keyType.signatureScheme().accepts(key)) {
      errors.add(new FieldError("public_key_pem", keyType == KeyType.RSA
          ? "must be an RSA public key of at least 2048 bits"
          : "must be an SM2 (sm2p256v1) public key"));
    }
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    String normalizedPem = Pem.write(key);
    context.clients().register(clientId, role, keyType, normalizedPem).onSuccess(created -> {
      if (!created) {
        Problem.of(409, "client-exists", "A client with this id exists",
            "client_id " + clientId + " is already registered").send(ctx);
        return;
      }
      LOG.info("event=client.registered client_id={} role={} key_type={} by={}",
          clientId, role.code(), keyType, Security.client(ctx).clientId());
      ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("client_id", clientId).put("role", role.code())
              .put("key_type", keyType.name()).encode());
    }).onFailure(ctx::fail);
  }
}
