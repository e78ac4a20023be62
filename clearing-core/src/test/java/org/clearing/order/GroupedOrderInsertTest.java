package org.clearing.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.clearing.channel.Money;
import org.clearing.routing.ItemKind;
import org.clearing.routing.PayeeSide;
import org.clearing.split.Leg;
import org.clearing.split.LegStatus;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A group of orders stored by one statement: each created order gets its own number, lines, legs
 * and expiry, however the database orders its rows; a key taken before, or earlier in the same
 * group, yields the order already under it and stores nothing.
 */
class GroupedOrderInsertTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static final String REGION = "341500";
  private static final String TREASURY = "TRE-341500";
  private static final String NON_TAX = "NTX-341500";
  private static final int GROUP_SIZE = 64;
  private static Pool pool;
  private static OrderRepository orders;

  @BeforeAll
  static void start() {
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2))
        .connectingTo(engine.engine().database().connectOptions()).using(engine.engine().vertx()).build();
    orders = new OrderRepository(engine.engine().vertx(), pool, engine.engine().identity().requestFingerprints());
  }

  @AfterAll
  static void close() {
    Await.result(pool.close());
  }

  @Test
  void eachOrderOfAGroupGetsItsOwnRowsAndRepeatedKeysGetTheFirstOrder() {
    OrderRepository.Insert takenBefore = insert("reg-a", "group-taken-before", "GRP-BEFORE", 2, 0);
    String takenBeforeNo = created(Await.result(orders.insertGroup(List.of(takenBefore))).get(0)).orderNo();

    List<OrderRepository.Insert> group = new ArrayList<>();
    for (int place = 0; place < GROUP_SIZE; place++) {
      // Lines, amounts and expiry differ from order to order, so any order given another's rows shows.
      group.add(insert("reg-a", "group-" + place, "GRP-" + place, 1 + place % 4, place));
    }
    // Later in the group, the same key and request as place 5 (a retry), and a request of its own.
    group.set(40, insert("reg-a", "group-5", "GRP-5", 1 + 5 % 4, 5));
    group.set(11, insert("reg-a", "group-10", "GRP-10-OTHER", 3, 11));
    group.set(50, insert("reg-a", "group-10", "GRP-10", 1 + 10 % 4, 10));
    // Keys taken by an earlier group, by the same request and by another.
    group.set(20, insert("reg-a", "group-taken-before", "GRP-BEFORE", 2, 0));
    group.set(60, insert("reg-a", "group-taken-before", "GRP-BEFORE-OTHER", 1, 60));
    // Place 30's key under another client is another key.
    group.set(31, insert("reg-b", "group-30", "GRP-31", 3, 31));

    List<OrderRepository.Inserted> inserted = Await.result(orders.insertGroup(group));

    assertEquals(GROUP_SIZE, inserted.size());
    Set<Integer> repeats = Set.of(40, 11, 50, 20, 60);
    Set<String> orderNos = new HashSet<>();
    for (int place = 0; place < GROUP_SIZE; place++) {
      if (!repeats.contains(place)) {
        Order order = created(inserted.get(place));
        assertStoredAsDrafted(group.get(place), order);
        assertTrue(orderNos.add(order.orderNo()), "order number " + order.orderNo() + " given twice");
      }
    }
    assertTaken(inserted.get(40), created(inserted.get(5)).orderNo(), group.get(40), true);
    assertTaken(inserted.get(11), created(inserted.get(10)).orderNo(), group.get(11), false);
    assertTaken(inserted.get(50), created(inserted.get(10)).orderNo(), group.get(50), true);
    assertTaken(inserted.get(20), takenBeforeNo, group.get(20), true);
    assertTaken(inserted.get(60), takenBeforeNo, group.get(60), false);
    assertFalse(orderNos.contains(takenBeforeNo));

    long linesExpected = 0;
    long legsExpected = 0;
    for (int place = 0; place < GROUP_SIZE; place++) {
      if (!repeats.contains(place)) {
        linesExpected += group.get(place).draft().lines().size();
        legsExpected += group.get(place).draft().legs().size();
      }
    }
    String ofGroup = " WHERE order_no IN (SELECT order_no FROM orders WHERE case_no LIKE 'GRP-%'"
        + " AND case_no <> 'GRP-BEFORE')";
    assertEquals(GROUP_SIZE - repeats.size(), engine.count("SELECT count(*) FROM orders" + ofGroup));
    assertEquals(linesExpected, engine.count("SELECT count(*) FROM order_line" + ofGroup));
    assertEquals(legsExpected, engine.count("SELECT count(*) FROM leg" + ofGroup));
    assertEquals(0, engine.count("SELECT count(*) FROM orders WHERE case_no LIKE '%-OTHER'"));
  }

  @Test
  void aGroupOfOneAndAGroupOfOnlyTakenKeysStoreNothingTwice() {
    OrderRepository.Insert alone = insert("reg-c", "group-alone", "SOLO-ALONE", 4, 7);
    Order order = created(Await.result(orders.insertGroup(List.of(alone))).get(0));
    assertStoredAsDrafted(alone, order);

    List<OrderRepository.Insert> retries = List.of(
        insert("reg-c", "group-alone", "SOLO-ALONE", 4, 7), insert("reg-c", "group-alone", "SOLO-ALONE", 4, 7));
    List<OrderRepository.Inserted> again = Await.result(orders.insertGroup(retries));

    assertTaken(again.get(0), order.orderNo(), retries.get(0), true);
    assertTaken(again.get(1), order.orderNo(), retries.get(1), true);
    assertEquals(4, engine.count("SELECT count(*) FROM order_line WHERE order_no = '" + order.orderNo() + "'"));
  }

  /** What the database holds for the order is what the insert at its place in the group drafted. */
  private static void assertStoredAsDrafted(OrderRepository.Insert insert, Order order) {
    OrderDraft draft = insert.draft();
    assertTrue(order.orderNo().matches("TF[0-9]{18}"), order.orderNo());
    assertEquals(draft.lines(), order.lines());
    assertEquals(draft.legs(), order.legs());
    assertEquals(Duration.ofSeconds(draft.request().expiresInS()),
        Duration.between(order.createdAt(), order.expiresAt()));
    Row head = Await.result(pool.preparedQuery("SELECT client_id, idempotency_key, case_no, qr_token, total_fen,"
            + " extract(epoch FROM expires_at - created_at)::int8 AS expires_in_s FROM orders WHERE order_no = $1")
        .execute(Tuple.of(order.orderNo()))).iterator().next();
    assertEquals(insert.clientId(), head.getString("client_id"));
    assertEquals(insert.idempotencyKey(), head.getString("idempotency_key"));
    assertEquals(draft.request().caseNo(), head.getString("case_no"));
    assertEquals(insert.qrToken(), head.getString("qr_token"));
    assertEquals(draft.total().fen(), head.getLong("total_fen"));
    assertEquals(draft.request().expiresInS(), head.getLong("expires_in_s"));
    OrderRepository.Owned stored = Await.result(orders.find(order.orderNo())).orElseThrow();
    assertEquals(draft.lines(), stored.order().lines());
    assertEquals(draft.legs(), stored.order().legs());
  }

  private static void assertTaken(OrderRepository.Inserted inserted, String orderNo, OrderRepository.Insert insert,
      boolean sameRequest) {
    OrderRepository.KeyTaken taken = assertInstanceOf(OrderRepository.KeyTaken.class, inserted);
    assertEquals(orderNo, taken.orderNo());
    assertEquals(sameRequest, orders.sameRequest(taken, insert.draft().request()));
    assertEquals(0, engine.count("SELECT count(*) FROM orders WHERE qr_token = '" + insert.qrToken() + "'"));
  }

  private static Order created(OrderRepository.Inserted inserted) {
    return assertInstanceOf(OrderRepository.Created.class, inserted).order();
  }

  /**
   * An order of {@code lineCount} lines: a deed-tax line to the treasury first, fees to the non-tax
   * account after it; amounts and expiry drawn from {@code variant}.
   */
  private static OrderRepository.Insert insert(String clientId, String key, String caseNo, int lineCount,
      int variant) {
    List<NewOrder.NewLine> requested = new ArrayList<>();
    List<OrderLine> lines = new ArrayList<>();
    long treasuryFen = 0;
    long nonTaxFen = 0;
    for (int lineNo = 1; lineNo <= lineCount; lineNo++) {
      boolean tax = lineNo == 1;
      ItemKind kind = tax ? ItemKind.DEED_TAX : lineNo == 2 ? ItemKind.REGISTRATION_FEE : ItemKind.CERTIFICATE_FEE;
      long amountFen = 100_000L * lineNo + 100L * variant + lineCount;
      requested.add(new NewOrder.NewLine(kind, Money.ofFen(amountFen), null, null, null));
      lines.add(new OrderLine(lineNo, kind, Money.ofFen(amountFen), tax ? TREASURY : NON_TAX,
          tax ? PayeeSide.TREASURY : PayeeSide.NON_TAX, null, null, null, null, null, null, null, null));
      treasuryFen += tax ? amountFen : 0;
      nonTaxFen += tax ? 0 : amountFen;
    }
    List<Leg> legs = new ArrayList<>();
    legs.add(new Leg(1, TREASURY, Money.ofFen(treasuryFen), LegStatus.PLANNED));
    if (nonTaxFen > 0) {
      legs.add(new Leg(2, NON_TAX, Money.ofFen(nonTaxFen), LegStatus.PLANNED));
    }
    NewOrder request = new NewOrder(caseNo, REGION, "张三", "34150019900101123X", requested,
        3_600L + 60L * variant);
    OrderDraft draft = new OrderDraft(request, lines, legs, Money.ofFen(treasuryFen + nonTaxFen));
    return new OrderRepository.Insert(clientId, key, draft,
        engine.engine().identity().payerIds().encrypt(request.payerIdNo()), "341***********123X",
        org.clearing.crypto.Crypto.randomToken(16));
  }
}
