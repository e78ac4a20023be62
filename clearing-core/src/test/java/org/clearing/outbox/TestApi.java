package org.clearing.outbox;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.util.function.BiConsumer;
import java.util.concurrent.TimeUnit;
import org.clearing.client.ApiClient;
import org.clearing.client.Authenticator;
import org.clearing.client.ClientRepository;
import org.clearing.client.Role;
import org.clearing.http.Problem;

/**
 * The webhook routes mounted the way the engine's router mounts them (authenticate the signed
 * request, check the role, hand the client to the handler), on a server of their own.
 */
final class TestApi implements AutoCloseable {

  private static final String CLIENT = "test.client";
  private final HttpServer server;

  TestApi(Vertx vertx, Pool pool, WorkerExecutor cryptoPool, WebhookRoutes routes) throws Exception {
    Authenticator authenticator = new Authenticator(new ClientRepository(vertx, pool), cryptoPool, Clock.systemUTC());
    Router router = Router.router(vertx);
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(64 * 1024));
    router.route("/api/*").handler(ctx -> authenticator.authenticate(ctx.request().method().name(),
            ctx.request().uri(), ctx.request().getHeader("Authorization"), ctx.body().buffer() == null
                ? new byte[0] : ctx.body().buffer().getBytes())
        .onSuccess(result -> {
          if (result instanceof Authenticator.Authenticated ok) {
            ctx.put(CLIENT, ok.client());
            ctx.next();
          } else {
            Problem.of(401, "unauthenticated", "not signed", ((Authenticator.Denied) result).reason()).send(ctx);
          }
        }).onFailure(ctx::fail));
    router.get("/api/v1/engine/public-key").handler(routes::publicKey);
    router.get("/api/v1/webhook-endpoint").handler(with(null, routes::getEndpoint));
    router.put("/api/v1/webhook-endpoint").handler(with(null, routes::putEndpoint));
    router.post("/api/v1/admin/webhooks/:event_id/redeliver").handler(with(Role.ADMIN, routes::redeliver));
    router.get("/api/v1/admin/webhooks/:event_id/deliveries").handler(with(Role.ADMIN, routes::deliveries));
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Handler<RoutingContext> with(Role role, BiConsumer<RoutingContext, ApiClient> handler) {
    return ctx -> {
      ApiClient client = ctx.get(CLIENT);
      if (role != null && client.role() != role) {
        Problem.of(403, "forbidden", "wrong role", client.role().code()).send(ctx);
      } else {
        handler.accept(ctx, client);
      }
    };
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
