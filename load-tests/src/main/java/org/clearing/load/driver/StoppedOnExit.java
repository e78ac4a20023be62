package org.clearing.load.driver;

import java.util.concurrent.TimeUnit;

/**
 * A process the harness started, stopped in order (SIGTERM, then SIGKILL after 60 s) when the
 * harness closes it — or when the harness itself is stopped (Ctrl-C, SIGTERM): a separate process
 * would otherwise outlive it, holding its ports, CPU and data directory.
 */
final class StoppedOnExit implements AutoCloseable {

  private static final long ORDERLY_STOP_S = 60;

  private final Process process;
  private final Thread onExit;

  StoppedOnExit(Process process, String name) {
    this.process = process;
    this.onExit = new Thread(this::stopOnExit, name + "-exit");
    Runtime.getRuntime().addShutdownHook(onExit);
  }

  private void stopOnExit() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM, then wait for the orderly shutdown. */
  @Override
  public void close() throws InterruptedException {
    try {
      Runtime.getRuntime().removeShutdownHook(onExit);
    } catch (IllegalStateException shuttingDown) {
      // Already exiting: the hook stops the process.
    }
    stop();
  }

  private void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(ORDERLY_STOP_S, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
