package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.clearing.client.Role;
import org.clearing.person.PersonRole;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A person's action and its audit row commit together: when the row cannot be written the action
 * does not land (an operator's cancel or refund), when the action's transaction fails at its commit
 * no row claims it, and a successful action leaves exactly one row, written by the action's own
 * transaction.
 */
class ConsoleActionAuditTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ConsoleFixture fixture;
  private static ApiCaller registration;
  private static ConsoleClient operator;
  private static String csrf;
  private static int cases;

  @BeforeAll
  static void start() throws Exception {
    fixture = new ConsoleFixture(engine);
    registration = engine.as(Role.REGISTRATION);
    String password = fixture.addSettledPerson("tx.operator", PersonRole.OPERATOR, "341522");
    operator = new ConsoleClient(engine.baseUrl());
    assertEquals(303, operator.signIn("tx.operator", password).statusCode());
    csrf = ConsoleClient.csrf(operator.get("/console/operator/orders").body());
    // A fault to plant per test: the audit row of one action refused by the database, as a full
    // disk or a broken constraint would refuse it.
    TestDatabase.execute(engine.pgUrl(), """
        CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.action = TG_ARGV[0] THEN
            RAISE EXCEPTION 'audit row of % refused by the test', NEW.action;
          END IF;
          RETURN NEW;
        END $$""");
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  @AfterEach
  void removeTheFaults() {
    TestDatabase.execute(engine.pgUrl(), "DROP TRIGGER IF EXISTS test_refuse_audit ON audit_event;"
        + " DROP TRIGGER IF EXISTS test_refuse_refund ON refund");
  }

  private static void refuseAuditRowsOf(String action) {
    TestDatabase.execute(engine.pgUrl(), "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_event"
        + " FOR EACH ROW EXECUTE FUNCTION test_refuse_audit('" + action + "')");
  }

  private static String openOrder() {
    int n = ++cases;
    ApiCaller.Answer created = registration.post("/api/v1/orders",
        OrderBodies.typical("TXA-" + n + "-" + System.nanoTime()).put("region", "341522").encode(),
        "txa-" + n + "-" + System.nanoTime());
    assertEquals(201, created.status(), created.text());
    return created.json().getString("order_no");
  }

  private static String status(String orderNo) {
    JsonObject order = registration.get("/api/v1/orders/" + orderNo).json();
    return order.getString("status");
  }

  private static long audits(String action, String orderNo, String outcome) {
    return engine.count("SELECT count(*) FROM audit_event WHERE login = 'tx.operator' AND action = '" + action
        + "' AND target = '" + orderNo + "' AND outcome = '" + outcome + "'");
  }

  private static HttpResponse<String> cancel(String orderNo) {
    return operator.post("/console/operator/orders/" + orderNo + "/cancel", "_csrf", csrf, "confirm", "yes");
  }

  private static HttpResponse<String> refund(String orderNo, String key) {
    return operator.post("/console/operator/orders/" + orderNo + "/refund", "_csrf", csrf,
        "line", "1", "reason", "缴款人申请撤件", "refund_key", key, "confirm", "yes");
  }

  @Test
  void aCancelWhoseAuditRowCannotBeWrittenDoesNotLand() {
    String orderNo = openOrder();
    refuseAuditRowsOf("order.cancel");

    HttpResponse<String> answer = cancel(orderNo);

    assertEquals(500, answer.statusCode(), answer.body());
    assertEquals("OPEN", status(orderNo), "the cancel rolled back with its audit row");
    assertEquals(0, audits("order.cancel", orderNo, "ok"));
  }

  @Test
  void aCancelAndItsAuditRowAreWrittenByOneTransaction() {
    String orderNo = openOrder();

    HttpResponse<String> answer = cancel(orderNo);

    assertEquals(303, answer.statusCode(), answer.body());
    assertEquals("CANCELLED", status(orderNo));
    assertEquals(1, audits("order.cancel", orderNo, "ok"));
    // xmin is the 32-bit id of the transaction that wrote the order's row; txid its 64-bit form.
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event a JOIN orders o ON o.order_no = a.target"
        + " WHERE a.action = 'order.cancel' AND a.target = '" + orderNo + "'"
        + " AND (a.txid::text::bigint % 4294967296) = o.xmin::text::bigint"));
  }

  @Test
  void aRefundWhoseAuditRowCannotBeWrittenIsNeverPlannedNorSentToTheChannel() throws Exception {
    String orderNo = fixture.paidOrder("341522");
    refuseAuditRowsOf("order.refund");

    HttpResponse<String> answer = refund(orderNo, "tx-refund-" + System.nanoTime());

    assertEquals(500, answer.statusCode(), answer.body());
    assertEquals(0, engine.count("SELECT count(*) FROM refund WHERE order_no = '" + orderNo + "'"));
    assertEquals("PAID", status(orderNo));
    assertEquals(0, audits("order.refund", orderNo, "ok"));
  }

  @Test
  void aRefundRefusedByTheDatabaseAtCommitLeavesNoRowClaimingItAndASuccessfulOneExactlyOne() throws Exception {
    String orderNo = fixture.paidOrder("341522");
    // The refund's insert passes, and the commit fails as a concurrent refund of the same line
    // would make it fail (a unique violation), after the audit row was written in the same transaction.
    TestDatabase.execute(engine.pgUrl(), """
        CREATE OR REPLACE FUNCTION test_refuse_refund() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'refund refused at commit by the test' USING ERRCODE = 'unique_violation';
        END $$;
        CREATE CONSTRAINT TRIGGER test_refuse_refund AFTER INSERT ON refund DEFERRABLE INITIALLY DEFERRED
          FOR EACH ROW EXECUTE FUNCTION test_refuse_refund()""");

    HttpResponse<String> refused = refund(orderNo, "tx-refund-a-" + System.nanoTime());

    assertEquals(409, refused.statusCode(), refused.body());
    assertEquals(0, engine.count("SELECT count(*) FROM refund WHERE order_no = '" + orderNo + "'"));
    assertEquals(0, audits("order.refund", orderNo, "ok"), "no row claims the refund that rolled back");
    assertEquals(1, audits("order.refund", orderNo, "refused"));

    removeTheFaults();
    HttpResponse<String> done = refund(orderNo, "tx-refund-b-" + System.nanoTime());

    assertEquals(303, done.statusCode(), done.body());
    assertEquals(1, engine.count("SELECT count(*) FROM refund WHERE order_no = '" + orderNo + "'"));
    assertEquals(1, audits("order.refund", orderNo, "ok"));
    assertTrue(engine.count("SELECT count(*) FROM audit_event a JOIN refund_line r ON r.order_no = a.target"
        + " WHERE a.action = 'order.refund' AND a.outcome = 'ok' AND a.target = '" + orderNo + "'"
        + " AND (a.txid::text::bigint % 4294967296) = r.xmin::text::bigint") >= 1,
        "the audit row was written by the transaction that planned the refund");
  }
}
