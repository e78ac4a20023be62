package org.clearing.api;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;

/** {@code /health} (JSON, with the database's status) and {@code /metrics} (Prometheus text). */
final class OpsRoutes {

  private static final long HEALTH_QUERY_TIMEOUT_MS = 2_000;

  private final ApiContext context;

  OpsRoutes(ApiContext context) {
    this.context = context;
  }

  void health(RoutingContext ctx) {
    long startNs = System.nanoTime();
    context.pool().query("SELECT 1").execute()
        .timeout(HEALTH_QUERY_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onComplete(result -> {
          boolean up = result.succeeded();
          JsonObject database = new JsonObject().put("status", up ? "UP" : "DOWN");
          if (up) {
            database.put("latency_ms", (System.nanoTime() - startNs) / 1_000_000);
          } else {
            database.put("error", result.cause().getClass().getSimpleName());
          }
          ctx.response()
              .setStatusCode(up ? 200 : 503)
              .putHeader("Content-Type", "application/json")
              .putHeader("Cache-Control", "no-store")
              .end(new JsonObject().put("status", up ? "UP" : "DOWN").put("database", database).encode());
        });
  }

  void metrics(RoutingContext ctx) {
    // Formatting a scrape is milliseconds of CPU (the latency histograms alone are some hundreds
    // of lines, the JVM's and Vert.x's meters more), on an event loop the management verticle
    // may share with API verticles: a worker does it.
    ctx.vertx().executeBlocking(() -> context.metrics().scrape(), false)
        .onSuccess(text -> ctx.response()
            .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            .end(text))
        .onFailure(ctx::fail);
  }
}
