package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import org.clearing.Engine;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.EngineExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * In demo mode the engine makes the consoles' first administrator, for every region, with a
 * one-time password for the start-up banner: it signs in with it and must change it first. A
 * restart on the same database makes no second one and prints no password.
 */
class DemoAdministratorTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();

  @Test
  void theDemoAdministratorSignsInWithTheBannersPasswordAndMustChangeIt() {
    String password = engine.engine().demoAdminPassword().orElseThrow();
    assertEquals(20, password.length());
    assertEquals("{341500,341522}", org.clearing.testing.TestDatabase.queryString(engine.pgUrl(),
        "SELECT regions::text FROM person WHERE login = '" + Engine.DEMO_ADMIN_LOGIN + "' AND role = 'admin'"));
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE action = 'person.add' AND login = 'engine'"));

    HttpResponse<String> signIn = new ConsoleClient(engine.baseUrl()).signIn(Engine.DEMO_ADMIN_LOGIN, password);

    assertEquals(303, signIn.statusCode(), signIn.body());
    assertTrue(signIn.headers().firstValue("Location").orElseThrow().endsWith("/console/password"));
  }

  @Test
  void aRestartMakesNoSecondAdministratorAndHasNoPasswordToPrint() throws Exception {
    engine.engine().demoAdminPassword().orElseThrow();
    var vertx = engine.engine().vertx();
    io.vertx.sqlclient.Pool pool = io.vertx.pgclient.PgBuilder.pool()
        .connectingTo(io.vertx.pgclient.PgConnectOptions.fromUri(engine.pgUrl())).using(vertx).build();
    io.vertx.core.WorkerExecutor worker = vertx.createSharedWorkerExecutor("demo-admin-test", 1);
    try {
      java.util.Optional<String> again = new org.clearing.person.People(pool, worker)
          .addFirstAdmin(Engine.DEMO_ADMIN_LOGIN, "管理员", "127.0.0.1")
          .toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);

      assertTrue(again.isEmpty(), "no password: nobody was added");
      assertEquals(1, engine.count("SELECT count(*) FROM person"));
      assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE action = 'person.add'"));
    } finally {
      worker.close();
      pool.close();
    }
  }
}
