package org.clearing.api;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;

/**
 * The management port: {@code /metrics} (Prometheus text), apart from the public port so that
 * the engine's internals — route timings, pool sizes, callback outcomes per channel, JVM state —
 * are not served to anyone who can reach the QR page (issue 10 §9). It binds to 127.0.0.1 unless
 * the operator names another address for a scraper on another host. {@code /health} stays on the
 * public port, where load balancers look for it.
 */
public final class ManagementVerticle extends VerticleBase {

  private final ApiContext context;
  private final String host;
  private final int port;
  private HttpServer server;

  public ManagementVerticle(ApiContext context, String host, int port) {
    this.context = context;
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    OpsRoutes ops = new OpsRoutes(context);
    router.get("/metrics").handler(ops::metrics);
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        .setCompressionSupported(true)
        // Scrapers speak HTTP/1.1. A client's h2c upgrade (the JDK client asks for one by default)
        // of a compressed /metrics answer this large has been seen to end in EOF, so none is offered.
        .setHttp2ClearTextEnabled(false)
        .setIdleTimeout(60)
        .setMaxHeaderSize(16 * 1024));
    return server.requestHandler(router).listen();
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture()
        : server.shutdown(ApiVerticle.DRAIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  /** The port listened on (the one asked for, or the free one picked for 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
