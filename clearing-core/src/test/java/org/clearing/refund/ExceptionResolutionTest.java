package org.clearing.refund;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.client.DemoClients;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An order in EXCEPTION is not a dead end: a payment of the wrong amount, made through the Alipay
 * sandbox and reported by its real signed callback, is given back through the channel or accepted
 * by finance/admin, with who, when and why, a journal entry, a webhook event and an applicant page
 * that tells the truth. A refund the channel refuses is no dead end: the order is back in EXCEPTION
 * with its payment in suspense, and a person acts again (refund again, or accept). A short payment
 * cannot be accepted; bad input and other roles change nothing; and neither the engine's own
 * database role nor the database's owner can change or remove a resolution or a refusal. A refused
 * refund of held money (an accepted overpayment's excess) is asked again by a person, once.
 */
class ExceptionResolutionTest {

  private static final long TOTAL_FEN = 1_509_000;
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller registration;
  private static ApiCaller finance;
  private static ApiCaller alipaySandbox;
  private static int cases;

  @BeforeAll
  static void start() {
    registration = engine.as(Role.REGISTRATION);
    finance = engine.as(Role.FINANCE);
    alipaySandbox = new ApiCaller(engine.sandboxUrl(Channel.ALIPAY), null);
  }

  @AfterEach
  void clearFaults() {
    faults(new JsonObject());
  }

  private static void faults(JsonObject faults) {
    ApiCaller.Answer answer = alipaySandbox.raw("PUT", "/sandbox/faults", faults.encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"));
    assertEquals(200, answer.status(), answer.text());
  }

  /** An order paid through Alipay with {@code deltaFen} more (or less) than its total: EXCEPTION. */
  private static JsonObject orderPaidWrongly(long deltaFen) {
    JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("EXC-" + (++cases)).encode(),
        "exc-" + cases).json();
    String orderNo = order.getString("order_no");
    faults(new JsonObject().put("amount_delta_fen", deltaFen));
    Browser desktop = new Browser(Browser.DESKTOP);
    desktop.submitForm(desktop.open(order.getJsonObject("qr").getString("url") + "/pay/alipay"));
    Await.until("EXCEPTION", () -> status(orderNo).equals("EXCEPTION"));
    faults(new JsonObject());
    return order;
  }

  private static String status(String orderNo) {
    return registration.get("/api/v1/orders/" + orderNo).json().getString("status");
  }

  private static String page(JsonObject order) {
    return new Browser(Browser.DESKTOP).open(order.getJsonObject("qr").getString("url")).html();
  }

  private static ApiCaller.Answer resolve(ApiCaller as, String orderNo, String action, String body) {
    return as.post("/api/v1/admin/orders/" + orderNo + "/exception/" + action, body, null);
  }

  private static String reason(String why) {
    return new JsonObject().put("reason", why).encode();
  }

  private static long balance(String orderNo, String account) {
    return engine.count("SELECT coalesce(sum(p.debit_fen - p.credit_fen), 0) FROM journal_posting p"
        + " JOIN journal_entry e USING (entry_id) WHERE e.order_no = '" + orderNo + "' AND p.account = '" + account + "'");
  }

  @Test
  void aWrongAmountFromARealCallbackIsHeldInSuspenseAndGivenBackThroughTheChannel() {
    JsonObject order = orderPaidWrongly(-100);
    String orderNo = order.getString("order_no");
    assertEquals(-(TOTAL_FEN - 100), balance(orderNo, "suspense"), "the wrong amount is held in suspense");
    assertTrue(page(order).contains("Under review"));

    ApiCaller.Answer answer = resolve(finance, orderNo, "refund", reason("payer paid 1.00 yuan short; ticket 42"));

    assertEquals(200, answer.status(), answer.text());
    JsonObject resolution = answer.json();
    assertEquals("REFUND", resolution.getString("action"));
    assertEquals(DemoClients.clientId(Role.FINANCE), resolution.getString("resolved_by"));
    assertEquals("payer paid 1.00 yuan short; ticket 42", resolution.getString("reason"));
    assertEquals(TOTAL_FEN - 100, resolution.getLong("returned_fen"));
    assertEquals(0, balance(orderNo, "suspense"), "suspense is cleared at once");
    assertEquals(1, engine.count("SELECT count(*) FROM outbox WHERE event_type = 'order.refunding' AND order_no = '"
        + orderNo + "' AND payload->'exception_resolution'->>'resolved_by' = '" + DemoClients.clientId(Role.FINANCE) + "'"));
    Await.until("returned by the channel", () -> status(orderNo).equals("REFUNDED"));
    assertTrue(page(order).contains("This payment has been returned"), page(order));
    assertEquals(0, balance(orderNo, "refund:alipay"));
    assertEquals(0, balance(orderNo, "clearing:alipay"), "Alipay holds nothing for the order");
    assertEquals(1, engine.count("SELECT count(*) FROM outbox WHERE event_type = 'payment.refunded' AND order_no = '"
        + orderNo + "'"));
    assertEquals(1, engine.count("SELECT count(*) FROM journal_entry WHERE kind = 'EXCEPTION_REFUND' AND order_no = '"
        + orderNo + "'"));

    ApiCaller.Answer replay = resolve(finance, orderNo, "refund", reason("again"));
    assertEquals(200, replay.status(), "a replay returns the stored resolution");
    assertEquals("payer paid 1.00 yuan short; ticket 42", replay.json().getString("reason"));
    ApiCaller.Answer other = resolve(engine.as(Role.ADMIN), orderNo, "accept", reason("changed my mind"));
    assertEquals(409, other.status(), other.text());
    assertEquals("application/problem+json", other.contentType());
  }

  @Test
  void anOverpaymentAcceptedByAPersonPaysTheOrderAndTheExcessGoesBack() {
    JsonObject order = orderPaidWrongly(250);
    String orderNo = order.getString("order_no");

    ApiCaller.Answer answer = resolve(engine.as(Role.ADMIN), orderNo, "accept", reason("checked with the payer"));

    assertEquals(200, answer.status(), answer.text());
    assertEquals(250, answer.json().getLong("returned_fen"));
    assertEquals("PAID", status(orderNo));
    assertTrue(page(order).contains("Paid: nothing more to pay"));
    assertEquals(2, engine.count("SELECT count(*) FROM leg WHERE status = 'PAID' AND order_no = '" + orderNo + "'"));
    assertEquals(1, engine.count("SELECT count(*) FROM orders WHERE paid_channel = 'alipay' AND order_no = '"
        + orderNo + "'"));
    assertEquals(0, balance(orderNo, "suspense"));
    assertEquals(-1_500_000, balance(orderNo, "payee:TRE-341500"));
    assertEquals(-9_000, balance(orderNo, "payee:NTX-341500"));
    assertEquals(1, engine.count("SELECT count(*) FROM outbox WHERE event_type = 'order.paid' AND order_no = '"
        + orderNo + "' AND payload->'exception_resolution'->>'action' = 'ACCEPT'"));
    Await.until("the excess given back", () -> engine.count("SELECT count(*) FROM duplicate_refund WHERE order_no = '"
        + orderNo + "' AND amount_fen = 250 AND status = 'SUCCEEDED'") == 1);
    assertEquals(TOTAL_FEN, balance(orderNo, "clearing:alipay"), "Alipay holds exactly the order's total");
    assertEquals(0, balance(orderNo, "refund:alipay"));
    assertEquals("PAID", status(orderNo), "giving back the excess leaves the order paid");
  }

  @Test
  void anOrderInExceptionIsListedForAPersonUntilItIsResolved() {
    JsonObject order = orderPaidWrongly(-700);
    String orderNo = order.getString("order_no");

    JsonObject listed = listed(finance.get("/api/v1/admin/attention").json(), orderNo);
    assertEquals(TOTAL_FEN - 700, listed.getLong("suspense_fen"), listed.encode());
    assertEquals("alipay", listed.getString("channel"));
    assertEquals(200, resolve(finance, orderNo, "refund", reason("wrong amount")).status());

    assertEquals(null, listed(engine.as(Role.ADMIN).get("/api/v1/admin/attention").json(), orderNo));
    ApiCaller.Answer bad = finance.get("/api/v1/admin/attention?status=all");
    assertEquals(422, bad.status(), bad.text());
    assertEquals("application/problem+json", bad.contentType());
    assertTrue(bad.text().contains("\"status\""), bad.text());
  }

  private static JsonObject listed(JsonObject attention, String orderNo) {
    return attention.getJsonArray("exceptions").stream().map(JsonObject.class::cast)
        .filter(o -> o.getString("order_no").equals(orderNo)).findFirst().orElse(null);
  }

  @Test
  void aShortPaymentCannotBeAcceptedAndNothingChanges() {
    JsonObject order = orderPaidWrongly(-1);
    String orderNo = order.getString("order_no");
    long entries = engine.count("SELECT count(*) FROM journal_entry WHERE order_no = '" + orderNo + "'");

    ApiCaller.Answer answer = resolve(finance, orderNo, "accept", reason("close enough"));

    assertEquals(409, answer.status(), answer.text());
    assertEquals("application/problem+json", answer.contentType());
    assertTrue(answer.json().getString("detail").contains("does not cover the order total"), answer.text());
    assertEquals("EXCEPTION", status(orderNo));
    assertEquals(entries, engine.count("SELECT count(*) FROM journal_entry WHERE order_no = '" + orderNo + "'"));
    assertEquals(0, engine.count("SELECT count(*) FROM exception_resolution WHERE order_no = '" + orderNo + "'"));
    assertEquals(0, engine.count("SELECT count(*) FROM duplicate_refund WHERE order_no = '" + orderNo + "'"));
  }

  @Test
  void onlyAnOrderInExceptionIsResolvedAndAnUnknownOneIsNotFound() {
    JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("EXC-" + (++cases)).encode(),
        "exc-" + cases).json();
    ApiCaller.Answer open = resolve(finance, order.getString("order_no"), "accept", reason("r"));
    assertEquals(409, open.status(), open.text());
    assertEquals("OPEN", status(order.getString("order_no")));
    ApiCaller.Answer unknown = resolve(finance, "TF20991231000000999", "refund", reason("r"));
    assertEquals(404, unknown.status(), unknown.text());
    assertEquals("application/problem+json", unknown.contentType());
  }

  @Test
  void badInputIsRefusedWithAProblemNamingTheFieldAndChangesNothing() {
    JsonObject order = orderPaidWrongly(-300);
    String orderNo = order.getString("order_no");
    String[][] cases = {
        {orderNo, "{}", "reason"},
        {orderNo, "{\"reason\":\"   \"}", "reason"},
        {orderNo, "{\"reason\":\"" + "x".repeat(1_001) + "\"}", "reason"},
        {orderNo, "{\"reason\":\"line\\nbreak\"}", "reason"},
        {orderNo, "{\"reason\":7}", "reason"},
        {orderNo, "{\"reason\":\"ok\",\"amount_fen\":1}", "amount_fen"},
        {"not-an-order", "{\"reason\":\"ok\"}", "order_no"},
    };
    for (String[] c : cases) {
      for (String action : new String[] {"refund", "accept"}) {
        ApiCaller.Answer answer = resolve(finance, c[0], action, c[1]);
        assertEquals(422, answer.status(), c[1] + " " + answer.text());
        assertEquals("application/problem+json", answer.contentType());
        assertTrue(answer.text().contains("\"" + c[2] + "\""), answer.text());
      }
    }
    assertEquals(400, resolve(finance, orderNo, "refund", "{not json").status());
    assertEquals(400, resolve(finance, orderNo, "refund", "[]").status());
    assertEquals("EXCEPTION", status(orderNo));
    assertEquals(0, engine.count("SELECT count(*) FROM exception_resolution WHERE order_no = '" + orderNo + "'"));
  }

  @Test
  void theRegistrationSystemAndTheTaxAuthorityCannotResolveAnException() {
    JsonObject order = orderPaidWrongly(-500);
    String orderNo = order.getString("order_no");
    for (Role role : new Role[] {Role.REGISTRATION, Role.TAX}) {
      for (String action : new String[] {"refund", "accept"}) {
        ApiCaller.Answer answer = resolve(engine.as(role), orderNo, action, reason("let me"));
        assertEquals(403, answer.status(), role + " " + answer.text());
        assertEquals("application/problem+json", answer.contentType());
      }
    }
    for (Role role : new Role[] {Role.REGISTRATION, Role.TAX}) {
      ApiCaller.Answer list = engine.as(role).get("/api/v1/admin/attention");
      assertEquals(403, list.status(), role + " " + list.text());
    }
    assertEquals("EXCEPTION", status(orderNo));
    assertEquals(0, engine.count("SELECT count(*) FROM exception_resolution WHERE order_no = '" + orderNo + "'"));
    assertEquals(0, engine.count("SELECT count(*) FROM duplicate_refund WHERE order_no = '" + orderNo + "'"));
  }

  @Test
  void theEnginesDatabaseRoleCannotChangeOrRemoveAResolution() {
    JsonObject order = orderPaidWrongly(-900);
    String orderNo = order.getString("order_no");
    // Recorded by the engine, which serves as its own role: adding a resolution is allowed.
    assertEquals(200, resolve(finance, orderNo, "refund", reason("wrong amount; ticket 77")).status());
    Pool asEngine = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(engine.engine().database().connectOptions()).using(engine.engine().vertx()).build();
    try {
      for (String attack : new String[] {
          "UPDATE exception_resolution SET reason = 'nothing happened', resolved_by = 'someone-else'"
              + " WHERE order_no = '" + orderNo + "'",
          "DELETE FROM exception_resolution WHERE order_no = '" + orderNo + "'"}) {
        PgException refused = assertThrows(PgException.class, () -> Await.result(asEngine.query(attack).execute()),
            attack);
        assertEquals("42501", refused.getSqlState(), refused.getMessage());
      }
    } finally {
      Await.result(asEngine.close());
    }
    assertEquals(1, engine.count("SELECT count(*) FROM exception_resolution WHERE order_no = '" + orderNo
        + "' AND reason = 'wrong amount; ticket 77' AND resolved_by = '" + DemoClients.clientId(Role.FINANCE) + "'"));
  }

  /** Makes the Alipay sandbox refuse every refund (as when the merchant's balance is short). */
  private static void refuseRefunds() {
    faults(new JsonObject().put("refuse_refunds_percent", 100));
  }

  private static long kind(String orderNo, String kind) {
    return engine.count("SELECT count(*) FROM journal_entry WHERE kind = '" + kind + "' AND order_no = '"
        + orderNo + "'");
  }

  /** A person's REFUND, refused by the channel: the order is back in EXCEPTION, its payment in suspense. */
  private static JsonObject refundRefused(JsonObject order, long paidFen) {
    String orderNo = order.getString("order_no");
    refuseRefunds();
    ApiCaller.Answer first = resolve(finance, orderNo, "refund", reason("payer asked for it back"));
    assertEquals(200, first.status(), first.text());
    assertEquals(1, first.json().getInteger("attempt"));
    Await.until("the refusal handled", () -> engine.count("SELECT count(*) FROM exception_refund_refusal"
        + " WHERE order_no = '" + orderNo + "'") == 1);
    faults(new JsonObject());
    assertEquals("EXCEPTION", status(orderNo));
    assertEquals(-paidFen, balance(orderNo, "suspense"), "the payment is back in suspense");
    assertEquals(0, balance(orderNo, "refund:alipay"));
    return first.json();
  }

  @Test
  void aRefundTheChannelRefusesPutsTheOrderBackInExceptionAndASecondRefundGivesThePaymentBack() {
    JsonObject order = orderPaidWrongly(-100);
    String orderNo = order.getString("order_no");

    JsonObject first = refundRefused(order, TOTAL_FEN - 100);

    assertTrue(page(order).contains("Under review"), "the applicant is not told the payment was returned");
    assertEquals(1, engine.count("SELECT count(*) FROM exception_refund_refusal WHERE order_no = '" + orderNo
        + "' AND attempt = 1 AND out_refund_no = '" + first.getString("out_refund_no")
        + "' AND channel_reason LIKE 'ACQ.SELLER_BALANCE_NOT_ENOUGH%'"));
    assertEquals(1, engine.count("SELECT count(*) FROM outbox WHERE event_type = 'order.exception' AND order_no = '"
        + orderNo + "' AND payload->'refund_refused'->>'out_refund_no' = '" + first.getString("out_refund_no") + "'"));
    JsonObject attention = finance.get("/api/v1/admin/attention").json();
    assertEquals(TOTAL_FEN - 100, listed(attention, orderNo).getLong("suspense_fen"), "a person is asked again");
    assertFalse(attention.getJsonArray("refunds").encode().contains(first.getString("out_refund_no")),
        "listed once, as the exception it is again");

    ApiCaller.Answer second = resolve(engine.as(Role.ADMIN), orderNo, "refund", reason("balance topped up; ticket 9"));

    assertEquals(200, second.status(), second.text());
    assertEquals(2, second.json().getInteger("attempt"));
    assertEquals(DemoClients.clientId(Role.ADMIN), second.json().getString("resolved_by"));
    assertTrue(!first.getString("out_refund_no").equals(second.json().getString("out_refund_no")));
    Await.until("returned by the channel", () -> status(orderNo).equals("REFUNDED"));
    assertTrue(page(order).contains("This payment has been returned"), page(order));
    assertEquals(0, balance(orderNo, "suspense"));
    assertEquals(0, balance(orderNo, "refund:alipay"));
    assertEquals(0, balance(orderNo, "clearing:alipay"), "Alipay holds nothing for the order");
    assertEquals(2, kind(orderNo, "EXCEPTION_REFUND"));
    assertEquals(1, kind(orderNo, "EXCEPTION_REFUND_REFUSED"));
    assertEquals(1, kind(orderNo, "DUPLICATE_REFUND"), "the payment went back once");
    assertEquals(2, engine.count("SELECT count(*) FROM exception_resolution WHERE order_no = '" + orderNo + "'"));
    assertEquals(1, engine.count("SELECT count(*) FROM duplicate_refund WHERE status = 'FAILED' AND order_no = '"
        + orderNo + "'"), "the refused request is kept as it was");
    ApiCaller.Answer replay = resolve(finance, orderNo, "refund", reason("again"));
    assertEquals(200, replay.status(), replay.text());
    assertEquals(2, replay.json().getInteger("attempt"), "a replay returns the standing attempt");
    JsonObject invariants = engine.as(Role.ADMIN).get("/api/v1/admin/invariants").json();
    assertTrue(invariants.getBoolean("ok"), invariants.encode());
  }

  @Test
  void afterARefusedRefundAPersonMayAcceptTheOverpaymentInstead() {
    JsonObject order = orderPaidWrongly(250);
    String orderNo = order.getString("order_no");
    refundRefused(order, TOTAL_FEN + 250);

    ApiCaller.Answer accepted = resolve(engine.as(Role.ADMIN), orderNo, "accept", reason("payer prefers to keep it"));

    assertEquals(200, accepted.status(), accepted.text());
    assertEquals(2, accepted.json().getInteger("attempt"));
    assertEquals(250, accepted.json().getLong("returned_fen"));
    assertEquals("PAID", status(orderNo));
    assertTrue(page(order).contains("Paid: nothing more to pay"), page(order));
    Await.until("the excess given back", () -> engine.count("SELECT count(*) FROM duplicate_refund WHERE order_no = '"
        + orderNo + "' AND amount_fen = 250 AND status = 'SUCCEEDED'") == 1);
    assertEquals(0, balance(orderNo, "suspense"));
    assertEquals(0, balance(orderNo, "refund:alipay"));
    assertEquals(-1_500_000, balance(orderNo, "payee:TRE-341500"));
    assertEquals(-9_000, balance(orderNo, "payee:NTX-341500"));
    assertEquals(TOTAL_FEN, balance(orderNo, "clearing:alipay"), "Alipay holds exactly the order's total");
    JsonObject invariants = engine.as(Role.ADMIN).get("/api/v1/admin/invariants").json();
    assertTrue(invariants.getBoolean("ok"), invariants.encode());
  }

  @Test
  void evenTheDatabaseOwnerCannotChangeOrRemoveAResolutionOrARefusalNorRecordASecondStandingOne() {
    JsonObject order = orderPaidWrongly(-400);
    String orderNo = order.getString("order_no");
    refundRefused(order, TOTAL_FEN - 400);
    assertEquals(200, resolve(finance, orderNo, "refund", reason("second try")).status());

    for (String attack : new String[] {
        "UPDATE exception_resolution SET reason = 'nothing happened' WHERE order_no = '" + orderNo + "'",
        "DELETE FROM exception_resolution WHERE order_no = '" + orderNo + "'",
        "UPDATE exception_refund_refusal SET channel_reason = 'never refused' WHERE order_no = '" + orderNo + "'",
        "DELETE FROM exception_refund_refusal WHERE order_no = '" + orderNo + "'",
        "DELETE FROM exception_resolution WHERE false",
        "TRUNCATE exception_refund_refusal"}) {
      IllegalStateException refused = assertThrows(IllegalStateException.class,
          () -> TestDatabase.execute(engine.pgUrl(), attack), attack);
      assertTrue(refused.getMessage().contains("append-only"), refused.getMessage());
    }
    // Attempt 2 stands (its refund is not refused): a third attempt beside it is refused too.
    IllegalStateException second = assertThrows(IllegalStateException.class, () -> TestDatabase.execute(
        engine.pgUrl(), "INSERT INTO exception_resolution (order_no, attempt, action, channel, transaction_id,"
            + " amount_fen, returned_fen, resolved_by, reason, journal_entry_key) SELECT order_no, 3, 'ACCEPT',"
            + " channel, transaction_id, amount_fen, 0, 'someone', 'sneak', 'X' FROM exception_resolution"
            + " WHERE order_no = '" + orderNo + "' AND attempt = 1"));
    assertTrue(second.getMessage().contains("standing exception resolution"), second.getMessage());
    assertEquals(2, engine.count("SELECT count(*) FROM exception_resolution WHERE order_no = '" + orderNo
        + "' AND reason <> 'nothing happened'"));
    assertEquals(1, engine.count("SELECT count(*) FROM exception_refund_refusal WHERE order_no = '" + orderNo + "'"));
    Await.until("returned by the channel", () -> status(orderNo).equals("REFUNDED"));
  }

  private static ApiCaller.Answer retry(ApiCaller as, String refundNo, String body) {
    return as.post("/api/v1/admin/refunds/" + refundNo + "/retry", body, null);
  }

  @Test
  void aRefusedRefundOfAnAcceptedOverpaymentsExcessIsAskedAgainByAPersonAndGoesBackOnce() {
    JsonObject order = orderPaidWrongly(300);
    String orderNo = order.getString("order_no");
    refuseRefunds();
    ApiCaller.Answer accepted = resolve(finance, orderNo, "accept", reason("checked with the payer"));
    assertEquals(200, accepted.status(), accepted.text());
    String refused = accepted.json().getString("out_refund_no");
    Await.until("the excess refused", () -> engine.count("SELECT count(*) FROM duplicate_refund WHERE out_refund_no = '"
        + refused + "' AND status = 'FAILED'") == 1);
    faults(new JsonObject());
    assertTrue(finance.get("/api/v1/admin/attention").json().getJsonArray("refunds").encode().contains(refused),
        "a refused refund waits for a person");
    assertEquals(300, balance(orderNo, "refund:alipay") * -1, "the excess is still owed to the payer");

    ApiCaller.Answer again = retry(engine.as(Role.ADMIN), refused, reason("balance topped up; ticket 12"));

    assertEquals(200, again.status(), again.text());
    assertEquals(refused, again.json().getString("retried_refund_no"));
    assertEquals(DemoClients.clientId(Role.ADMIN), again.json().getString("retried_by"));
    String newRefundNo = again.json().getString("refund_no");
    Await.until("the excess given back", () -> engine.count("SELECT count(*) FROM duplicate_refund WHERE out_refund_no = '"
        + newRefundNo + "' AND amount_fen = 300 AND status = 'SUCCEEDED'") == 1);
    assertEquals(0, balance(orderNo, "refund:alipay"));
    assertEquals(TOTAL_FEN, balance(orderNo, "clearing:alipay"), "Alipay holds exactly the order's total");
    assertEquals(1, kind(orderNo, "DUPLICATE_REFUND"), "the excess went back once");
    assertEquals("PAID", status(orderNo));
    assertFalse(finance.get("/api/v1/admin/attention").json().getJsonArray("refunds").encode().contains(refused));
    ApiCaller.Answer replay = retry(finance, refused, reason("again"));
    assertEquals(200, replay.status(), replay.text());
    assertEquals(newRefundNo, replay.json().getString("refund_no"), "a replay returns the stored retry");
    ApiCaller.Answer done = retry(finance, newRefundNo, reason("once more"));
    assertEquals(409, done.status(), "a refund that succeeded is not asked again: " + done.text());
    assertEquals("application/problem+json", done.contentType());
    IllegalStateException edit = assertThrows(IllegalStateException.class, () -> TestDatabase.execute(engine.pgUrl(),
        "UPDATE duplicate_refund_retry SET retried_by = 'someone-else'"));
    assertTrue(edit.getMessage().contains("append-only"), edit.getMessage());
    JsonObject invariants = engine.as(Role.ADMIN).get("/api/v1/admin/invariants").json();
    assertTrue(invariants.getBoolean("ok"), invariants.encode());
  }

  @Test
  void aRetryIsRefusedForAnExceptionRefundAnUnknownRefundBadInputAndOtherRoles() {
    JsonObject order = orderPaidWrongly(-200);
    String orderNo = order.getString("order_no");
    String refused = refundRefused(order, TOTAL_FEN - 200).getString("out_refund_no");

    ApiCaller.Answer exception = retry(finance, refused, reason("try again"));
    assertEquals(409, exception.status(), exception.text());
    assertTrue(exception.json().getString("detail").contains("resolve the order"), exception.text());
    assertEquals(404, retry(finance, "DR999999999999", reason("r")).status());
    for (String[] c : new String[][] {
        {refused, "{}", "reason"},
        {refused, "{\"reason\":\"ok\",\"amount_fen\":1}", "amount_fen"},
        {"RF000000000001", "{\"reason\":\"ok\"}", "refund_no"}}) {
      ApiCaller.Answer bad = retry(finance, c[0], c[1]);
      assertEquals(422, bad.status(), bad.text());
      assertEquals("application/problem+json", bad.contentType());
      assertTrue(bad.text().contains("\"" + c[2] + "\""), bad.text());
    }
    for (Role role : new Role[] {Role.REGISTRATION, Role.TAX}) {
      assertEquals(403, retry(engine.as(role), refused, reason("let me")).status(), role.toString());
    }
    assertEquals(0, engine.count("SELECT count(*) FROM duplicate_refund_retry"
        + " WHERE retried_out_refund_no = '" + refused + "'"));
    assertEquals(1, engine.count("SELECT count(*) FROM duplicate_refund WHERE order_no = '" + orderNo + "'"),
        "nothing was asked of the channel");
    assertEquals("EXCEPTION", status(orderNo));
  }
}
