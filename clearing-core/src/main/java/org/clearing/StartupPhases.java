package org.clearing;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a start-up's time went: each {@link #mark} closes the phase since the previous one, and
 * the engine logs them all in one line once it has started (`event=engine.startup_phases`), so a
 * slow start can be read phase by phase without a profiler. Marks come from the starting thread
 * and from event loops, one after another.
 */
final class StartupPhases {

  private final List<String> phases = new ArrayList<>();
  private long lastNs = System.nanoTime();

  synchronized void mark(String phase) {
    long now = System.nanoTime();
    phases.add(phase + "_ms=" + (now - lastNs) / 1_000_000);
    lastNs = now;
  }

  @Override
  public synchronized String toString() {
    return String.join(" ", phases);
  }
}
