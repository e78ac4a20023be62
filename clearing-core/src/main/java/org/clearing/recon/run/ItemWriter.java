package org.clearing.recon.run;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.clearing.channel.BillSplit;
import org.clearing.channel.Channel;
import org.clearing.recon.match.ItemKind;
import org.clearing.recon.match.ReconItem;

/**
 * Receives the matcher's items and inserts them in batches, numbering them in the order the
 * matcher emits them (which is the same for the same inputs). The payee account of a leg item is
 * taken from the engine's leg records just read ({@link LegPayees}); one not found there is
 * resolved in the insert itself, as the channel's bill names legs ({@link BillSplit}): by the
 * order's leg number, or by the receiver's merchant code. Either way it is the same account: a
 * million-leg day no longer pays two index probes per leg inside the insert.
 *
 * <p>Blocking: runs on the worker that drives the matcher.
 */
final class ItemWriter implements Consumer<ReconItem> {

  /** Items per INSERT: a million-item day is 1 000 statements. */
  static final int BATCH_SIZE_MAX = 1_000;
  /**
   * Inserts in flight while the matcher goes on: the database writes one batch while the next is
   * matched. Each holds a pool connection, so this stays well under the pool's size.
   */
  static final int IN_FLIGHT_MAX = 3;
  /** A leg number as a key: at most 10 legs an order, six digits leave room and fit an int. */
  private static final int LEG_NO_DIGITS_MAX = 6;
  private static final String INSERT = """
      INSERT INTO recon_item (run_id, item_no, class, kind, out_trade_no, key, transaction_id,
                              channel_reference, engine_reference, channel_amount_fen, engine_amount_fen,
                              channel_lines, engine_records, reason, resolution_status, payee_account_id,
                              merchant_id)
      SELECT $1, x.item_no, x.class, x.kind, x.out_trade_no, x.key, x.transaction_id, x.channel_reference,
             x.engine_reference, x.channel_fen, x.engine_fen, x.channel_lines, x.engine_records, x.reason,
             CASE WHEN x.class = 'MATCHED' THEN NULL ELSE 'OPEN' END,
             CASE WHEN x.kind <> 'LEG' THEN NULL
                  WHEN x.payee IS NOT NULL THEN x.payee
                  WHEN x.leg_no IS NOT NULL THEN (SELECT g.payee_account_id FROM channel_order co
                       JOIN leg g ON g.order_no = co.order_no
                       WHERE co.channel = $2 AND co.out_trade_no = x.out_trade_no AND g.leg_no = x.leg_no)
                  WHEN x.receiver IS NOT NULL THEN (SELECT a.payee_account_id FROM payee_channel_account a
                        WHERE a.channel = $2 AND a.channel_account = x.receiver) END,
             $18::text
      FROM unnest($3::int4[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                  $10::text[], $11::int8[], $12::int8[], $13::int4[], $14::int4[], $15::text[], $16::int4[],
                  $17::text[], $19::text[])
        AS x(item_no, class, kind, out_trade_no, key, transaction_id, channel_reference, engine_reference,
             channel_fen, engine_fen, channel_lines, engine_records, reason, leg_no, receiver, payee)
      """;

  private final Pool pool;
  private final long runId;
  private final String channelCode;
  private final BillSplit billSplit;
  private final List<ReconItem> batch = new ArrayList<>(BATCH_SIZE_MAX);
  /** Per batched item: its payee when known from the records, else what the insert looks it up by. */
  private final String[] payees = new String[BATCH_SIZE_MAX];
  private final Integer[] legNos = new Integer[BATCH_SIZE_MAX];
  private final String[] receivers = new String[BATCH_SIZE_MAX];
  /** The legs of the bill being matched, as its engine records are read; none: every payee looked up. */
  private LegPayees legPayees = new LegPayees();
  private final java.util.ArrayDeque<io.vertx.core.Future<?>> inFlight = new java.util.ArrayDeque<>();
  private int itemNo;
  private long writeNs;
  /** Whose bill the items being written come from. */
  private String merchantId;

  ItemWriter(Pool pool, long runId, Channel channel) {
    this.pool = pool;
    this.runId = runId;
    this.channelCode = channel.code();
    this.billSplit = BillSplit.of(channel);
  }

  /**
   * The items that follow come from the bill of {@code merchantId} (null: a merchant without an
   * id): the batch so far is sent first, so a batch holds one merchant's items.
   */
  void merchant(String merchantId) {
    send();
    this.merchantId = merchantId;
    this.legPayees = new LegPayees();
  }

  /** The leg payees of the engine records being matched with the current merchant's bill. */
  void legPayees(LegPayees legPayees) {
    this.legPayees = legPayees;
  }

  /** The leg number a leg item's key names, when the bill names legs by number; null otherwise. */
  private Integer legNo(ReconItem item) {
    boolean named = item.kind() == ItemKind.LEG && billSplit == BillSplit.BY_LEG_NO && isLegNo(item.key());
    return named ? Integer.valueOf(item.key()) : null;
  }

  /** One to six ASCII digits (checked by hand: this runs for every leg of the day). */
  private static boolean isLegNo(String key) {
    if (key.isEmpty() || key.length() > LEG_NO_DIGITS_MAX) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      if (key.charAt(i) < '0' || key.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /** The receiver a leg item's key names, when the bill names legs by receiver; null otherwise. */
  private String receiver(ReconItem item) {
    return item.kind() == ItemKind.LEG && billSplit != BillSplit.BY_LEG_NO ? item.key() : null;
  }

  @Override
  public void accept(ReconItem item) {
    // Resolved now, not when the batch is sent: the records of this item's order were just read.
    int at = batch.size();
    Integer legNo = legNo(item);
    String receiver = receiver(item);
    String payee = legNo != null ? legPayees.byLegNo(item.outTradeNo(), legNo)
        : receiver != null ? legPayees.byReceiver(item.outTradeNo(), receiver) : null;
    if (payee == null) {
      legPayees.dropBefore(item.outTradeNo());
    }
    payees[at] = payee;
    legNos[at] = payee == null ? legNo : null;
    receivers[at] = payee == null ? receiver : null;
    batch.add(item);
    if (batch.size() == BATCH_SIZE_MAX) {
      flush();
    }
  }

  /** Sends what is batched and waits for every insert: the items are all stored when it returns. */
  void finish() {
    send();
    long startNs = System.nanoTime();
    while (!inFlight.isEmpty()) {
      Blocking.await(inFlight.poll());
    }
    writeNs += System.nanoTime() - startNs;
  }

  private void flush() {
    send();
    long startNs = System.nanoTime();
    while (inFlight.size() >= IN_FLIGHT_MAX) {
      Blocking.await(inFlight.poll());
    }
    writeNs += System.nanoTime() - startNs;
  }

  private void send() {
    if (batch.isEmpty()) {
      return;
    }
    int size = batch.size();
    Integer[] itemNos = new Integer[size];
    String[] classes = new String[size];
    String[] kinds = new String[size];
    String[] outTradeNos = new String[size];
    String[] keys = new String[size];
    String[] transactionIds = new String[size];
    String[] channelReferences = new String[size];
    String[] engineReferences = new String[size];
    Long[] channelFen = new Long[size];
    Long[] engineFen = new Long[size];
    Integer[] channelLines = new Integer[size];
    Integer[] engineRecords = new Integer[size];
    String[] reasons = new String[size];
    for (int i = 0; i < size; i++) {
      ReconItem item = batch.get(i);
      itemNos[i] = itemNo + 1 + i;
      classes[i] = item.reconClass().name();
      kinds[i] = item.kind().name();
      outTradeNos[i] = item.outTradeNo();
      keys[i] = item.key();
      transactionIds[i] = item.transactionId();
      channelReferences[i] = item.channelReference();
      engineReferences[i] = item.engineReference();
      channelFen[i] = item.channelAmountFen();
      engineFen[i] = item.engineAmountFen();
      channelLines[i] = item.channelLines();
      engineRecords[i] = item.engineRecords();
      reasons[i] = item.reason();
    }
    Tuple tuple = Tuple.tuple().addLong(runId).addString(channelCode)
        .addArrayOfInteger(itemNos).addArrayOfString(classes).addArrayOfString(kinds)
        .addArrayOfString(outTradeNos).addArrayOfString(keys).addArrayOfString(transactionIds)
        .addArrayOfString(channelReferences).addArrayOfString(engineReferences)
        .addArrayOfLong(channelFen).addArrayOfLong(engineFen)
        .addArrayOfInteger(channelLines).addArrayOfInteger(engineRecords)
        .addArrayOfString(reasons).addArrayOfInteger(java.util.Arrays.copyOf(legNos, size))
        .addArrayOfString(java.util.Arrays.copyOf(receivers, size))
        .addString(merchantId).addArrayOfString(java.util.Arrays.copyOf(payees, size));
    inFlight.add(pool.preparedQuery(INSERT).execute(tuple));
    itemNo += batch.size();
    batch.clear();
  }

  /** Time the matcher spent waiting for inserts. */
  long writeMs() {
    return writeNs / 1_000_000;
  }

  int items() {
    return itemNo + batch.size();
  }
}
