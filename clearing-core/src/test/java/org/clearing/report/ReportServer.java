package org.clearing.report;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.clearing.client.ApiClient;
import org.clearing.client.Authenticator;
import org.clearing.client.ClientRepository;
import org.clearing.client.RequestSigner;
import org.clearing.client.Role;
import org.clearing.http.Problem;
import org.clearing.testing.TestEngine;

/**
 * The report routes mounted on a test engine's Vert.x and database as the API verticle mounts them
 * (signed requests authenticated against the engine's clients, then the handler with the caller),
 * signing with the engine's own key file. Stands in for the wiring until the routes are in the
 * verticle.
 */
final class ReportServer implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Pool pool;
  private final WorkerExecutor cryptoPool;
  private final HttpServer server;
  private final Path dataDir;

  /** What a report request answered, with the headers a report carries. */
  record Answer(int status, String contentType, String signature, byte[] body) {}

  ReportServer(TestEngine engine) throws Exception {
    Vertx vertx = engine.engine().vertx();
    dataDir = engine.dataDir();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2).setMaxWaitQueueSize(64))
        .connectingTo(engine.engine().database().connectOptions()).using(vertx).build();
    cryptoPool = vertx.createSharedWorkerExecutor("report-test-crypto", 1);
    ReportRoutes reports = new ReportRoutes(new DailyReports(pool, Clock.systemUTC()),
        new ReportSigner(engine.engine().identity()::signingKey), cryptoPool);
    Authenticator authenticator = new Authenticator(new ClientRepository(vertx, pool), cryptoPool, Clock.systemUTC());
    Router router = Router.router(vertx);
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(64 * 1024));
    router.route("/api/*").handler(ctx -> authenticator.authenticate(ctx.request().method().name(),
        ctx.request().uri(), ctx.request().getHeader("Authorization"), new byte[0]).onSuccess(result -> {
          if (result instanceof Authenticator.Authenticated ok) {
            ctx.put("client", ok.client());
            ctx.next();
          } else {
            Problem.of(401, "unauthenticated", "not signed", ((Authenticator.Denied) result).reason()).send(ctx);
          }
        }).onFailure(ctx::fail));
    router.get("/api/v1/finance/reports/daily").handler(ctx -> reports.financeDaily(ctx, ctx.<ApiClient>get("client")));
    router.get("/api/v1/tax/reports/daily").handler(ctx -> reports.taxDaily(ctx, ctx.<ApiClient>get("client")));
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  Answer get(Role role, String pathWithQuery) throws Exception {
    RequestSigner signer = TestEngine.demoSigner(dataDir, role);
    HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.actualPort() + pathWithQuery))
        .header("Authorization", signer.authorization("GET", pathWithQuery, new byte[0]))
        .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
        response.headers().firstValue(ReportSigner.HEADER).orElse(null), response.body());
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    cryptoPool.close();
    pool.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
