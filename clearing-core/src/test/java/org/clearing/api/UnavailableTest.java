package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.pgclient.PgException;
import org.junit.jupiter.api.Test;

/**
 * A transaction PostgreSQL rolled back to break a deadlock or a serialization conflict is the
 * client's "try again" (503), as its retry succeeds; a constraint the request broke is not.
 */
class UnavailableTest {

  @Test
  void aDeadlockOrASerializationFailureIsTryAgainWhereverItIsInTheCauses() {
    assertTrue(Unavailable.isUnavailable(new PgException("deadlock detected", "ERROR", "40P01", null)));
    assertTrue(Unavailable.isUnavailable(new IllegalStateException("group failed",
        new PgException("could not serialize access", "ERROR", "40001", null))));
  }

  @Test
  void aBrokenConstraintOrAnotherDatabaseErrorIsNot() {
    assertFalse(Unavailable.isUnavailable(new PgException("duplicate key", "ERROR", "23505", null)));
    assertFalse(Unavailable.isUnavailable(new PgException("division by zero", "ERROR", "22012", null)));
  }
}
