package org.clearing.load.scenario;

import org.clearing.payment.PaymentIntake;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.sql.Connection;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.clearing.journal.Journal;
import org.clearing.journal.JournalAccount;
import org.clearing.journal.JournalEntry;
import org.clearing.order.OrderStatus;
import org.clearing.order.Orders;
import org.clearing.outbox.Outbox;
import org.clearing.payment.ChannelOrderStatus;
import org.clearing.payment.ChannelOrders;
import org.clearing.split.LegStatus;
import org.clearing.split.Legs;
import org.clearing.load.driver.Harness;

/**
 * The database's limit without the engine: for each payment, the statements the engine's
 * {@code PaymentIntake} runs for a group (lock the order, read its legs, check the inbox, read the
 * payee and the channel orders still open elsewhere, then insert the inbox row, move the order,
 * its legs and its channel order, book the journal entry with its postings and write the outbox
 * event), but ONE transaction per payment, against the same PostgreSQL, from each of
 * {@link #CONNECTIONS_DEFAULT}'s numbers of connections in turn: the figure to beat is the best of
 * them, not the one a choice of connections happens to give. It writes to copies of the engine's
 * tables in a schema of its own ({@code baseline}, same columns, defaults, checks, indexes and the
 * journal's foreign key) holding copies of the run's orders, so it competes for the same disk and
 * WAL but leaves the engine's books untouched; the copies are made again from a pristine seed
 * ({@code baseline_seed}) before each run, so every run books the same orders from OPEN.
 */
public final class Baseline {

  private static final List<String> TABLES =
      List.of("orders", "leg", "channel_order", "channel_inbox", "journal_entry", "journal_posting", "outbox");
  /** The tables whose rows the baseline starts from (the others start empty). */
  private static final List<String> SEEDED = List.of("orders", "leg", "channel_order");

  /**
   * Connections the baseline runs with, one run each: the engine's pool size (8) and more, since
   * one transaction per payment pays a flush per payment and more connections share flushes.
   * The measurements found the best at 64 on the 2-core machine.
   */
  public static final List<Integer> CONNECTIONS_DEFAULT = List.of(8, 32, 64);
  /** The harness's PostgreSQL takes 100 connections; the engine's pool and the driver need some. */
  public static final int CONNECTIONS_MAX = 80;

  /** One run's figures. */
  public record Result(int callbacks, int connections, long durationMs, double callbacksPerS) {}

  /** Every run's figures, in the order run, and the best of them. */
  public record Results(List<Result> runs) {
    public Result best() {
      return runs.stream().max(java.util.Comparator.comparingDouble(Result::callbacksPerS)).orElseThrow();
    }
  }

  private Baseline() {}

  /**
   * Keeps a pristine copy of the stories' orders, legs and channel orders (schema
   * {@code baseline_seed}), made while they are still OPEN, for every run to start from.
   */
  public static void copy(Harness harness, List<PayScenario.Story> stories) throws Exception {
    try (Connection db = harness.jdbc(); Statement sql = db.createStatement()) {
      sql.execute("DROP SCHEMA IF EXISTS baseline_seed CASCADE");
      sql.execute("CREATE SCHEMA baseline_seed");
      String list = "(" + String.join(",", stories.stream().filter(PayScenario.Story::opened)
          .map(s -> "'" + s.orderNo() + "'").toList()) + ")";
      for (String table : SEEDED) {
        sql.execute("CREATE TABLE baseline_seed." + table + " AS SELECT * FROM public." + table
            + " WHERE order_no IN " + list);
      }
    }
  }

  /** The {@code baseline} schema made afresh: empty copies of the tables, the seed's rows in them. */
  private static void reset(Harness harness) throws Exception {
    try (Connection db = harness.jdbc(); Statement sql = db.createStatement()) {
      sql.execute("DROP SCHEMA IF EXISTS baseline CASCADE");
      sql.execute("CREATE SCHEMA baseline");
      for (String table : TABLES) {
        sql.execute("CREATE TABLE baseline." + table + " (LIKE public." + table + " INCLUDING ALL)");
      }
      sql.execute("ALTER TABLE baseline.journal_posting ADD FOREIGN KEY (entry_id)"
          + " REFERENCES baseline.journal_entry (entry_id)");
      for (String table : SEEDED) {
        sql.execute("INSERT INTO baseline." + table + " SELECT * FROM baseline_seed." + table);
      }
      sql.execute("ANALYZE baseline.orders, baseline.leg, baseline.channel_order");
    }
  }

  public static void drop(Harness harness) throws Exception {
    try (Connection db = harness.jdbc(); Statement sql = db.createStatement()) {
      sql.execute("DROP SCHEMA IF EXISTS baseline CASCADE");
      sql.execute("DROP SCHEMA IF EXISTS baseline_seed CASCADE");
    }
  }

  /**
   * Books every opened story once per entry of {@code connections}, each run on a fresh copy of
   * the seed with that many connections.
   */
  public static Results runEach(Harness harness, List<PayScenario.Story> stories, List<Integer> connections)
      throws Exception {
    List<Result> runs = new ArrayList<>();
    for (int count : connections) {
      reset(harness);
      runs.add(run(harness, stories, count));
    }
    return new Results(runs);
  }

  /** Books every opened story once, one transaction each, from {@code connections} connections. */
  static Result run(Harness harness, List<PayScenario.Story> stories, int connections) throws Exception {
    List<PayScenario.Story> payable = stories.stream().filter(PayScenario.Story::opened).toList();
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(connections))
        .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(harness.pgPort())
            .setDatabase("postgres").setUser("postgres").setPassword("postgres")
            .setCachePreparedStatements(true)
            .setProperties(Map.of("search_path", "baseline")))
        .using(vertx).build();
    try {
      AtomicInteger next = new AtomicInteger();
      long startNs = System.nanoTime();
      List<CompletableFuture<Void>> workers = new ArrayList<>();
      for (int w = 0; w < connections; w++) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        workers.add(done);
        vertx.runOnContext(v -> loop(pool, payable, next, done));
      }
      for (CompletableFuture<Void> worker : workers) {
        worker.get();
      }
      long durationNs = System.nanoTime() - startNs;
      return new Result(payable.size(), connections, durationNs / 1_000_000, payable.size() / (durationNs / 1e9));
    } finally {
      pool.close().toCompletionStage().toCompletableFuture().get();
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  private static void loop(Pool pool, List<PayScenario.Story> stories, AtomicInteger next,
      CompletableFuture<Void> done) {
    int index = next.getAndIncrement();
    if (index >= stories.size()) {
      done.complete(null);
      return;
    }
    PayScenario.Story story = stories.get(index);
    pool.withTransaction(conn -> book(conn, story, index)).onComplete(result -> {
      if (result.failed()) {
        done.completeExceptionally(result.cause());
      } else {
        loop(pool, stories, next, done);
      }
    });
  }

  private static Future<Void> book(SqlConnection conn, PayScenario.Story story, int index) {
    String[] orderNo = {story.orderNo()};
    String channel = story.channel().code();
    String transactionId = "BASELINE" + index;
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    // The reads in one round trip, as the intake sends them.
    Future<RowSet<Row>> heads = conn.preparedQuery(PaymentIntake.LOCK_ORDERS).execute(Tuple.of(orderNo));
    Future<RowSet<Row>> legRows = conn.preparedQuery(PaymentIntake.SELECT_LEGS).execute(Tuple.of(orderNo));
    Future<RowSet<Row>> recorded = conn.preparedQuery(PaymentIntake.SELECT_RECORDED).execute(Tuple.tuple()
        .addArrayOfString(new String[] {channel}).addArrayOfString(new String[] {transactionId}));
    Future<RowSet<Row>> payees = conn.preparedQuery(PaymentIntake.SELECT_PAYEES).execute(Tuple.tuple()
        .addArrayOfString(new String[] {channel}).addArrayOfString(new String[] {story.outTradeNo()}));
    Future<RowSet<Row>> open = conn.preparedQuery(PaymentIntake.SELECT_OPEN).execute(Tuple.of(orderNo));
    return Future.all(heads, legRows, recorded, payees, open).map(read -> legRows.result())
            .compose(legs -> {
              String entryKey = "PAYMENT:" + channel + ":" + transactionId;
              List<JournalEntry.Posting> postings = new ArrayList<>();
              postings.add(JournalEntry.Posting.debit(JournalAccount.clearing(story.channel()), story.totalFen()));
              List<Legs.Move> legMoves = new ArrayList<>();
              for (Row leg : legs) {
                postings.add(JournalEntry.Posting.credit(JournalAccount.payee(leg.getString("payee_account_id")),
                    leg.getLong("amount_fen")));
                legMoves.add(Legs.Move.of(story.orderNo(), leg.getInteger("leg_no")));
              }
              JsonObject payload = new JsonObject().put("type", "order.paid").put("order_no", story.orderNo())
                  .put("channel", channel).put("transaction_id", transactionId)
                  .put("amount_fen", story.totalFen()).put("paid_at", now.toInstant().toString());
              List<Future<?>> writes = new ArrayList<>();
              writes.add(conn.preparedQuery(PaymentIntake.INSERT_INBOX).execute(Tuple.tuple()
                  .addArrayOfString(new String[] {channel}).addArrayOfString(new String[] {transactionId})
                  .addArrayOfString(orderNo).addArrayOfString(new String[] {story.outTradeNo()})
                  .addArrayOfLong(new Long[] {story.totalFen()}).addArrayOfString(new String[] {"APPLIED"})
                  .addArrayOfString(new String[] {"CALLBACK"}).addArrayOfString(new String[] {"EV" + index})
                  .addArrayOfOffsetDateTime(new OffsetDateTime[] {now})));
              writes.add(Orders.transition(conn, Orders.Guard.LOCKED, List.of(new Orders.Move(story.orderNo(),
                  OrderStatus.OPEN, OrderStatus.PAID, new Orders.Paid(channel, transactionId, now)))));
              writes.add(Legs.transition(conn, LegStatus.PAID, legMoves));
              writes.add(ChannelOrders.transition(conn, ChannelOrderStatus.PAID,
                  List.of(new ChannelOrders.Key(story.orderNo(), story.channel())), null));
              writes.add(Journal.post(conn, new JournalEntry(entryKey, "PAYMENT", story.orderNo(), channel, postings)));
              writes.add(Outbox.append(conn, new Outbox.Event("order.paid", story.orderNo(), payload)));
              return Future.all(writes).mapEmpty();
            });
  }
}
