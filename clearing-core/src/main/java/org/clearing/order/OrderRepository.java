package org.clearing.order;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;
import org.clearing.channel.Money;
import org.clearing.routing.ItemKind;
import org.clearing.routing.PayeeSide;
import org.clearing.split.Leg;
import org.clearing.split.LegStatus;
import org.clearing.store.GroupCommitter;

/** Stores and reads orders, their lines and legs. */
public final class OrderRepository {

  /**
   * A whole group of orders, their lines and their legs in one statement, hence one transaction
   * and one round trip: PostgreSQL plans and runs one statement instead of one per order (in
   * pgbench, groups of 16 took its CPU per order from about 0.45 ms to 0.2 ms; in the engine at
   * ~1,150 orders/s, whose groups are small, from 0.57 to 0.51 ms). Each order's columns come as
   * arrays, one element per order; {@code ord}, its place in the group (from 1), ties its lines
   * and legs to it and its result row back to it. The number is drawn for every order, the way the old
   * one-order statement drew it, so an order whose key was taken leaves a gap as before.
   *
   * <p>An order whose idempotency key is taken yields no row, and then its lines and legs, which
   * join on it, are not inserted either. Orders are inserted in key order: two groups in flight
   * with keys in common then wait for each other in one direction only, never in a circle. Among
   * orders of one group under the same key the first in the group goes first, is created, and the
   * others find its key taken.
   */
  private static final String INSERT_ORDERS = """
      WITH input AS MATERIALIZED (
        SELECT x.*, $1 || lpad(nextval('order_seq')::text, 10, '0') AS order_no
        FROM unnest($2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[],
                    $8::bytea[], $9::text[], $10::int8[], $11::text[], $12::int8[])
          WITH ORDINALITY AS x(client_id, idempotency_key, request_hash, case_no, region,
                               payer_name, payer_id_cipher, payer_id_masked, total_fen, qr_token,
                               expires_in_s, ord)
      ), o AS (
        INSERT INTO orders (order_no, client_id, idempotency_key, request_hash, case_no, region,
                            payer_name, payer_id_cipher, payer_id_masked, total_fen, status,
                            qr_token, expires_at, request_hash_scheme)
        SELECT order_no, client_id, idempotency_key, request_hash, case_no, region, payer_name,
               payer_id_cipher, payer_id_masked, total_fen, $13::text, qr_token,
               now() + make_interval(secs => expires_in_s), $14::int2
        FROM input
        ORDER BY client_id, idempotency_key, ord
        ON CONFLICT (client_id, idempotency_key) DO NOTHING
        RETURNING order_no, created_at, expires_at
      ), created AS (
        SELECT input.ord, o.order_no, o.created_at, o.expires_at FROM o JOIN input USING (order_no)
      ), l AS (
        INSERT INTO order_line (order_no, line_no, kind, amount_fen, payee_account_id, side,
                                tax_office_code, tax_voucher_no, budget_subject_code, budget_level,
                                treasury_code, collecting_unit_code, income_item_code, payment_code)
        SELECT created.order_no, x.line_no, x.kind, x.amount_fen, x.payee_account_id, x.side,
               x.tax_office_code, x.tax_voucher_no, x.budget_subject_code, x.budget_level,
               x.treasury_code, x.collecting_unit_code, x.income_item_code, x.payment_code
        FROM unnest($15::int4[], $16::int4[], $17::text[], $18::int8[], $19::text[], $20::text[],
                    $21::text[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[],
                    $27::text[], $28::text[])
          AS x(ord, line_no, kind, amount_fen, payee_account_id, side, tax_office_code,
               tax_voucher_no, budget_subject_code, budget_level, treasury_code,
               collecting_unit_code, income_item_code, payment_code)
        JOIN created ON created.ord = x.ord
        RETURNING order_no
      ), g AS (
        INSERT INTO leg (order_no, leg_no, payee_account_id, amount_fen, status)
        SELECT created.order_no, y.leg_no, y.payee_account_id, y.amount_fen, y.status
        FROM unnest($29::int4[], $30::int4[], $31::text[], $32::int8[], $33::text[])
          AS y(ord, leg_no, payee_account_id, amount_fen, status)
        JOIN created ON created.ord = y.ord
        RETURNING order_no
      )
      SELECT created.ord, created.order_no, created.created_at, created.expires_at,
             coalesce(lines.count, 0) AS line_count, coalesce(legs.count, 0) AS leg_count
      FROM created
        LEFT JOIN (SELECT order_no, count(*) FROM l GROUP BY order_no) lines USING (order_no)
        LEFT JOIN (SELECT order_no, count(*) FROM g GROUP BY order_no) legs USING (order_no)
      """;

  private static final String SELECT_BY_KEY =
      "SELECT order_no, request_hash, request_hash_scheme FROM orders"
          + " WHERE client_id = $1 AND idempotency_key = $2";
  private static final String SELECT_UNKEYED = "SELECT order_no, request_hash FROM orders"
      + " WHERE request_hash_scheme = 0 ORDER BY order_no LIMIT $1";
  private static final String REKEY = "UPDATE orders SET request_hash = $2, request_hash_scheme = 1"
      + " WHERE order_no = $1 AND request_hash_scheme = 0";
  /** Old rows re-keyed per transaction at start; each takes microseconds of HMAC. */
  static final int REKEY_BATCH_SIZE = 1_000;
  private static final String ORDER_COLUMNS =
      "SELECT order_no, client_id, case_no, region, payer_name, payer_id_masked, total_fen, status,"
          + " qr_token, created_at, expires_at FROM orders ";
  private static final String SELECT_ORDER = ORDER_COLUMNS + "WHERE order_no = $1";
  private static final String SELECT_ORDER_BY_TOKEN = ORDER_COLUMNS + "WHERE qr_token = $1";
  private static final String SELECT_LINES =
      "SELECT line_no, kind, amount_fen, payee_account_id, side, tax_office_code, tax_voucher_no,"
          + " budget_subject_code, budget_level, treasury_code, collecting_unit_code,"
          + " income_item_code, payment_code FROM order_line WHERE order_no = $1 ORDER BY line_no";
  private static final String SELECT_LEGS =
      "SELECT leg_no, payee_account_id, amount_fen, status FROM leg WHERE order_no = $1"
          + " ORDER BY leg_no";
  private static final String LOCK_DUE =
      "SELECT order_no FROM orders WHERE status = $1 AND expires_at < now()"
          + " ORDER BY expires_at LIMIT $2::int4 FOR UPDATE SKIP LOCKED";

  /** Orders waiting for their group; beyond this, requests are refused with "try again". */
  public static final int INSERTS_QUEUED_MAX = 4_096;
  private static final int INSERT_GROUP_SIZE_MAX = 64;
  private static final int INSERT_GROUPS_IN_FLIGHT_MAX = 4;

  private final Pool pool;
  private final RequestFingerprints fingerprints;
  private final GroupCommitter<Insert, Inserted> inserts;

  public OrderRepository(Vertx vertx, Pool pool, RequestFingerprints fingerprints) {
    this.pool = pool;
    this.fingerprints = fingerprints;
    this.inserts = new GroupCommitter<>(vertx, this::insertGroup, INSERTS_QUEUED_MAX, INSERT_GROUP_SIZE_MAX,
        INSERT_GROUPS_IN_FLIGHT_MAX);
  }

  /** What the engine stores of a new order besides the draft. */
  public record Insert(
      String clientId,
      String idempotencyKey,
      OrderDraft draft,
      byte[] payerIdCipher,
      String payerIdMasked,
      String qrToken) {}

  /** The outcome of an insert: the new order number, or the order already under that key. */
  public sealed interface Inserted permits Created, KeyTaken {}

  /** A new order, as stored. */
  public record Created(Order order) implements Inserted {}

  public record KeyTaken(String orderNo, byte[] requestHash, RequestFingerprints.Scheme scheme)
      implements Inserted {}

  /**
   * Stores a new order, or finds the order already stored under its idempotency key. Orders
   * arriving together share one transaction and one disk flush; fails with
   * {@link GroupCommitter.Overloaded} when too many are waiting.
   */
  public Future<Inserted> insert(Insert insert) {
    return inserts.submit(insert);
  }

  /**
   * Stores a group in one statement (one transaction on its own) and answers each order in the
   * group's order: created, or the order already under its key. Package-private for the test that
   * stores groups of its own making.
   */
  Future<List<Inserted>> insertGroup(List<Insert> group) {
    String prefix = "TF" + LocalDate.now(ZoneOffset.ofHours(8)).toString().replace("-", "");
    return pool.preparedQuery(INSERT_ORDERS).execute(columns(prefix, group)).compose(rows -> {
      Row[] createdRows = createdByPlace(rows, group.size());
      List<Future<Inserted>> inserted = new ArrayList<>(group.size());
      for (int i = 0; i < group.size(); i++) {
        inserted.add(createdRows[i] != null
            ? Future.succeededFuture(created(group.get(i), createdRows[i]))
            : keyTaken(group.get(i)));
      }
      return Future.all(inserted).map(all -> inserted.stream().map(Future::result).toList());
    });
  }

  /** The statement's rows by the place in the group of the order each created (null: key taken). */
  private static Row[] createdByPlace(RowSet<Row> rows, int groupSize) {
    Row[] byPlace = new Row[groupSize];
    for (Row row : rows) {
      long ord = row.getLong("ord");
      if (ord < 1 || ord > groupSize || byPlace[(int) ord - 1] != null) {
        throw new IllegalStateException("the order insert answered place " + ord + " of a group of "
            + groupSize + " twice or out of range");
      }
      byPlace[(int) ord - 1] = row;
    }
    return byPlace;
  }

  private static Inserted created(Insert insert, Row row) {
    OrderDraft draft = insert.draft();
    NewOrder request = draft.request();
    verifyCounts(row, draft.lines().size(), draft.legs().size());
    return new Created(new Order(
        row.getString("order_no"), request.caseNo(), request.region(), request.payerName(),
        insert.payerIdMasked(), draft.total(), OrderStatus.OPEN, insert.qrToken(),
        row.getOffsetDateTime("created_at").toInstant(),
        row.getOffsetDateTime("expires_at").toInstant(), draft.lines(), draft.legs()));
  }

  /**
   * The order a client created under an idempotency key, if any: a retry of a request that the
   * routing of today would refuse (its region retired since) still gets the order it created.
   */
  public Future<Optional<KeyTaken>> findByKey(String clientId, String idempotencyKey) {
    return pool.preparedQuery(SELECT_BY_KEY).execute(Tuple.of(clientId, idempotencyKey))
        .map(rows -> rows.size() == 0 ? Optional.<KeyTaken>empty() : Optional.of(keyTaken(rows.iterator().next())));
  }

  private static KeyTaken keyTaken(Row row) {
    return new KeyTaken(row.getString("order_no"), row.getBuffer("request_hash").getBytes(),
        RequestFingerprints.Scheme.of(row.getShort("request_hash_scheme")));
  }

  /** The key was used before (or earlier in the same group): the order already under it. */
  private Future<Inserted> keyTaken(Insert insert) {
    return pool.preparedQuery(SELECT_BY_KEY)
        .execute(Tuple.of(insert.clientId(), insert.idempotencyKey()))
        .map(existing -> (Inserted) keyTaken(existing.iterator().next()));
  }

  /** A line or leg of the group, with the place in the group (from 1) of its order. */
  private record Placed<T>(int ord, T item) {}

  /** The parameters of {@link #INSERT_ORDERS}: every order's columns, then every line's, every leg's. */
  private Tuple columns(String prefix, List<Insert> group) {
    List<Placed<OrderLine>> lines = new ArrayList<>();
    List<Placed<Leg>> legs = new ArrayList<>();
    for (int i = 0; i < group.size(); i++) {
      int ord = i + 1;
      group.get(i).draft().lines().forEach(line -> lines.add(new Placed<>(ord, line)));
      group.get(i).draft().legs().forEach(leg -> legs.add(new Placed<>(ord, leg)));
    }
    return Tuple.tuple()
        .addString(prefix)
        .addArrayOfString(texts(group, Insert::clientId))
        .addArrayOfString(texts(group, Insert::idempotencyKey))
        .addArrayOfBuffer(bytes(group, insert -> fingerprints.of(insert.draft().request())))
        .addArrayOfString(texts(group, insert -> insert.draft().request().caseNo()))
        .addArrayOfString(texts(group, insert -> insert.draft().request().region()))
        .addArrayOfString(texts(group, insert -> insert.draft().request().payerName()))
        .addArrayOfBuffer(bytes(group, Insert::payerIdCipher))
        .addArrayOfString(texts(group, Insert::payerIdMasked))
        .addArrayOfLong(longs(group, insert -> insert.draft().total().fen()))
        .addArrayOfString(texts(group, Insert::qrToken))
        .addArrayOfLong(longs(group, insert -> insert.draft().request().expiresInS()))
        .addString(OrderStatus.OPEN.name())
        .addShort((short) RequestFingerprints.Scheme.KEYED.code)
        .addArrayOfInteger(ints(lines, Placed::ord))
        .addArrayOfInteger(ints(lines, l -> l.item().lineNo()))
        .addArrayOfString(texts(lines, l -> l.item().kind().name()))
        .addArrayOfLong(longs(lines, l -> l.item().amount().fen()))
        .addArrayOfString(texts(lines, l -> l.item().payeeAccountId()))
        .addArrayOfString(texts(lines, l -> l.item().side().name()))
        .addArrayOfString(texts(lines, l -> l.item().taxOfficeCode()))
        .addArrayOfString(texts(lines, l -> l.item().taxVoucherNo()))
        .addArrayOfString(texts(lines, l -> l.item().budgetSubjectCode()))
        .addArrayOfString(texts(lines, l -> l.item().budgetLevel()))
        .addArrayOfString(texts(lines, l -> l.item().treasuryCode()))
        .addArrayOfString(texts(lines, l -> l.item().collectingUnitCode()))
        .addArrayOfString(texts(lines, l -> l.item().incomeItemCode()))
        .addArrayOfString(texts(lines, l -> l.item().paymentCode()))
        .addArrayOfInteger(ints(legs, Placed::ord))
        .addArrayOfInteger(ints(legs, g -> g.item().legNo()))
        .addArrayOfString(texts(legs, g -> g.item().payeeAccountId()))
        .addArrayOfLong(longs(legs, g -> g.item().amount().fen()))
        .addArrayOfString(texts(legs, g -> g.item().status().name()));
  }

  private static <T> String[] texts(List<T> items, Function<T, String> column) {
    String[] values = new String[items.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = column.apply(items.get(i));
    }
    return values;
  }

  private static <T> Long[] longs(List<T> items, ToLongFunction<T> column) {
    Long[] values = new Long[items.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = column.applyAsLong(items.get(i));
    }
    return values;
  }

  private static <T> Integer[] ints(List<T> items, ToIntFunction<T> column) {
    Integer[] values = new Integer[items.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = column.applyAsInt(items.get(i));
    }
    return values;
  }

  private static <T> Buffer[] bytes(List<T> items, Function<T, byte[]> column) {
    Buffer[] values = new Buffer[items.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = Buffer.buffer(column.apply(items.get(i)));
    }
    return values;
  }

  private static void verifyCounts(Row row, int lineCount, int legCount) {
    if (row.getLong("line_count") != lineCount || row.getLong("leg_count") != legCount) {
      throw new IllegalStateException("order " + row.getString("order_no") + " stored "
          + row.getLong("line_count") + " lines and " + row.getLong("leg_count") + " legs");
    }
  }

  /** Whether the stored request under a key is the same request. */
  public boolean sameRequest(KeyTaken taken, NewOrder request) {
    return fingerprints.matches(taken.requestHash(), taken.scheme(), request);
  }

  /**
   * Re-keys every fingerprint still stored unkeyed (rows from before V13, or written by an older
   * engine), in batches, and returns how many. A migration cannot do it: SQL has no key. The
   * engine runs it at start, before it serves, so no unkeyed fingerprint outlives a start.
   */
  public Future<Long> rekeyUnkeyedFingerprints() {
    return rekeyFrom(0L);
  }

  private Future<Long> rekeyFrom(long doneSoFar) {
    return pool.withTransaction(db -> db.preparedQuery(SELECT_UNKEYED).execute(Tuple.of(REKEY_BATCH_SIZE))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(0);
          }
          List<Tuple> updates = new ArrayList<>(rows.size());
          for (Row row : rows) {
            updates.add(Tuple.of(row.getString("order_no"),
                Buffer.buffer(fingerprints.rekey(row.getBuffer("request_hash").getBytes()))));
          }
          return db.preparedQuery(REKEY).executeBatch(updates).map(done -> rows.size());
        }))
        .compose(count -> count < REKEY_BATCH_SIZE
            ? Future.succeededFuture(doneSoFar + count)
            : rekeyFrom(doneSoFar + count));
  }

  /** An order together with the client that created it. */
  public record Owned(String clientId, Order order) {}

  public Future<Optional<Owned>> find(String orderNo) {
    return load(SELECT_ORDER, orderNo);
  }

  public Future<Optional<Owned>> findByQrToken(String token) {
    return load(SELECT_ORDER_BY_TOKEN, token);
  }

  private Future<Optional<Owned>> load(String sql, String key) {
    return pool.preparedQuery(sql).execute(Tuple.of(key)).compose(orders -> {
      if (orders.size() == 0) {
        return Future.succeededFuture(Optional.empty());
      }
      Row head = orders.iterator().next();
      String orderNo = head.getString("order_no");
      Future<RowSet<Row>> lines = pool.preparedQuery(SELECT_LINES).execute(Tuple.of(orderNo));
      Future<RowSet<Row>> legs = pool.preparedQuery(SELECT_LEGS).execute(Tuple.of(orderNo));
      return Future.all(lines, legs).map(both -> Optional.of(
          new Owned(head.getString("client_id"), order(head, lines.result(), legs.result()))));
    });
  }

  /**
   * Moves an order from {@code from} to the status the transition table gives for
   * {@code event}; false if the order was no longer in {@code from} (a concurrent change).
   */
  public Future<Boolean> transition(String orderNo, OrderStatus from, OrderEvent event) {
    // Unlocked: a payment may have moved the order on meanwhile, and then this move is not made.
    return Orders.transition(pool, Orders.Guard.RACING, List.of(Orders.Move.of(orderNo, from, event)))
        .map(moved -> moved.size() == 1);
  }

  /**
   * As above, with {@code record} (a person's audit of the move) run in the move's transaction
   * when the move is made, so the two commit together or not at all.
   */
  public Future<Boolean> transition(String orderNo, OrderStatus from, OrderEvent event,
      java.util.function.Function<io.vertx.sqlclient.SqlConnection, Future<Void>> record) {
    return pool.withTransaction(conn -> Orders.transition(conn, Orders.Guard.RACING,
            List.of(Orders.Move.of(orderNo, from, event)))
        .compose(moved -> moved.size() == 1 ? record.apply(conn).map(true) : Future.succeededFuture(false)));
  }

  /** Expires up to {@code batchSizeMax} open orders whose time has passed; returns how many. */
  public Future<Integer> expireDue(int batchSizeMax) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_DUE)
        .execute(Tuple.of(OrderStatus.OPEN.name(), batchSizeMax))
        .compose(rows -> {
          List<Orders.Move> moves = new ArrayList<>();
          rows.forEach(row -> moves.add(Orders.Move.of(row.getString("order_no"), OrderStatus.OPEN, OrderEvent.EXPIRE)));
          return Orders.transition(conn, Orders.Guard.LOCKED, moves);
        })
        .map(List::size));
  }

  private static Order order(Row head, RowSet<Row> lineRows, RowSet<Row> legRows) {
    List<OrderLine> lines = new ArrayList<>();
    for (Row row : lineRows) {
      lines.add(new OrderLine(
          row.getInteger("line_no"),
          ItemKind.valueOf(row.getString("kind")),
          Money.ofFen(row.getLong("amount_fen")),
          row.getString("payee_account_id"),
          PayeeSide.valueOf(row.getString("side")),
          row.getString("tax_office_code"),
          row.getString("tax_voucher_no"),
          row.getString("budget_subject_code"),
          row.getString("budget_level"),
          row.getString("treasury_code"),
          row.getString("collecting_unit_code"),
          row.getString("income_item_code"),
          row.getString("payment_code")));
    }
    List<Leg> legs = new ArrayList<>();
    for (Row row : legRows) {
      legs.add(new Leg(
          row.getInteger("leg_no"),
          row.getString("payee_account_id"),
          Money.ofFen(row.getLong("amount_fen")),
          LegStatus.valueOf(row.getString("status"))));
    }
    return new Order(
        head.getString("order_no"),
        head.getString("case_no"),
        head.getString("region"),
        head.getString("payer_name"),
        head.getString("payer_id_masked"),
        Money.ofFen(head.getLong("total_fen")),
        OrderStatus.valueOf(head.getString("status")),
        head.getString("qr_token"),
        head.getOffsetDateTime("created_at").toInstant(),
        head.getOffsetDateTime("expires_at").toInstant(),
        lines,
        legs);
  }
}
