package org.clearing.testing;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one way tests wait: for a future's result, or until something observable comes true. Every
 * wait is bounded, and a wait that runs out fails the test saying what it waited for and, where
 * there is one, what it saw last, instead of hanging the build.
 */
public final class Await {

  /**
   * A future is one operation (a query, a job's run, a reconciliation of a small bill): it only
   * hangs through a bug, and the bound keeps such a bug from hanging the build. Generous, since
   * the machine running the suite may be busy; the value, not the time, is what a test checks.
   */
  public static final Duration RESULT_TIMEOUT = Duration.ofSeconds(60);
  /**
   * Long enough for a run of the leased jobs, a few channel round trips and a sandbox's callback on
   * a busy two-core machine. A test where the wait itself proves something (done before a slower
   * mechanism could have done it) passes its own, shorter bound.
   */
  public static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** How often a condition is looked at again; each look is a query or an HTTP request at most. */
  static final long POLL_INTERVAL_MS = 50;

  private Await() {}

  /** The future's result within {@link #RESULT_TIMEOUT}; its failure is the test's failure. */
  public static <T> T result(Future<T> future) {
    return result(future, RESULT_TIMEOUT);
  }

  public static <T> T result(Future<T> future, Duration timeout) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + timeout.toMillis() + " ms", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new AssertionError("the future failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for a result", e);
    }
  }

  /** Returns once {@code condition} holds; fails after {@link #TIMEOUT} naming {@code what}. */
  public static void until(String what, BooleanSupplier condition) {
    until(what, TIMEOUT, condition);
  }

  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    value(what, timeout, condition::getAsBoolean, Boolean::booleanValue);
  }

  /**
   * Reads {@code read} until {@code done} accepts what it read, and returns that; fails after
   * {@link #TIMEOUT} naming {@code what} and the last value read.
   */
  public static <T> T value(String what, Supplier<T> read, Predicate<? super T> done) {
    return value(what, TIMEOUT, read, done);
  }

  public static <T> T value(String what, Duration timeout, Supplier<T> read, Predicate<? super T> done) {
    long deadlineNs = System.nanoTime() + timeout.toNanos();
    while (true) {
      T last = read.get();
      if (done.test(last)) {
        return last;
      }
      if (System.nanoTime() - deadlineNs > 0) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting until " + what
            + (last instanceof Boolean ? "" : "; last seen: " + last));
      }
      try {
        Thread.sleep(POLL_INTERVAL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting until " + what, e);
      }
    }
  }
}
