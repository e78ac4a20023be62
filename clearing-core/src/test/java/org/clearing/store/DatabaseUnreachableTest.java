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
