package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.pgclient.PgException;
import org.clearing.store.GroupCommitter;
import org.junit.jupiter.api.Test;

// A full commit queue or a database failing over is "try again later" (503 with Retry-After),
// not an engine failure (500); a bug or a constraint violation is not.
class UnavailableTest {

  @Test
  void aFullCommitQueueIsUnavailableEvenWhenWrapped() {
    assertTrue(Unavailable.isUnavailable(new GroupCommitter.Overloaded(4_096)));
    assertTrue(Unavailable.isUnavailable(new IllegalStateException("failed", new GroupCommitter.Overloaded(1))));
  }

  @Test
  void aDatabaseGoingDownOrAStandbyReachedDuringFailoverIsUnavailable() {
    assertTrue(Unavailable.isUnavailable(new PgException("terminating connection due to administrator command",
        "FATAL", "57P01", null)));
    assertTrue(Unavailable.isUnavailable(new IllegalStateException("commit failed", new PgException(
        "cannot execute INSERT in a read-only transaction", "ERROR", "25006", null))));
    assertTrue(Unavailable.isUnavailable(new PgException("the database system is starting up", "FATAL", "57P03", null)));
  }

  @Test
  void aConstraintViolationIsNotUnavailable() {
    assertFalse(Unavailable.isUnavailable(new PgException("duplicate key value violates unique constraint",
        "ERROR", "23505", null)));
  }

  @Test
  void aBugIsNotUnavailable() {
    assertFalse(Unavailable.isUnavailable(new IllegalStateException("order stored 2 lines and 3 legs")));
  }
}
