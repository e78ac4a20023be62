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
import org.clearing.channel.Money;
import org.clearing.routing.ItemKind;
import org.clearing.routing.PayeeSide;
import org.clearing.split.Leg;
import org.clearing.split.LegStatus;
import org.clearing.store.GroupCommitter;

/** Stores and reads orders, their lines and legs. */
public final class OrderRepository {

  /**
   * Order, lines and legs in one statement, hence one transaction and one round trip. The order
   * insert yields no row when the idempotency key was used before, and then the line and leg
   * inserts, which join on it, insert nothing either.
   */
  private static final String INSERT_ORDER = """
      WITH o AS (
        INSERT INTO orders (order_no, client_id, idempotency_key, request_hash, case_no, region,
                            payer_name, payer_id_cipher, payer_id_masked, total_fen, status,
                            qr_token, expires_at, request_hash_scheme)
        VALUES ($1 || lpad(nextval('order_seq')::text, 10, '0'), $2, $3, $4, $5, $6, $7, $8, $9,
                $10, $11, $12, now() + make_interval(secs => $13::int8), $31::int2)
        ON CONFLICT (client_id, idempotency_key) DO NOTHING
        RETURNING order_no, created_at, expires_at
      ), l AS (
        INSERT INTO order_line (order_no, line_no, kind, amount_fen, payee_account_id, side,
                                tax_office_code, tax_voucher_no, budget_subject_code, budget_level,
                                treasury_code, collecting_unit_code, income_item_code, payment_code)
        SELECT o.order_no, x.* FROM o CROSS JOIN unnest($14::int4[], $15::text[], $16::int8[],
            $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[],
            $23::text[], $24::text[], $25::text[], $26::text[])
          AS x(line_no, kind, amount_fen, payee_account_id, side, tax_office_code, tax_voucher_no,
               budget_subject_code, budget_level, treasury_code, collecting_unit_code,
               income_item_code, payment_code)
        RETURNING 1
      ), g AS (
        INSERT INTO leg (order_no, leg_no, payee_account_id, amount_fen, status)
        SELECT o.order_no, y.* FROM o CROSS JOIN unnest($27::int4[], $28::text[], $29::int8[],
            $30::text[]) AS y(leg_no, payee_account_id, amount_fen, status)
        RETURNING 1
      )
      SELECT order_no, created_at, expires_at,
             (SELECT count(*) FROM l) AS line_count, (SELECT count(*) FROM g) AS leg_count
      FROM o
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

  private Future<List<Inserted>> insertGroup(List<Insert> group) {
    String prefix = "TF" + LocalDate.now(ZoneOffset.ofHours(8)).toString().replace("-", "");
    List<Tuple> tuples = group.stream().map(insert -> tuple(prefix, insert)).toList();
    return pool.withTransaction(db -> db.preparedQuery(INSERT_ORDER).executeBatch(tuples)).compose(results -> {
      List<Future<Inserted>> inserted = new ArrayList<>(group.size());
      RowSet<Row> rows = results;
      for (Insert insert : group) {
        inserted.add(rows.size() == 1
            ? Future.succeededFuture(created(insert, rows.iterator().next()))
            : keyTaken(insert));
        rows = rows.next();
      }
      return Future.all(inserted).map(all -> inserted.stream().map(Future::result).toList());
    });
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

  private Tuple tuple(String prefix, Insert insert) {
    OrderDraft draft = insert.draft();
    NewOrder request = draft.request();
    List<OrderLine> lines = draft.lines();
    List<Leg> legs = draft.legs();
    return Tuple.tuple()
        .addString(prefix)
        .addString(insert.clientId())
        .addString(insert.idempotencyKey())
        .addBuffer(Buffer.buffer(fingerprints.of(request)))
        .addString(request.caseNo())
        .addString(request.region())
        .addString(request.payerName())
        .addBuffer(Buffer.buffer(insert.payerIdCipher()))
        .addString(insert.payerIdMasked())
        .addLong(draft.total().fen())
        .addString(OrderStatus.OPEN.name())
        .addString(insert.qrToken())
        .addLong(request.expiresInS())
        .addArrayOfInteger(lines.stream().map(OrderLine::lineNo).toArray(Integer[]::new))
        .addArrayOfString(lines.stream().map(l -> l.kind().name()).toArray(String[]::new))
        .addArrayOfLong(lines.stream().map(l -> l.amount().fen()).toArray(Long[]::new))
        .addArrayOfString(lines.stream().map(OrderLine::payeeAccountId).toArray(String[]::new))
        .addArrayOfString(lines.stream().map(l -> l.side().name()).toArray(String[]::new))
        .addArrayOfString(lines.stream().map(OrderLine::taxOfficeCode).toArray(String[]::new))
        .addArrayOfString(lines.stream().map(OrderLine::taxVoucherNo).toArray(String[]::new))
        .addArrayOfString(lines.stream().map(OrderLine::budgetSubjectCode).toArray(String[]::new))
        .addArrayOfString(lines.stream().map(OrderLine::budgetLevel).toArray(String[]::new))
        .addArrayOfString(lines.stream().map(OrderLine::treasuryCode).toArray(String[]::new))
        .addArrayOfString(lines.stream().map(OrderLine::collectingUnitCode).toArray(String[]::new))
        .addArrayOfString(lines.stream().map(OrderLine::incomeItemCode).toArray(String[]::new))
        .addArrayOfString(lines.stream().map(OrderLine::paymentCode).toArray(String[]::new))
        .addArrayOfInteger(legs.stream().map(Leg::legNo).toArray(Integer[]::new))
        .addArrayOfString(legs.stream().map(Leg::payeeAccountId).toArray(String[]::new))
        .addArrayOfLong(legs.stream().map(g -> g.amount().fen()).toArray(Long[]::new))
        .addArrayOfString(legs.stream().map(g -> g.status().name()).toArray(String[]::new))
        .addShort((short) RequestFingerprints.Scheme.KEYED.code);
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
