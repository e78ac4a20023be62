package org.clearing.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Commits concurrent work in groups: items that arrive while a group is being committed wait and
 * go together in the next one, so many callbacks share one transaction and one disk flush
 * instead of paying an fsync each. Bounded everywhere: the queue (beyond it callers are refused
 * at once, so the engine sheds load with a clear answer rather than falling over), the group size
 * and the groups in flight. A group that fails is retried item by item, so one bad item fails
 * only itself.
 *
 * <p>All state lives on one Vert.x context; results are handed back on the caller's context.
 */
public final class GroupCommitter<I, R> {

  /** The queue is full: the caller should answer "try again later". */
  public static final class Overloaded extends RuntimeException {
    public Overloaded(int queuedMax) {
      super("more than " + queuedMax + " items waiting to be committed");
    }
  }

  private record Pending<I, R>(I item, Promise<R> promise, Context caller) {}

  private final Context context;
  private final Function<List<I>, Future<List<R>>> commit;
  private final int queuedMax;
  private final int groupSizeMax;
  private final int groupsInFlightMax;
  private final ArrayDeque<Pending<I, R>> queue = new ArrayDeque<>();
  private int groupsInFlight;
  private long groupsCommitted;
  private long itemsCommitted;

  /**
   * @param commit commits one group in one transaction and returns one result per item, in order
   */
  public GroupCommitter(Vertx vertx, Function<List<I>, Future<List<R>>> commit, int queuedMax,
      int groupSizeMax, int groupsInFlightMax) {
    this.context = vertx.getOrCreateContext();
    this.commit = commit;
    this.queuedMax = queuedMax;
    this.groupSizeMax = groupSizeMax;
    this.groupsInFlightMax = groupsInFlightMax;
  }

  public Future<R> submit(I item) {
    Context caller = Vertx.currentContext();
    Promise<R> promise = Promise.promise();
    context.runOnContext(v -> {
      if (queue.size() >= queuedMax) {
        deliver(new Pending<>(item, promise, caller), Future.failedFuture(new Overloaded(queuedMax)));
        return;
      }
      queue.add(new Pending<>(item, promise, caller));
      drain();
    });
    return promise.future();
  }

  private void drain() {
    while (groupsInFlight < groupsInFlightMax && !queue.isEmpty()) {
      List<Pending<I, R>> group = new ArrayList<>(Math.min(queue.size(), groupSizeMax));
      while (group.size() < groupSizeMax && !queue.isEmpty()) {
        group.add(queue.poll());
      }
      groupsInFlight++;
      run(group).onComplete(done -> {
        groupsInFlight--;
        drain();
      });
    }
  }

  private Future<Void> run(List<Pending<I, R>> group) {
    List<I> items = group.stream().map(Pending::item).toList();
    return safeCommit(items).transform(result -> {
      if (result.succeeded()) {
        groupsCommitted++;
        itemsCommitted += group.size();
        for (int i = 0; i < group.size(); i++) {
          deliver(group.get(i), Future.succeededFuture(result.result().get(i)));
        }
        return Future.succeededFuture();
      }
      if (group.size() == 1) {
        deliver(group.get(0), Future.failedFuture(result.cause()));
        return Future.succeededFuture();
      }
      // Commit each alone: a conflict or a bad item then fails only itself.
      Future<Void> chain = Future.succeededFuture();
      for (Pending<I, R> pending : group) {
        chain = chain.compose(v -> run(List.of(pending)));
      }
      return chain;
    });
  }

  private Future<List<R>> safeCommit(List<I> items) {
    try {
      return commit.apply(items);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private void deliver(Pending<I, R> pending, Future<R> result) {
    Runnable complete = () -> pending.promise().handle(result);
    if (pending.caller() == null) {
      complete.run();
    } else {
      pending.caller().runOnContext(v -> complete.run());
    }
  }

  /** Groups committed and items in them since start (their ratio is the mean group size). */
  public long groupsCommitted() {
    return groupsCommitted;
  }

  public long itemsCommitted() {
    return itemsCommitted;
  }

  /** Items waiting for a group. */
  public int queued() {
    return queue.size();
  }
}
