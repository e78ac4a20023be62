package org.clearing.routing;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The routing table as it is now. Order creation and the cashier take {@link #current()} once per
 * request; an administrator's change to a region {@link #reload()}s it on the engine that made the
 * change, and every other engine on the database notices the change by the regions' stamp
 * ({@link #reloadIfChanged()}, run periodically). Effective for orders created after the reload;
 * an order keeps the lines and legs it was created with.
 */
public final class LiveRouting {

  private final RoutingRepository repository;
  /** Loads may overlap (a change here, a periodic check); the one started last wins. */
  private final AtomicLong loadsStarted = new AtomicLong();
  private long newestApplied;
  private volatile RoutingTable current;
  private volatile String stamp = "";

  private LiveRouting(RoutingRepository repository) {
    this.repository = repository;
  }

  /** Loads the table once; fails if the database cannot be read. */
  public static Future<LiveRouting> load(Pool pool) {
    LiveRouting routing = new LiveRouting(new RoutingRepository(pool));
    return routing.reload().map(table -> routing);
  }

  public RoutingTable current() {
    return current;
  }

  /** Reads the table again; the stamp is read first, so a change during the read is seen next time. */
  public Future<RoutingTable> reload() {
    long load = loadsStarted.incrementAndGet();
    return repository.stamp().compose(seen -> repository.load().map(table -> {
      synchronized (this) {
        if (load > newestApplied) {
          newestApplied = load;
          current = table;
          stamp = seen;
        }
        return current;
      }
    }));
  }

  /** Reloads if some engine changed a region since the last load; whether it reloaded. */
  public Future<Boolean> reloadIfChanged() {
    return repository.stamp().compose(seen -> seen.equals(stamp)
        ? Future.succeededFuture(false) : reload().map(true));
  }
}
