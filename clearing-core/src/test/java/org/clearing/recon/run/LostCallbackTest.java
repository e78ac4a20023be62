package org.clearing.recon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

// Proves that a callback the channel never delivered is found by the daily run in the channel's
// own bill, verified by query and booked once (inbox source BILL), and that re-running books nothing.
class LostCallbackTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ReconBench bench;

  @BeforeAll
  static void start() throws Exception {
    bench = new ReconBench(engine.get());
  }

  @AfterAll
  static void stop() throws Exception {
    bench.close();
  }

  @Test
  void theDailyJobRunsEachChannelOfTheDayOnceAndLeavesFinishedOrFailedDaysAlone() throws Exception {
    LocalDate day = LocalDate.now(ZoneOffset.ofHours(8)).minusDays(3);

    List<ReconciliationRun.Result> first = Await.result(bench.run.runDue(day));
    List<ReconciliationRun.Result> second = Await.result(bench.run.runDue(day));

    assertEquals(3, bench.count("SELECT count(*) FROM recon_run WHERE business_date = '" + day
        + "' AND status IN ('DONE', 'FAILED')"), "every channel was run: " + first);
    assertEquals(List.of(), second, "a done or just failed day is not run again at once");
  }

  @ParameterizedTest
  @EnumSource(Channel.class)
  void aDroppedCallbackIsHealedByTheDailyRunAndARerunBooksNothingTwice(Channel channel) throws Exception {
    bench.setFaults(channel, new JsonObject().put("drop_percent", 100));
    String orderNo = bench.newOrder();
    bench.pay(channel, orderNo);
    Thread.sleep(300);
    assertEquals("OPEN", bench.text("SELECT status FROM orders WHERE order_no = '" + orderNo + "'"),
        "the callback was dropped");
    bench.setFaults(channel, new JsonObject());
    LocalDate today = LocalDate.now(ZoneOffset.ofHours(8));

    ReconciliationRun.Result first = Await.result(bench.run.run(today, channel));

    assertEquals(1, first.autoBooked(), first.toString());
    assertEquals(0, first.openItems(), first.toString());
    assertEquals("PAID", bench.text("SELECT status FROM orders WHERE order_no = '" + orderNo + "'"));
    assertEquals("BILL", bench.text("SELECT source FROM channel_inbox WHERE kind = 'PAYMENT' AND order_no = '"
        + orderNo + "'"));
    assertEquals(1, bench.count("SELECT count(*) FROM recon_item WHERE run_id = " + first.runId()
        + " AND class = 'LONG' AND resolution_status = 'AUTO' AND resolution_action = 'BOOK_PAYMENT'"));

    ReconciliationRun.Result second = Await.result(bench.run.run(today, channel));

    assertEquals(first.runId(), second.runId(), "one run per day and channel");
    assertEquals(0, second.autoBooked());
    assertEquals(0, second.openItems(), second.toString());
    assertEquals(0, second.summary().discrepancies(), "now the bill and the engine agree");
    assertEquals(1, bench.count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"));
    assertEquals(1, bench.count("SELECT count(*) FROM journal_entry WHERE kind <> 'SETTLEMENT' AND order_no = '"
        + orderNo + "'"), "the payment is booked once");
    assertEquals(1, bench.count("SELECT count(*) FROM recon_item WHERE run_id = " + first.runId()
        + " AND kind = 'PAYMENT' AND class = 'MATCHED' AND resolution_status = 'AUTO'"),
        "the healed item keeps its resolution across the re-run");
    assertEquals(0, bench.count("SELECT count(*) FROM recon_account WHERE run_id = " + first.runId()
        + " AND expected_fen <> settled_fen"), "every account got what the engine expects");
    assertEquals(2, bench.count("SELECT count(*) FROM recon_account WHERE run_id = " + first.runId()));
  }
}
