package org.clearing.channel.wechat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.StatementLine;
import org.clearing.channel.StatementLine.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The trade bill writer produces WeChat's ALL format byte for byte, the parser reads it and the
 * real sample of WeChat Pay's documentation back exactly, and any line off the format is refused by number.
 */
class WechatTradeBillTest {

  static final String HEADER = WechatTradeBillWriter.DETAIL_HEADER;
  static final String SAMPLE_ROW =
      "`2022-03-21 13:51:31,`wxfdc955f7104ad557,`180023671,`176531292,`,`420000612032130748613220688,"
          + "`2021WERUN1647840687637,`oZWaCKXip5njeEiloC4oeOV1TTsk,`JSAPI,`SUCCESS,`OTHERS,`CNY,`0.01,"
          + "`0.00,`0,`0,`0.00,`0.00,`,`,`微信云托管支付测试,`,`0.00000,`0.90%,`0.01,`0.00,`";
  static final String SUMMARY_HEADER = WechatTradeBillWriter.SUMMARY_HEADER;
  static final String SAMPLE_SUMMARY = "`12,`0.06,`0.06,`0.00,`0.00000,`0.06,`0.06";

  static final LocalDateTime T = LocalDateTime.parse("2025-01-01T09:15:02");

  static List<WechatTradeBillRow> rows() {
    return List.of(
        WechatTradeBillRow.payment(T, "wxd678efh567hg6787", "1900000001",
            "4200000000202501010000000001", "BDC20250101A", "oUser1", "NATIVE",
            Money.ofFen(1234500), Money.ofFen(7407), 60, "契税,登记费", "order-1"),
        WechatTradeBillRow.payment(T.plusHours(14).plusMinutes(44).plusSeconds(57), "wxd678efh567hg6787",
            "1900000001", "4200000000202501010000000002", "BDC20250101B", "oUser2", "JSAPI",
            Money.ofFen(8000), Money.ofFen(48), 60, "不动产登记费", ""),
        WechatTradeBillRow.refund(T.plusHours(2), "wxd678efh567hg6787", "1900000001",
            "4200000000202412310000000009", "BDC20241231Z", "oUser3", "NATIVE",
            Money.ofFen(10000), "50300000000202501010000000001", "RF20250101A",
            Money.ofFen(10000), Money.ofFen(-60), 60, "契税", ""));
  }

  static byte[] write(List<WechatTradeBillRow> rows) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    WechatTradeBillWriter.write(out, rows.iterator());
    return out.toByteArray();
  }

  static List<StatementLine> readAll(WechatTradeBillParser parser) {
    List<StatementLine> lines = new ArrayList<>();
    parser.forEachRemaining(lines::add);
    return lines;
  }

  static WechatTradeBillParser parser(String text) {
    return new WechatTradeBillParser(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  static String bill(String... lines) {
    return "\uFEFF" + String.join("\r\n", lines) + "\r\n";
  }

  @Test
  void theWriterProducesBomCrlfBacktickedFieldsAndTheSummary() {
    String text = new String(write(rows()), StandardCharsets.UTF_8);
    assertTrue(text.startsWith("\uFEFF交易时间,公众账号ID,"));
    assertFalse(text.replace("\r\n", "").contains("\n"));
    String[] lines = text.substring(1).split("\r\n", -1);
    assertEquals(7, lines.length);
    assertEquals(HEADER, lines[0]);
    assertEquals("`2025-01-01 09:15:02,`wxd678efh567hg6787,`1900000001,`0,`,"
        + "`4200000000202501010000000001,`BDC20250101A,`oUser1,`NATIVE,`SUCCESS,`OTHERS,`CNY,"
        + "`12345.00,`0.00,`0,`0,`0.00,`0.00,`,`,`契税,登记费,`order-1,`74.07000,`0.60%,`12345.00,"
        + "`0.00,`", lines[1]);
    assertEquals("`2025-01-01 11:15:02,`wxd678efh567hg6787,`1900000001,`0,`,"
        + "`4200000000202412310000000009,`BDC20241231Z,`oUser3,`NATIVE,`REFUND,`OTHERS,`CNY,"
        + "`0.00,`0.00,`50300000000202501010000000001,`RF20250101A,`100.00,`0.00,`ORIGINAL,"
        + "`SUCCESS,`契税,`,`-0.60000,`0.60%,`100.00,`100.00,`", lines[3]);
    assertEquals(SUMMARY_HEADER, lines[4]);
    assertEquals("`3,`12425.00,`100.00,`0.00,`73.95000,`12525.00,`100.00", lines[5]);
    assertEquals("", lines[6]);
  }

  @Test
  void combinedPaymentRowsCarryTheirOrderAndRefundNumbersAndLeg() {
    String subOrder = OutTradeNumbers.part(Channel.WECHAT, "WTF20250101000001", 2);
    List<WechatTradeBillRow> rows = List.of(
        WechatTradeBillRow.payment(T, "wxd678efh567hg6787", "1900000002", "4200000000202501010000000011",
            subOrder, "oUser1", "JSAPI", Money.ofFen(500), Money.ofFen(3), 60, "登记费", ""),
        WechatTradeBillRow.refund(T.plusHours(1), "wxd678efh567hg6787", "1900000002",
            "4200000000202501010000000011", subOrder, "oUser1", "JSAPI", Money.ofFen(500),
            "50300000000202501010000000011", OutTradeNumbers.part(Channel.WECHAT, "RF000000000007", 2),
            Money.ofFen(500), Money.ofFen(-3), 60, "登记费", ""),
        WechatTradeBillRow.payment(T, "wxd678efh567hg6787", "1900000001", "4200000000202501010000000012",
            "WTF20250101000002", "oUser2", "JSAPI", Money.ofFen(700), Money.ofFen(4), 60, "契税", ""));
    List<StatementLine> lines = readAll(new WechatTradeBillParser(new ByteArrayInputStream(write(rows))));

    assertEquals(List.of("WTF20250101000001L2", "WTF20250101000001L2", "WTF20250101000002"),
        lines.stream().map(StatementLine::outTradeNo).toList());
    assertEquals(List.of("WTF20250101000001", "WTF20250101000001", "WTF20250101000002"),
        lines.stream().map(StatementLine::parentOutTradeNo).toList());
    assertEquals(List.of(2, 2, 1), lines.stream().map(StatementLine::legNo).toList());
    assertEquals("RF000000000007L2", lines.get(1).outRefundNo());
    assertEquals("RF000000000007", lines.get(1).parentOutRefundNo());
  }

  @Test
  void writerThenParserGivesTheSameLinesAndSummary() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    WechatTradeBillSummary written = WechatTradeBillWriter.write(out, rows().iterator());
    WechatTradeBillParser parser = new WechatTradeBillParser(new ByteArrayInputStream(out.toByteArray()));
    List<StatementLine> lines = readAll(parser);
    LocalDate day = LocalDate.parse("2025-01-01");
    assertEquals(List.of(
        new StatementLine(Channel.WECHAT, Kind.PAYMENT, day, "BDC20250101A",
            "4200000000202501010000000001", "", Money.ofFen(1234500), Money.ofFen(7407), "",
            Instant.parse("2025-01-01T01:15:02Z")),
        new StatementLine(Channel.WECHAT, Kind.PAYMENT, day, "BDC20250101B",
            "4200000000202501010000000002", "", Money.ofFen(8000), Money.ofFen(48), "",
            Instant.parse("2025-01-01T15:59:59Z")),
        new StatementLine(Channel.WECHAT, Kind.REFUND, day, "BDC20241231Z",
            "4200000000202412310000000009", "RF20250101A", Money.ofFen(-10000), Money.ofFen(-60), "",
            Instant.parse("2025-01-01T03:15:02Z"))), lines);
    assertEquals(written, parser.declaredSummary());
    assertEquals(written, parser.computedSummary());
    assertTrue(parser.summaryMatches());
    assertEquals(new WechatTradeBillSummary(3, Money.ofFen(1242500), Money.ofFen(10000), Money.ZERO,
        Money.ofFen(7395), Money.ofFen(1252500), Money.ofFen(10000)), written);
  }

  @Test
  void theBusinessDateIsTheBeijingDateEvenWhenUtcIsTheDayBefore() {
    WechatTradeBillRow early = WechatTradeBillRow.payment(LocalDateTime.parse("2025-01-02T00:00:01"),
        "wx1", "1900000001", "4200000000202501020000000001", "BDC20250102A", "o", "NATIVE",
        Money.ofFen(1), Money.ZERO, 60, "契税", "");
    StatementLine line = readAll(new WechatTradeBillParser(new ByteArrayInputStream(write(List.of(early))))).get(0);
    assertEquals(LocalDate.parse("2025-01-02"), line.businessDate());
    assertEquals(Instant.parse("2025-01-01T16:00:01Z"), line.occurredAt());
  }

  @ParameterizedTest
  @CsvSource({"2024-02-29T23:59:59, 2024-02-29T15:59:59Z", "2025-12-31T00:00:00, 2025-12-30T16:00:00Z",
      "2025-04-30T08:00:00, 2025-04-30T00:00:00Z"})
  void monthEndsAndALeapDayAreReadAsTheFormatterReadsThem(String beijing, String utc) {
    WechatTradeBillRow row = WechatTradeBillRow.payment(LocalDateTime.parse(beijing),
        "wx1", "1900000001", "4200000000202501020000000001", "BDC20250102A", "o", "NATIVE",
        Money.ofFen(1), Money.ZERO, 60, "契税", "");
    StatementLine line = readAll(new WechatTradeBillParser(new ByteArrayInputStream(write(List.of(row))))).get(0);
    assertEquals(Instant.parse(utc), line.occurredAt());
    assertEquals(LocalDateTime.parse(beijing).toLocalDate(), line.businessDate());
  }

  @Test
  void aBillWithNoRowsHasAZeroSummary() {
    WechatTradeBillParser parser = new WechatTradeBillParser(new ByteArrayInputStream(write(List.of())));
    assertFalse(parser.hasNext());
    assertEquals(WechatTradeBillSummary.EMPTY, parser.declaredSummary());
    assertTrue(parser.summaryMatches());
  }

  @Test
  void theRealSampleOfTheDocsParses() {
    WechatTradeBillParser parser = parser(bill(HEADER, SAMPLE_ROW, SUMMARY_HEADER, SAMPLE_SUMMARY));
    List<StatementLine> lines = readAll(parser);
    assertEquals(List.of(new StatementLine(Channel.WECHAT, Kind.PAYMENT, LocalDate.parse("2022-03-21"),
        "2021WERUN1647840687637", "420000612032130748613220688", "", Money.ofFen(1), Money.ZERO, "",
        Instant.parse("2022-03-21T05:51:31Z"))), lines);
    assertEquals(new WechatTradeBillSummary(12, Money.ofFen(6), Money.ofFen(6), Money.ZERO, Money.ZERO,
        Money.ofFen(6), Money.ofFen(6)), parser.declaredSummary());
    // The docs quote one of the twelve rows, so the cross-check must notice the other eleven.
    assertFalse(parser.summaryMatches());
  }

  @Test
  void lfLineEndsAndNoBomAreAccepted() {
    String text = String.join("\n", HEADER, SAMPLE_ROW, SUMMARY_HEADER, "`1,`0.01,`0.00,`0.00,`0.00000,`0.01,`0.00");
    WechatTradeBillParser parser = parser(text);
    assertEquals(1, readAll(parser).size());
    assertTrue(parser.summaryMatches());
  }

  @Test
  void columnsAreFoundByNameSoTheSuccessLayoutParses() {
    String header = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
        + "付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注";
    String row = "`2025-01-01 09:15:02,`wx1,`1900000001,`0,`,`4200000000202501010000000001,"
        + "`BDC20250101A,`o,`NATIVE,`SUCCESS,`OTHERS,`CNY,`80.00,`0.00,`登记费,`,`0.48000,`0.60%,`80.00,`";
    WechatTradeBillParser parser = parser(bill(header, row, "总交易单数,应结订单总金额,手续费总金额,订单总金额",
        "`1,`80.00,`0.48000,`80.00"));
    StatementLine line = readAll(parser).get(0);
    assertEquals(Money.ofFen(8000), line.amount());
    assertEquals(Money.ofFen(48), line.fee());
    assertTrue(parser.summaryMatches());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "fee beyond whole fen | `0.00000,`0.90% | `0.00001,`0.90%",
      "amount with 3 decimals | `CNY,`0.01, | `CNY,`0.011,",
      "amount not a number | `CNY,`0.01, | `CNY,`abc,",
      "empty amount | `CNY,`0.01, | `CNY,`,",
      "time in another format | `2022-03-21 13:51:31 | `2022/03/21 13:51:31",
      "an hour past 23 | `2022-03-21 13:51:31 | `2022-03-21 24:51:31",
      "a second past 59 | `2022-03-21 13:51:31 | `2022-03-21 13:51:60",
      "a letter for a digit | `2022-03-21 13:51:31 | `2022-03-2x 13:51:31",
      "unknown trade state | `SUCCESS | `REVOKED",
      "a missing field | `0.00000,`0.90%, | `0.00000,",
      "an extra field | `0.01,`0.00,` | `0.01,`0.00,`,`x",
      "no leading backtick | `2022-03-21 | 2022-03-21"})
  void aDetailLineOffTheFormatIsRefusedByLineNumber(String what, String valid, String broken) {
    assertTrue(SAMPLE_ROW.contains(valid), what);
    String bad = SAMPLE_ROW.replace(valid, broken);
    WechatTradeBillParser parser = parser(bill(HEADER, SAMPLE_ROW, bad, SUMMARY_HEADER, SAMPLE_SUMMARY));
    assertTrue(parser.hasNext());
    parser.next();
    WechatBillException e = assertThrows(WechatBillException.class, parser::next, what);
    assertEquals(3, e.lineNumber());
    assertTrue(e.getMessage().startsWith("line 3: "), e.getMessage());
  }

  @Test
  void aBillCutBeforeItsSummaryIsRefused() {
    WechatTradeBillParser parser = parser(bill(HEADER, SAMPLE_ROW));
    parser.next();
    WechatBillException e = assertThrows(WechatBillException.class, parser::hasNext);
    assertTrue(e.getMessage().contains("summary"), e.getMessage());
    assertThrows(WechatBillException.class, () -> readAll(parser(bill(HEADER, SAMPLE_ROW, SUMMARY_HEADER))));
  }

  @Test
  void textAfterTheSummaryOrABadSummaryIsRefused() {
    WechatBillException after = assertThrows(WechatBillException.class,
        () -> readAll(parser(bill(HEADER, SAMPLE_ROW, SUMMARY_HEADER, SAMPLE_SUMMARY, SAMPLE_ROW))));
    assertEquals(5, after.lineNumber());
    assertThrows(WechatBillException.class, () -> readAll(parser(bill(HEADER, SUMMARY_HEADER,
        "`x,`0.06,`0.06,`0.00,`0.00000,`0.06,`0.06"))));
    assertThrows(WechatBillException.class, () -> readAll(parser(bill(HEADER, SUMMARY_HEADER,
        "`1,`0.06,`0.06,`0.00,`0.00100,`0.06,`0.06"))));
    assertThrows(WechatBillException.class, () -> readAll(parser(bill(HEADER, SUMMARY_HEADER, "`1,`0.06"))));
  }

  @Test
  void aHeaderWithoutANeededColumnOrAnEmptyFileIsRefusedAtLineOne() {
    WechatBillException e = assertThrows(WechatBillException.class,
        () -> parser(bill(HEADER.replace("手续费", "服务费"), SAMPLE_ROW)));
    assertEquals(1, e.lineNumber());
    assertThrows(WechatBillException.class, () -> parser(""));
    assertThrows(WechatBillException.class, () -> parser(bill(HEADER + ",交易时间")));
  }

  @Test
  void bytesThatAreNotUtf8AreRefused() {
    byte[] head = bill(HEADER).getBytes(StandardCharsets.UTF_8);
    byte[] broken = new byte[head.length + 3];
    System.arraycopy(head, 0, broken, 0, head.length);
    broken[head.length] = (byte) 0xC3;
    broken[head.length + 1] = (byte) 0x28;
    broken[head.length + 2] = '\n';
    // The reader decodes ahead of the line it hands out, so the error may surface at line 1.
    WechatBillException e = assertThrows(WechatBillException.class,
        () -> readAll(new WechatTradeBillParser(new ByteArrayInputStream(broken))));
    assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
  }

  @Test
  void aFieldWithABacktickOrLineBreakCannotBeWritten() {
    for (String goods : new String[] {"a`b", "a\r\nb"}) {
      WechatTradeBillRow row = WechatTradeBillRow.payment(T, "wx1", "1", "42", "BDC20250101A", "o",
          "NATIVE", Money.ofFen(1), Money.ZERO, 60, goods, "");
      assertThrows(IllegalArgumentException.class, () -> write(List.of(row)));
    }
  }

  @Test
  void tenThousandRowsRoundTripWithMatchingTotals() {
    List<WechatTradeBillRow> many = IntStream.range(0, 10_000).mapToObj(i -> WechatTradeBillRow.payment(
        T.plusSeconds(i), "wx1", "1900000001", "42000000002025010100" + String.format("%08d", i),
        "BDC" + String.format("%08d", i), "o", "NATIVE", Money.ofFen(100 + i), Money.ofFen(i % 7), 60,
        "契税", "")).toList();
    WechatTradeBillParser parser = new WechatTradeBillParser(new ByteArrayInputStream(write(many)));
    long count = 0;
    while (parser.hasNext()) {
      StatementLine line = parser.next();
      assertEquals(Money.ofFen(100 + count), line.amount());
      count++;
    }
    assertEquals(10_000, count);
    assertTrue(parser.summaryMatches());
  }
}
