package org.clearing.recon.match;

// Proves how bill lines are keyed per channel: WeChat sub-order and per-leg refund suffixes are
// stripped to the engine's numbers (as the WeChat adapter's lines carry them), other channels'
// numbers are taken as printed.

import static org.clearing.recon.match.Fixtures.NOON;
import static org.clearing.recon.match.Fixtures.payment;
import static org.clearing.recon.match.Fixtures.refund;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.clearing.channel.BillSplit;
import org.clearing.channel.Channel;
import org.clearing.channel.StatementLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChannelKeysTest {

  @ParameterizedTest
  @CsvSource({
      "WTF202611270000000001L1, WTF202611270000000001, 1",
      "WTF202611270000000001L10, WTF202611270000000001, 10",
      "WTF202611270000000001, WTF202611270000000001, 1",
      "WTF2026L123, WTF2026L123, 1",
      "L1, L1, 1",
      "WTF2026Lx1, WTF2026Lx1, 1",
      "WTF2026L, WTF2026L, 1"
  })
  void wechatSubOrderNumbersLoseOnlyAShortLegSuffix(String printed, String group, int legNo) {
    StatementLine line = payment(Channel.WECHAT, printed, "4200", 100, 0, NOON);

    assertEquals(group, ChannelKeys.of(Channel.WECHAT).groupKey(line));
    assertEquals(legNo, ChannelKeys.of(Channel.WECHAT).legNo(line));
  }

  @Test
  void wechatPerLegRefundNumbersBecomeTheEngineRefundNumber() {
    StatementLine line = refund(Channel.WECHAT, "WTF1L2", "4200", "RF77L2", 100, 0, NOON);

    assertEquals("RF77", ChannelKeys.of(Channel.WECHAT).refundKey(line));
    assertEquals("WTF1", ChannelKeys.of(Channel.WECHAT).groupKey(line));
  }

  @Test
  void alipayAndUnionPayNumbersAreTakenAsPrinted() {
    StatementLine alipay = refund(Channel.ALIPAY, "ATF1L2", "2026", "RF1L2", 100, 0, NOON);
    StatementLine unionPay = refund(Channel.UNIONPAY, "UTF1L2", "7711", "RF1L2", 100, 0, NOON);

    assertEquals("ATF1L2", ChannelKeys.of(Channel.ALIPAY).groupKey(alipay));
    assertEquals("RF1L2", ChannelKeys.of(Channel.ALIPAY).refundKey(alipay));
    assertEquals("UTF1L2", ChannelKeys.of(Channel.UNIONPAY).groupKey(unionPay));
    assertEquals(0, ChannelKeys.of(Channel.UNIONPAY).legNo(unionPay));
  }

  @Test
  void eachChannelSaysWhereItsBillShowsTheLegs() {
    assertEquals(BillSplit.BY_LEG_NO, ChannelKeys.of(Channel.WECHAT).billSplit());
    assertEquals(BillSplit.NONE, ChannelKeys.of(Channel.ALIPAY).billSplit());
    assertEquals(BillSplit.BY_RECEIVER, ChannelKeys.of(Channel.UNIONPAY).billSplit());
  }
}
