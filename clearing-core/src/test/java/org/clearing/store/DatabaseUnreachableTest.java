package org.clearing.store;

// Proves that a statement sent on a connection the database already closed (its backend killed
// mid-transaction, as when the leader dies under an order creation) counts as "database
// unreachable" (503 and Retry-After, the channel's try-again), not as an engine error (500): the
// ha scenario saw three order creations answered 500 at the moment of the leader's kill.

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.Test;

class DatabaseUnreachableTest {

  @Test
  void aStatementOnAConnectionClosedUnderItsTransactionIsUnreachableNotAnError() throws Exception {
    String url = TestDatabase.newDatabase();
    Vertx vertx = Vertx.vertx();
    try {
      PgConnection connection = PgConnection.connect(vertx, PgConnectOptions.fromUri(url))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      CompletableFuture<Void> closed = new CompletableFuture<>();
      connection.closeHandler(v -> closed.complete(null));
      connection.begin().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      long pid = connection.query("SELECT pg_backend_pid()").execute()
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).iterator().next().getInteger(0);
      TestDatabase.execute(url, "SELECT pg_terminate_backend(" + pid + ")");
      closed.get(30, TimeUnit.SECONDS);

      ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () ->
          connection.query("INSERT INTO nowhere VALUES (1)").execute()
              .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));

      assertTrue(DatabaseUnreachable.is(failed.getCause()), failed.getCause().toString());
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * A restart of PostgreSQL (or a proxy in front of it dropping out) resets the connection under a
   * running statement: the soak saw 28 callbacks answered as engine errors with "Connection reset".
   */
  @Test
  void aStatementWhoseConnectionIsResetIsUnreachableNotAnError() throws Exception {
    String url = TestDatabase.newDatabase();
    PgConnectOptions direct = PgConnectOptions.fromUri(url);
    Vertx vertx = Vertx.vertx();
    try (java.net.ServerSocket proxy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      CompletableFuture<java.net.Socket> accepted = CompletableFuture.supplyAsync(() -> {
        try {
          java.net.Socket client = proxy.accept();
          java.net.Socket server = new java.net.Socket(direct.getHost(), direct.getPort());
          pump(client, server);
          pump(server, client);
          return client;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      PgConnectOptions options = PgConnectOptions.fromUri(url).setHost("127.0.0.1").setPort(proxy.getLocalPort());
      PgConnection connection = PgConnection.connect(vertx, options)
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      CompletableFuture<Object> running = connection.query("SELECT pg_sleep(30)").execute()
          .toCompletionStage().toCompletableFuture().thenApply(rows -> rows);
      Thread.sleep(300);
      java.net.Socket client = accepted.get(30, TimeUnit.SECONDS);
      client.setSoLinger(true, 0); // closing now sends a reset, as a dying server's kernel does
      client.close();

      ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> running.get(30, TimeUnit.SECONDS));

      assertTrue(DatabaseUnreachable.is(failed.getCause()), failed.getCause().toString());
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static void pump(java.net.Socket from, java.net.Socket to) {
    Thread thread = new Thread(() -> {
      try (from; to) {
        from.getInputStream().transferTo(to.getOutputStream());
      } catch (java.io.IOException closed) {
        // either side went away (the test's reset): the other is closed with it, so the database
        // ends its session instead of holding it open to the end of the run
      }
    }, "reset-proxy");
    thread.setDaemon(true);
    thread.start();
  }

  @Test
  void aStatementTheDatabaseRefusesIsAnErrorNotUnreachable() throws Exception {
    String url = TestDatabase.newDatabase();
    Vertx vertx = Vertx.vertx();
    try {
      PgConnection connection = PgConnection.connect(vertx, PgConnectOptions.fromUri(url))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

      ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () ->
          connection.query("INSERT INTO nowhere VALUES (1)").execute()
              .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));

      assertFalse(DatabaseUnreachable.is(failed.getCause()), failed.getCause().toString());
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
