package org.clearing.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.clearing.channel.wechat.WechatAdapter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our numbers at the channels are formed and read back in one place: an order's number per
 * channel, and WeChat's parts of a combined payment or refund, of which only a suffix of L and one
 * or two digits counts; anything else, and any other channel's number, is whole (leg 0).
 */
class OutTradeNumbersTest {

  @ParameterizedTest
  @CsvSource({
      "WTF202611270000000001L1, WTF202611270000000001, 1",
      "WTF202611270000000001L10, WTF202611270000000001, 10",
      "WTF202611270000000001, WTF202611270000000001, 0",
      "WTF2026L123, WTF2026L123, 0",
      "L1, L1, 0",
      "WTF2026Lx1, WTF2026Lx1, 0",
      "WTF2026L, WTF2026L, 0",
      "RF000000000012L3, RF000000000012, 3",
      "RF000000000012, RF000000000012, 0",
      "DR000000000040L1, DR000000000040, 1"
  })
  void aWechatNumberIsReadAsItsParentAndLeg(String printed, String parent, int legNo) {
    assertEquals(parent, OutTradeNumbers.parent(Channel.WECHAT, printed));
    assertEquals(legNo, OutTradeNumbers.legNo(Channel.WECHAT, printed));
  }

  @ParameterizedTest
  @CsvSource({"ALIPAY, ATF1L2", "UNIONPAY, UTF1L2", "ALIPAY, RF000000000012L3"})
  void otherChannelsNumbersAreWhole(Channel channel, String printed) {
    assertEquals(printed, OutTradeNumbers.parent(channel, printed));
    assertEquals(0, OutTradeNumbers.legNo(channel, printed));
    assertThrows(IllegalArgumentException.class, () -> OutTradeNumbers.part(channel, printed, 1));
  }

  @Test
  void aPartIsNumberedAsTheWechatAdapterSendsItAndReadsBack() {
    String part = OutTradeNumbers.part(Channel.WECHAT, "WTF202611270000000001", 7);

    assertEquals("WTF202611270000000001L7", part);
    assertEquals(part, WechatAdapter.subOrderNo("WTF202611270000000001", 7));
    assertEquals("WTF202611270000000001", OutTradeNumbers.parent(Channel.WECHAT, part));
    assertEquals(7, OutTradeNumbers.legNo(Channel.WECHAT, part));
  }

  @Test
  void anOrdersNumberCarriesItsChannelsPrefixAndComesBackOnlyFromThatChannel() {
    assertEquals("WTF1", OutTradeNumbers.of(Channel.WECHAT, "TF1"));
    assertEquals("ATF1", OutTradeNumbers.of(Channel.ALIPAY, "TF1"));
    assertEquals("UTF1", OutTradeNumbers.of(Channel.UNIONPAY, "TF1"));
    assertEquals(Optional.of("TF1"), OutTradeNumbers.orderNo(Channel.ALIPAY, "ATF1"));
    assertEquals(Optional.empty(), OutTradeNumbers.orderNo(Channel.WECHAT, "ATF1"));
    assertEquals(Optional.empty(), OutTradeNumbers.orderNo(Channel.WECHAT, "W"));
    assertEquals(Optional.empty(), OutTradeNumbers.orderNo(Channel.WECHAT, null));
  }

  @Test
  void aMissingNumberIsStillRefusedByTheRecordThatNeedsIt() {
    assertEquals(null, OutTradeNumbers.parent(Channel.WECHAT, null));
    NullPointerException missing = assertThrows(NullPointerException.class, () -> new StatementLine(Channel.WECHAT,
        StatementLine.Kind.PAYMENT, java.time.LocalDate.of(2026, 12, 1), null, "4200", "", Money.ofFen(1),
        Money.ZERO, "", java.time.Instant.EPOCH));
    assertEquals("outTradeNo", missing.getMessage());
  }

  @Test
  void aLegNumberBelowOneIsABug() {
    assertThrows(IllegalArgumentException.class, () -> OutTradeNumbers.part(Channel.WECHAT, "WTF1", 0));
  }
}
