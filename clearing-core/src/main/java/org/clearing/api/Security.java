package org.clearing.api;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import org.clearing.client.ApiClient;
import org.clearing.client.Authenticator;
import org.clearing.client.AuthorizationHeader;
import org.clearing.client.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Route handlers that authenticate signed requests and enforce roles. */
final class Security {

  private static final Logger LOG = LoggerFactory.getLogger(Security.class);
  private static final String CLIENT_KEY = "clearing.client";

  private Security() {}

  static Handler<RoutingContext> authenticate(Authenticator authenticator) {
    return ctx -> {
      Buffer body = ctx.body().buffer();
      authenticator.authenticate(
              ctx.request().method().name(),
              ctx.request().uri(),
              ctx.request().getHeader("Authorization"),
              body == null ? new byte[0] : body.getBytes())
          .onSuccess(result -> {
            if (result instanceof Authenticator.Authenticated ok) {
              ctx.put(CLIENT_KEY, ok.client());
              ctx.next();
            } else {
              // Who claimed to call is attacker's text; the log escapes it like every value.
              LOG.info("event=request.unauthenticated method={} path={} client_id={} reason=\"{}\"",
                  ctx.request().method(), ctx.request().path(),
                  AuthorizationHeader.parse(ctx.request().getHeader("Authorization"))
                      instanceof AuthorizationHeader.Parsed parsed ? parsed.header().clientId() : "-",
                  ((Authenticator.Denied) result).reason());
              ctx.response().putHeader("WWW-Authenticate", "CLEARING-SM2-SM3, CLEARING-SHA256-RSA2048");
              Problem.of(401, "unauthenticated", "The request is not signed by a known client",
                  ((Authenticator.Denied) result).reason()).send(ctx);
            }
          })
          .onFailure(ctx::fail);
    };
  }

  static Handler<RoutingContext> require(Role role) {
    return ctx -> {
      ApiClient client = client(ctx);
      if (client.role() == role) {
        ctx.next();
      } else {
        Problem.of(403, "forbidden", "This client's role may not use this endpoint",
            "client " + client.clientId() + " has role " + client.role().code()
                + "; this endpoint is for role " + role.code()).send(ctx);
      }
    };
  }

  static Handler<RoutingContext> requireAny(Role... roles) {
    java.util.Set<Role> allowed = java.util.Set.of(roles);
    return ctx -> {
      ApiClient client = client(ctx);
      if (allowed.contains(client.role())) {
        ctx.next();
      } else {
        Problem.of(403, "forbidden", "This client's role may not use this endpoint",
            "client " + client.clientId() + " has role " + client.role().code()).send(ctx);
      }
    };
  }

  static ApiClient client(RoutingContext ctx) {
    return ctx.get(CLIENT_KEY);
  }
}
