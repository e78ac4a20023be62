package org.clearing.recon.match;

// Proves each reconciliation class on small hand-written days: each discrepancy planted alone is
// found exactly, with both sides' amounts and references, and nothing else is reported.

import static org.clearing.channel.Channel.ALIPAY;
import static org.clearing.channel.Channel.UNIONPAY;
import static org.clearing.channel.Channel.WECHAT;
import static org.clearing.recon.match.Fixtures.NOON;
import static org.clearing.recon.match.Fixtures.at;
import static org.clearing.recon.match.Fixtures.paid;
import static org.clearing.recon.match.Fixtures.payment;
import static org.clearing.recon.match.Fixtures.refund;
import static org.clearing.recon.match.Fixtures.split;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.channel.StatementLine;
import org.clearing.recon.match.Fixtures.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconMatcherClassesTest {

  private static final String ORDER = "WTF202611270000000001";
  private static final String TX1 = "4200002026112700000001";
  private static final String TX2 = "4200002026112700000002";
  private static final String TREASURY = "1900000101";
  private static final String NON_TAX = "1900000102";
  private static final String UP_ORDER = "UTF202611270000000001";
  private static final String QUERY_ID = "772611271200000000001";
  private static final String UP_TREASURY = "898340100000101";
  private static final String UP_NON_TAX = "898340100000102";

  @TempDir Path temp;

  /** A WeChat combined payment of 600 + 400 fen: two sub-order rows. */
  private static List<StatementLine> wechatBill(long leg1Fen, long leg2Fen) {
    return new ArrayList<>(List.of(
        payment(WECHAT, ORDER + "L1", TX1, leg1Fen, 4, NOON),
        payment(WECHAT, ORDER + "L2", TX2, leg2Fen, 2, NOON)));
  }

  private static List<EngineRecord> wechatEngine() {
    return new ArrayList<>(List.of(
        paid(WECHAT, ORDER, TX1, 1000, NOON),
        EngineRecord.leg(WECHAT, ORDER, 1, TREASURY, 600, NOON),
        EngineRecord.leg(WECHAT, ORDER, 2, NON_TAX, 400, NOON)));
  }

  private static List<StatementLine> unionPayBill(long totalFen, String receiver1, long share1Fen,
      long share2Fen) {
    return new ArrayList<>(List.of(
        payment(UNIONPAY, UP_ORDER, QUERY_ID, totalFen, 6, NOON),
        split(UP_ORDER, QUERY_ID, "", receiver1, share1Fen, NOON),
        split(UP_ORDER, QUERY_ID, "", UP_NON_TAX, share2Fen, NOON)));
  }

  private static List<EngineRecord> unionPayEngine() {
    return new ArrayList<>(List.of(
        paid(UNIONPAY, UP_ORDER, QUERY_ID, 1000, NOON),
        EngineRecord.leg(UNIONPAY, UP_ORDER, 1, UP_TREASURY, 700, NOON),
        EngineRecord.leg(UNIONPAY, UP_ORDER, 2, UP_NON_TAX, 300, NOON)));
  }

  private Run run(Channel channel, List<StatementLine> lines, List<EngineRecord> records) {
    return Fixtures.run(Fixtures.options(channel, temp), lines, records);
  }

  @Test
  void aWechatCombinedPaymentThatAgreesIsMatchedWithEachLeg() {
    Run run = run(WECHAT, wechatBill(600, 400), wechatEngine());

    assertEquals(List.of(), run.notMatched());
    ReconItem payment = run.items().get(0);
    assertEquals(ItemKind.PAYMENT, payment.kind());
    assertEquals(ORDER, payment.outTradeNo());
    assertEquals(TX1, payment.transactionId());
    assertEquals(1000, payment.channelAmountFen());
    assertEquals(1000, payment.engineAmountFen());
    assertEquals(2, run.items().stream().filter(i -> i.kind() == ItemKind.LEG).count());
  }

  @Test
  void anEnginePaymentMissingFromTheBillAtNoonIsShort() {
    Run run = run(WECHAT, List.of(), wechatEngine());

    ReconItem item = run.only(ReconClass.SHORT);
    assertEquals(ItemKind.PAYMENT, item.kind());
    assertEquals(1000, item.engineAmountFen());
    assertEquals(0, item.channelLines());
    assertEquals(3, item.engineRecords(), "the legs are counted with their payment");
    assertEquals(1, run.items().size());
  }

  @Test
  void aBillPaymentUnknownToTheEngineIsLong() {
    Run run = run(WECHAT, wechatBill(600, 400), List.of());

    ReconItem item = run.only(ReconClass.LONG);
    assertEquals(1000, item.channelAmountFen());
    assertEquals(ORDER + "L1," + ORDER + "L2", item.channelReference());
    assertEquals(TX1, item.transactionId());
    assertEquals(1, run.items().size());
  }

  @Test
  void aBillPaymentOneFenOverIsAnAmountMismatchAndItsLegsAreNotJudged() {
    Run run = run(WECHAT, wechatBill(600, 401), wechatEngine());

    ReconItem item = run.only(ReconClass.AMOUNT_MISMATCH);
    assertEquals(1001, item.channelAmountFen());
    assertEquals(1000, item.engineAmountFen());
    assertTrue(item.reason().contains("1001") && item.reason().contains("1000"), item.reason());
    assertEquals(1, run.items().size());
  }

  @Test
  void aUnionPayPaymentOneFenShortCountsItsSplitLinesInTheSameItem() {
    Run run = run(UNIONPAY, unionPayBill(999, UP_TREASURY, 700, 300), unionPayEngine());

    ReconItem item = run.only(ReconClass.AMOUNT_MISMATCH);
    assertEquals(3, item.channelLines());
    assertEquals(3, item.engineRecords());
    assertEquals(1, run.items().size());
  }

  @Test
  void aPaymentRefundedAtTheChannelOnlyIsAStatusMismatchOfTheRefund() {
    List<StatementLine> bill = wechatBill(600, 400);
    bill.add(refund(WECHAT, ORDER + "L1", TX1, "RF1L1", 600, 4, at(15, 0)));
    bill.add(refund(WECHAT, ORDER + "L2", TX2, "RF1L2", 400, 2, at(15, 0)));

    Run run = run(WECHAT, bill, wechatEngine());

    ReconItem item = run.only(ReconClass.STATUS_MISMATCH);
    assertEquals(ItemKind.REFUND, item.kind());
    assertEquals("RF1", item.key(), "the per-leg refund numbers are one refund");
    assertEquals(-1000, item.channelAmountFen());
    assertEquals(2, item.channelLines());
    assertEquals(0, item.engineRecords());
    assertEquals(1, run.notMatched().size());
  }

  @Test
  void aRefundTheEngineStillHasInFlightIsAStatusMismatchOnceTheChannelShowsIt() {
    List<StatementLine> bill = List.of(refund(ALIPAY, "ATF1", "2026112722001", "RF1", 500, 3, NOON));
    List<EngineRecord> engine = List.of(EngineRecord.refund(ALIPAY, "ATF1", "2026112722001", "RF1",
        500, EngineRecord.Status.PENDING, NOON));

    Run run = run(ALIPAY, bill, engine);

    ReconItem item = run.only(ReconClass.STATUS_MISMATCH);
    assertTrue(item.reason().contains("PENDING"), item.reason());
    assertEquals(-500, item.engineAmountFen());
  }

  @Test
  void aRefundOfADifferentAmountIsAnAmountMismatchOfTheRefund() {
    List<StatementLine> bill = List.of(refund(ALIPAY, "ATF1", "2026112722001", "RF1", 499, 3, NOON));
    List<EngineRecord> engine = List.of(EngineRecord.refund(ALIPAY, "ATF1", "2026112722001", "RF1",
        500, EngineRecord.Status.SUCCEEDED, NOON));

    ReconItem item = run(ALIPAY, bill, engine).only(ReconClass.AMOUNT_MISMATCH);

    assertEquals(ItemKind.REFUND, item.kind());
    assertEquals(-499, item.channelAmountFen());
    assertEquals(-500, item.engineAmountFen());
  }

  @Test
  void aRefundTheEngineMadeButTheBillLacksIsShort() {
    List<EngineRecord> engine = List.of(EngineRecord.refund(ALIPAY, "ATF1", "2026112722001", "RF1",
        500, EngineRecord.Status.SUCCEEDED, NOON));

    ReconItem item = run(ALIPAY, List.of(), engine).only(ReconClass.SHORT);

    assertEquals(ItemKind.REFUND, item.kind());
  }

  @Test
  void aRefundThatFailedInTheEngineAndIsAbsentFromTheBillIsMatched() {
    List<EngineRecord> engine = List.of(EngineRecord.refund(ALIPAY, "ATF1", "2026112722001", "RF1",
        500, EngineRecord.Status.FAILED, NOON));

    assertEquals(List.of(), run(ALIPAY, List.of(), engine).notMatched());
  }

  @Test
  void aWechatLegSettledOneFenShortWithTheTotalRightIsASplitMismatchOfBothLegs() {
    Run run = run(WECHAT, wechatBill(599, 401), wechatEngine());

    List<ReconItem> splits = run.of(ReconClass.SPLIT_MISMATCH);
    assertEquals(2, splits.size());
    assertEquals("1", splits.get(0).key());
    assertEquals(599, splits.get(0).channelAmountFen());
    assertEquals(600, splits.get(0).engineAmountFen());
    assertEquals(401, splits.get(1).channelAmountFen());
    assertEquals(ItemKind.PAYMENT, run.only(ReconClass.MATCHED).kind());
  }

  @Test
  void aUnionPayShareSentToAnotherReceiverIsASplitMismatchForBothReceivers() {
    Run run = run(UNIONPAY, unionPayBill(1000, "898340100000199", 700, 300), unionPayEngine());

    List<ReconItem> splits = run.of(ReconClass.SPLIT_MISMATCH);
    assertEquals(2, splits.size());
    assertEquals(UP_TREASURY, splits.get(0).key());
    assertEquals(0, splits.get(0).channelAmountFen());
    assertEquals(700, splits.get(0).engineAmountFen());
    assertEquals("898340100000199", splits.get(1).key());
    assertEquals(700, splits.get(1).channelAmountFen());
    assertEquals(0, splits.get(1).engineAmountFen());
    assertEquals(2, run.of(ReconClass.MATCHED).size(), "the payment and the other leg");
  }

  @Test
  void aUnionPayLegSettledShortIsASplitMismatchEvenThoughThePaymentAgrees() {
    Run run = run(UNIONPAY, unionPayBill(1000, UP_TREASURY, 699, 300), unionPayEngine());

    ReconItem item = run.only(ReconClass.SPLIT_MISMATCH);
    assertEquals(699, item.channelAmountFen());
    assertEquals(700, item.engineAmountFen());
    assertEquals(1, item.channelLines());
  }

  @Test
  void twoEnginePaymentsForOneChannelTransactionAreADuplicate() {
    List<EngineRecord> engine = wechatEngine();
    engine.add(paid(WECHAT, ORDER, TX1, 1000, NOON));

    Run run = run(WECHAT, wechatBill(600, 400), engine);

    ReconItem item = run.only(ReconClass.DUPLICATE);
    assertEquals(ItemKind.PAYMENT, item.kind());
    assertEquals(1, item.engineRecords());
    assertEquals(1000, item.engineAmountFen());
    assertTrue(item.reason().contains("twice"), item.reason());
    assertEquals(1, run.notMatched().size());
  }

  @Test
  void theSameBillLineTwiceIsADuplicateAndTheRestStillMatches() {
    List<StatementLine> bill = unionPayBill(1000, UP_TREASURY, 700, 300);
    bill.add(bill.get(0));

    Run run = run(UNIONPAY, bill, unionPayEngine());

    ReconItem item = run.only(ReconClass.DUPLICATE);
    assertEquals(1000, item.channelAmountFen());
    assertEquals(1, item.channelLines());
    assertEquals(1, run.notMatched().size());
  }

  @Test
  void aPaymentTheEngineHasAsFailedButTheChannelPaidIsAStatusMismatch() {
    List<EngineRecord> engine = List.of(EngineRecord.payment(ALIPAY, "ATF1", "2026112722001", 500,
        EngineRecord.Status.FAILED, NOON));
    List<StatementLine> bill = List.of(payment(ALIPAY, "ATF1", "2026112722001", 500, 3, NOON));

    assertEquals("paid at the channel, FAILED in the engine",
        run(ALIPAY, bill, engine).only(ReconClass.STATUS_MISMATCH).reason());
  }

  @Test
  void alipayLegsAreCountedWithTheirMatchedPaymentBecauseTheBillDoesNotShowThem() {
    List<EngineRecord> engine = List.of(paid(ALIPAY, "ATF1", "2026112722001", 1000, NOON),
        EngineRecord.leg(ALIPAY, "ATF1", 1, "2088000000000101", 700, NOON),
        EngineRecord.leg(ALIPAY, "ATF1", 2, "2088000000000102", 300, NOON));
    List<StatementLine> bill = List.of(payment(ALIPAY, "ATF1", "2026112722001", 1000, 6, NOON));

    Run run = run(ALIPAY, bill, engine);

    assertEquals(1, run.items().size());
    assertEquals(3, run.only(ReconClass.MATCHED).engineRecords());
  }

  @Test
  void aUnionPayRefundWithItsSplitLinesIsOneMatchedRefund() {
    List<StatementLine> bill = unionPayBill(1000, UP_TREASURY, 700, 300);
    bill.add(refund(UNIONPAY, UP_ORDER, QUERY_ID, "RF1", 1000, 6, at(14, 0)));
    bill.add(split(UP_ORDER, QUERY_ID, "RF1", UP_TREASURY, -700, at(14, 0)));
    bill.add(split(UP_ORDER, QUERY_ID, "RF1", UP_NON_TAX, -300, at(14, 0)));
    List<EngineRecord> engine = unionPayEngine();
    engine.add(EngineRecord.refund(UNIONPAY, UP_ORDER, QUERY_ID, "RF1", 1000,
        EngineRecord.Status.SUCCEEDED, at(14, 0)));

    Run run = run(UNIONPAY, bill, engine);

    assertEquals(List.of(), run.notMatched());
    ReconItem refund = run.items().stream().filter(i -> i.kind() == ItemKind.REFUND).findFirst()
        .orElseThrow();
    assertEquals(-1000, refund.channelAmountFen(), "split lines are not added to the refund twice");
    assertEquals(3, refund.channelLines());
  }

  @Test
  void aSingleLegWechatOrderIsAPlainOrderWithoutSuffix() {
    List<StatementLine> bill = List.of(payment(WECHAT, ORDER, TX1, 1000, 6, NOON));
    List<EngineRecord> engine = List.of(paid(WECHAT, ORDER, TX1, 1000, NOON),
        EngineRecord.leg(WECHAT, ORDER, 1, TREASURY, 1000, NOON));

    Run run = run(WECHAT, bill, engine);

    assertEquals(List.of(), run.notMatched());
    assertEquals(2, run.items().size());
  }

  @Test
  void feesAreSummedForTheDayAndNeverMakeADiscrepancy() {
    List<StatementLine> bill = wechatBill(600, 400);
    bill.add(payment(WECHAT, "WTF202611270000000002", "4200002026112700000003", 2000, 12, NOON));
    bill.add(refund(WECHAT, "WTF202611270000000002", "4200002026112700000003", "RF2", 2000, 12,
        at(13, 0)));
    List<EngineRecord> engine = wechatEngine();
    engine.add(paid(WECHAT, "WTF202611270000000002", "4200002026112700000003", 2000, NOON));
    engine.add(EngineRecord.leg(WECHAT, "WTF202611270000000002", 1, TREASURY, 2000, NOON));
    engine.add(EngineRecord.refund(WECHAT, "WTF202611270000000002", "4200002026112700000003",
        "RF2", 2000, EngineRecord.Status.SUCCEEDED, at(13, 0)));

    Run run = run(WECHAT, bill, engine);

    assertEquals(List.of(), run.notMatched());
    assertEquals(4 + 2 + 12, run.summary().paymentFeeFen());
    assertEquals(-12, run.summary().refundFeeFen());
    assertEquals(6, run.summary().feeFen());
  }

  @Test
  void aSecondEnginePaymentUnderAnotherTransactionIdIsADuplicateOfTheOrder() {
    List<EngineRecord> engine = List.of(paid(ALIPAY, "ATF1", "T1", 500, NOON),
        paid(ALIPAY, "ATF1", "T2", 500, NOON));
    List<StatementLine> bill = List.of(payment(ALIPAY, "ATF1", "T1", 500, 3, NOON));

    Run run = run(ALIPAY, bill, engine);

    ReconItem item = run.only(ReconClass.DUPLICATE);
    assertEquals("T2", item.transactionId(), "the engine payment the channel does not know");
    assertEquals("a second engine payment for this out_trade_no", item.reason());
    assertEquals("T1", run.only(ReconClass.MATCHED).transactionId());
  }

  @Test
  void aSecondChannelTransactionForOneOutTradeNoIsADuplicate() {
    List<StatementLine> bill = List.of(payment(ALIPAY, "ATF1", "T1", 500, 3, NOON),
        payment(ALIPAY, "ATF1", "T9", 500, 3, NOON));

    Run run = run(ALIPAY, bill, List.of(paid(ALIPAY, "ATF1", "T1", 500, NOON)));

    assertEquals("T9", run.only(ReconClass.DUPLICATE).transactionId());
    assertEquals(1, run.of(ReconClass.MATCHED).size());
  }

  @Test
  void legsWithoutAnyPaymentOnEitherSideAreReportedNotDropped() {
    List<StatementLine> bill = List.of(split(UP_ORDER, QUERY_ID, "", UP_TREASURY, 700, NOON));
    List<EngineRecord> engine = List.of(EngineRecord.leg(UNIONPAY, UP_ORDER, 1, UP_TREASURY, 700,
        NOON));

    Run run = run(UNIONPAY, bill, engine);

    assertEquals(ItemKind.LEG, run.only(ReconClass.LONG).kind());
    assertEquals(ItemKind.LEG, run.only(ReconClass.SHORT).kind());
  }

  @Test
  void summaryTotalsAddUpPerClassAndKind() {
    List<StatementLine> bill = wechatBill(599, 401);
    bill.add(payment(WECHAT, "WTF9", "42009", 50, 0, NOON));

    ReconSummary summary = run(WECHAT, bill, wechatEngine()).summary();

    assertEquals(1, summary.items(ReconClass.LONG));
    assertEquals(50, summary.byClass().get(ReconClass.LONG).channelFen());
    assertEquals(2, summary.items(ItemKind.LEG, ReconClass.SPLIT_MISMATCH));
    assertEquals(1, summary.items(ItemKind.PAYMENT, ReconClass.MATCHED));
    assertEquals(3, summary.discrepancies());
    assertEquals(0, summary.tempFilesCreated(), "a small day is sorted in memory");
  }
}
