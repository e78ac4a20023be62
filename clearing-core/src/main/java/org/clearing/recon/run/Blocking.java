package org.clearing.recon.run;

import io.vertx.core.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for a future on a worker thread. The matcher is plain synchronous Java pulling from
 * iterators, so the run drives it on a worker and lets each database page or item batch be awaited
 * there; never call this on an event loop.
 */
final class Blocking {

  /** A single statement or page that takes longer than this means the database is in trouble. */
  static final long WAIT_MS_MAX = 120_000;

  private Blocking() {}

  static <T> T await(Future<T> future) {
    if (io.vertx.core.Context.isOnEventLoopThread()) {
      throw new IllegalStateException("blocking wait on an event loop");
    }
    try {
      return future.toCompletionStage().toCompletableFuture().get(WAIT_MS_MAX, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the database", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("no answer within " + WAIT_MS_MAX + " ms", e);
    }
  }
}
