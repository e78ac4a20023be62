package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.clearing.store.GroupCommitter;
import org.junit.jupiter.api.Test;

// A full commit queue is "try again later" (503 with Retry-After), not an engine failure (500).
class UnavailableTest {

  @Test
  void aFullCommitQueueIsUnavailableEvenWhenWrapped() {
    assertTrue(Unavailable.isUnavailable(new GroupCommitter.Overloaded(4_096)));
    assertTrue(Unavailable.isUnavailable(new IllegalStateException("failed", new GroupCommitter.Overloaded(1))));
  }

  @Test
  void aBugIsNotUnavailable() {
    assertFalse(Unavailable.isUnavailable(new IllegalStateException("order stored 2 lines and 3 legs")));
  }
}
