package org.clearing.recon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.recon.match.ReconClass;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

// Measures a day of N WeChat orders (two legs each, 2N bill lines, 3N engine records) with a few
// planted discrepancies: the run's time and heap, and that exactly the planted ones are found.
// Not part of the suite: run with -Drecon.scale=200000 -Dtest=ReconScaleCheck.
@EnabledIfSystemProperty(named = "recon.scale", matches = "[0-9]+")
class ReconScaleCheck {

  @Test
  void aLargeDayIsReconciledWithinBoundsAndFindsExactlyWhatWasPlanted() throws Exception {
    int orders = Integer.parseInt(System.getProperty("recon.scale"));
    try (ReconBench bench = new ReconBench()) {
      bench.engine.skipInvariantCheck(); // the orders are inserted as data, without their journal
      String pg = bench.engine.pgUrl();
      TestDatabase.execute(pg, """
          INSERT INTO orders (order_no, client_id, idempotency_key, request_hash, case_no, region, payer_name,
                              payer_id_cipher, payer_id_masked, total_fen, status, qr_token, expires_at,
                              paid_channel, paid_transaction_id, paid_at)
          SELECT 'SC' || lpad(i::text, 18, '0'), 'scale', 'k' || i, '\\x00', 'C' || i, '341500', 'x', '\\x00',
                 'x', 3000, 'PAID', 'tok' || i, now() + interval '1 day', 'wechat', 'T' || i,
                 now() - interval '10 minutes'
          FROM generate_series(1, %d) i;
          INSERT INTO leg (order_no, leg_no, payee_account_id, amount_fen, status)
          SELECT order_no, 1, 'TRE-341500', 1000, 'PAID' FROM orders WHERE client_id = 'scale'
          UNION ALL SELECT order_no, 2, 'NTX-341500', 2000, 'PAID' FROM orders WHERE client_id = 'scale';
          INSERT INTO channel_order (order_no, channel, out_trade_no, flow, status)
          SELECT order_no, 'wechat', 'W' || order_no, 'IN_APP', 'PAID' FROM orders WHERE client_id = 'scale';
          INSERT INTO channel_inbox (channel, kind, event_key, order_no, out_trade_no, transaction_id, amount_fen,
                                     outcome, source, event_id, occurred_at)
          SELECT 'wechat', 'PAYMENT', paid_transaction_id, order_no, 'W' || order_no, paid_transaction_id, 3000,
                 'APPLIED', 'CALLBACK', 'e' || order_no, paid_at FROM orders WHERE client_id = 'scale';
          ANALYZE;
          """.formatted(orders));
      Instant paidAt = Instant.now().minusSeconds(600);
      List<BillFixtures.Payment> payments = new ArrayList<>(orders);
      int omitted = 0;
      int offByOne = 0;
      for (int i = 1; i <= orders; i++) {
        if (i % 50_000 == 7) {
          omitted++;
          continue;
        }
        long delta = i % 50_000 == 11 ? 1 : 0;
        offByOne += (int) delta;
        payments.add(new BillFixtures.Payment("WSC" + String.format("%018d", i), "T" + i, paidAt, List.of(
            new BillFixtures.Leg(1, "1900000101", 1000 + delta), new BillFixtures.Leg(2, "1900000102", 2000))));
      }
      LocalDate today = LocalDate.now(ZoneOffset.ofHours(8));
      Path bill = BillFixtures.write(Channel.WECHAT, today, payments, List.of());
      payments = null;
      System.gc();
      var memory = ManagementFactory.getMemoryMXBean();
      long heapBefore = memory.getHeapMemoryUsage().getUsed();
      long startNs = System.nanoTime();

      ReconciliationRun.Result result = ReconBench.await(bench.run.runUploaded(today, Channel.WECHAT, bill));

      long ms = (System.nanoTime() - startNs) / 1_000_000;
      System.out.printf("scale check: %d orders, %d bill lines, %d engine records, %d items in %d ms"
              + " (%d lines/s); heap used before %d MB, now %d MB, max %d MB; bill %d MB%n",
          orders, result.summary().channelLines(), result.summary().engineRecords(), result.items(), ms,
          result.summary().channelLines() * 1000 / Math.max(1, ms), heapBefore >> 20,
          memory.getHeapMemoryUsage().getUsed() >> 20, Runtime.getRuntime().maxMemory() >> 20,
          Files.size(bill) >> 20);
      assertEquals(omitted, result.summary().items(ReconClass.SHORT));
      assertEquals(offByOne, result.summary().items(ReconClass.AMOUNT_MISMATCH));
      assertEquals(omitted + offByOne, result.summary().discrepancies());
      Files.delete(bill);
    }
  }
}
