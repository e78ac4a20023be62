package org.clearing.channel.alipay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.StatementLine;
import org.clearing.channel.StatementLine.Kind;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's bill zip has the §2.5 layout and GBK names, the parser reads it back into the same
 * lines and totals, reads the literal §2.5 sample rows, and stops at bad rows naming the line.
 */
class AlipayBillTest {

  private static final Charset GBK = Charset.forName("GBK");
  private static final String PID = "2088722682748354";
  private static final LocalDate DAY = LocalDate.of(2026, 6, 5);
  private static final Instant EXPORTED = Instant.parse("2026-06-05T22:27:10Z");

  /** The §2.5 column header, verbatim. */
  private static final String HEADER = AlipayBillWriter.DETAIL_HEADER;

  /** The §2.5 payment row, verbatim except that its "\t" are real tabs. */
  private static final String SAMPLE_PAYMENT =
      "2019091622001458860515315453\t,service_1568601259302\t,交易\t,下单测试,2019-09-16 10:55:16,"
          + "2019-09-16 10:55:23,alipay_store\t,alipay_store\t,alipay\t,\t,*津水(602***@qq.com)\t,"
          + "0.01,0.01,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,下单测试";

  /**
   * The §2.5 refund row: its beginning verbatim; §2.5 elides the middle ("…"), which is filled in
   * like the payment row, with an out_request_no in 退款批次号/请求号.
   */
  private static final String SAMPLE_REFUND =
      "2019091622001458860515315453\t,service_1568601259302\t,退款\t,下单测试,2019-09-16"
          + " 10:55:16,2019-09-16 10:56:48,alipay_store\t,alipay_store\t,alipay\t,"
          + "\t,*津水(602***@qq.com)\t,-0.01,-0.01,0.00,0.00,0.00,0.00,0.00,,0.00"
          + "\t,0.00,refund_1568601400000\t,0.00,0.00,下单测试";

  private static Instant beijing(String dateTime) {
    return AlipayTime.parse(dateTime).orElseThrow();
  }

  static List<AlipayBillRow> rows() {
    return List.of(
        new AlipayBillRow(
            "2026060522001400000000000001",
            "BDC_1",
            AlipayBillRow.Type.PAYMENT,
            "契税, \"首套\"",
            beijing("2026-06-05 09:58:00"),
            beijing("2026-06-05 09:59:30"),
            "*三(138***@qq.com)",
            Money.parseYuan("12345.67"),
            Money.parseYuan("12345.67"),
            "",
            Money.parseYuan("74.07"),
            ""),
        new AlipayBillRow(
            "2026060522001400000000000002",
            "BDC_2",
            AlipayBillRow.Type.PAYMENT,
            "登记费",
            beijing("2026-06-05 23:59:58"),
            beijing("2026-06-05 23:59:59"),
            "",
            Money.parseYuan("80.00"),
            Money.parseYuan("80.00"),
            "",
            Money.ZERO,
            "备注"),
        new AlipayBillRow(
            "2026060522001400000000000001",
            "BDC_1",
            AlipayBillRow.Type.REFUND,
            "契税, \"首套\"",
            beijing("2026-06-05 09:58:00"),
            beijing("2026-06-05 15:00:00"),
            "",
            Money.parseYuan("345.67"),
            Money.parseYuan("345.67"),
            "R_1",
            Money.parseYuan("2.07"),
            ""));
  }

  static List<StatementLine> expectedLines() {
    return List.of(
        new StatementLine(
            Channel.ALIPAY,
            Kind.PAYMENT,
            DAY,
            "BDC_1",
            "2026060522001400000000000001",
            "",
            Money.ofFen(1234567),
            Money.ofFen(7407),
            "",
            beijing("2026-06-05 09:59:30")),
        new StatementLine(
            Channel.ALIPAY,
            Kind.PAYMENT,
            DAY,
            "BDC_2",
            "2026060522001400000000000002",
            "",
            Money.ofFen(8000),
            Money.ZERO,
            "",
            beijing("2026-06-05 23:59:59")),
        new StatementLine(
            Channel.ALIPAY,
            Kind.REFUND,
            DAY,
            "BDC_1",
            "2026060522001400000000000001",
            "R_1",
            Money.ofFen(-34567),
            Money.ofFen(-207),
            "",
            beijing("2026-06-05 15:00:00")));
  }

  private static byte[] zip(Iterator<AlipayBillRow> rows) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AlipayBillWriter.write(out, PID, DAY, rows, EXPORTED);
    return out.toByteArray();
  }

  private static List<StatementLine> readAll(AlipayBillParser parser) {
    List<StatementLine> lines = new ArrayList<>();
    parser.forEachRemaining(lines::add);
    return lines;
  }

  private static AlipayBillParser csv(String text) {
    return AlipayBillParser.openCsv(new ByteArrayInputStream(text.getBytes(GBK)));
  }

  private static String detailOf(String... rows) {
    return "#支付宝业务明细查询\n#账号：[20887226827483540156]\n"
        + HEADER
        + "\n"
        + String.join("\n", rows)
        + "\n#交易合计：1笔，商家实收共0.01元，商家优惠共0.00元\n"
        + "#退款合计：0笔，商家实收退款共0.00元，商家优惠退款共0.00元\n";
  }

  private static AlipayBillException badRow(String row) {
    return assertThrows(
        AlipayBillException.class, () -> readAll(csv(detailOf(SAMPLE_PAYMENT, row))));
  }

  // ---- writer → parser ----

  @Test
  void writerThenParserGivesTheSameLinesAndAgreeingTotals() throws IOException {
    try (AlipayBillParser parser =
        AlipayBillParser.open(new ByteArrayInputStream(zip(rows().iterator())))) {
      assertEquals(expectedLines(), readAll(parser));
      AlipayBillParser.Totals counted = parser.countedTotals();
      assertEquals(
          new AlipayBillParser.Totals(
              2, Money.parseYuan("12425.67"), 1, Money.parseYuan("-345.67")),
          counted);
      assertEquals(counted, parser.declaredTotals().orElseThrow());
    }
  }

  @Test
  void theZipHoldsTwoGbkNamedEntriesWithoutTheUtf8Flag() throws IOException {
    byte[] zip = zip(rows().iterator());
    List<String> names = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip), GBK)) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        names.add(entry.getName());
      }
    }
    assertEquals(
        List.of(
            "20887226827483540156_20260605_业务明细.csv", "20887226827483540156_20260605_业务明细(汇总).csv"),
        names);
    // Local file header: general purpose flags at offset 6; bit 11 is "names are UTF-8".
    assertEquals(0, (zip[7] & 0x08), "the UTF-8 flag (bit 11) must be clear");
    byte[] gbkName = names.get(0).getBytes(GBK);
    assertEquals(gbkName.length, (zip[26] & 0xff) | (zip[27] & 0xff) << 8);
    for (int i = 0; i < gbkName.length; i++) {
      assertEquals(gbkName[i], zip[30 + i]);
    }
  }

  @Test
  void theDetailCsvFollowsTheSection2Point5Layout() throws IOException {
    String detail = entryText(zip(rows().iterator()), "_业务明细.csv");
    String[] lines = detail.split("\n");
    assertEquals("#支付宝业务明细查询", lines[0]);
    assertEquals("#账号：[20887226827483540156]", lines[1]);
    assertEquals("#起始日期：[2026年06月05日 00:00:00]   终止日期：[2026年06月06日 00:00:00]", lines[2]);
    assertEquals(
        "#-----------------------------------------业务明细列表----------------------------------------",
        lines[3]);
    assertEquals(HEADER, lines[4]);
    assertEquals(
        "2026060522001400000000000001\t,BDC_1\t,交易\t,\"契税, \"\"首套\"\"\",2026-06-05"
            + " 09:58:00,2026-06-05 09:59:30,\t,\t,\t,\t,*三(138***@qq.com)"
            + "\t,12345.67,12345.67,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,-74.07,0.00,",
        lines[5]);
    assertTrue(
        lines[7].contains(",退款\t,")
            && lines[7].contains(",-345.67,-345.67,")
            && lines[7].contains(",R_1\t,2.07,"),
        lines[7]);
    assertEquals(
        "#-----------------------------------------业务明细列表结束------------------------------------",
        lines[8]);
    assertEquals("#交易合计：2笔，商家实收共12425.67元，商家优惠共0.00元", lines[9]);
    assertEquals("#退款合计：1笔，商家实收退款共-345.67元，商家优惠退款共0.00元", lines[10]);
    assertEquals("#导出时间：[2026年06月06日 06:27:10]", lines[11]);
    assertEquals(12, lines.length);
    String summary = entryText(zip(rows().iterator()), "(汇总).csv");
    assertTrue(summary.startsWith("#支付宝业务汇总查询\n"));
  }

  @Test
  void anEmptyDayGivesAnEmptyBillWithZeroTotals() throws IOException {
    try (AlipayBillParser parser =
        AlipayBillParser.open(new ByteArrayInputStream(zip(List.<AlipayBillRow>of().iterator())))) {
      assertFalse(parser.hasNext());
      assertEquals(
          new AlipayBillParser.Totals(0, Money.ZERO, 0, Money.ZERO),
          parser.declaredTotals().orElseThrow());
    }
  }

  @Test
  void aLargeBillStreamsThroughWithoutBeingHeldAsAList() throws IOException {
    int rowCount = 50_000;
    Iterator<AlipayBillRow> generated =
        new Iterator<>() {
          int next;

          @Override
          public boolean hasNext() {
            return next < rowCount;
          }

          @Override
          public AlipayBillRow next() {
            next++;
            return new AlipayBillRow(
                "T" + next,
                "O" + next,
                AlipayBillRow.Type.PAYMENT,
                "契税",
                beijing("2026-06-05 09:58:00"),
                beijing("2026-06-05 09:59:30"),
                "",
                Money.ofFen(next),
                Money.ofFen(next),
                "",
                Money.ZERO,
                "");
          }
        };
    long count = 0;
    long sumFen = 0;
    try (AlipayBillParser parser =
        AlipayBillParser.open(new ByteArrayInputStream(zip(generated)))) {
      while (parser.hasNext()) {
        sumFen += parser.next().amount().fen();
        count++;
      }
      assertEquals(parser.declaredTotals().orElseThrow(), parser.countedTotals());
    }
    assertEquals(rowCount, count);
    assertEquals((long) rowCount * (rowCount + 1) / 2, sumFen);
  }

  // ---- literal §2.5 rows and other layouts ----

  @Test
  void theLiteralSampleRowsOfSection2Point5Parse() {
    List<StatementLine> lines = readAll(csv(detailOf(SAMPLE_PAYMENT, SAMPLE_REFUND)));
    LocalDate day = LocalDate.of(2019, 9, 16);
    assertEquals(
        List.of(
            new StatementLine(
                Channel.ALIPAY,
                Kind.PAYMENT,
                day,
                "service_1568601259302",
                "2019091622001458860515315453",
                "",
                Money.ofFen(1),
                Money.ZERO,
                "",
                beijing("2019-09-16 10:55:23")),
            new StatementLine(
                Channel.ALIPAY,
                Kind.REFUND,
                day,
                "service_1568601259302",
                "2019091622001458860515315453",
                "refund_1568601400000",
                Money.ofFen(-1),
                Money.ZERO,
                "",
                beijing("2019-09-16 10:56:48"))),
        lines);
  }

  @Test
  void columnsAreFoundByNameWhateverTheirOrderAndExtraColumns() {
    String header = "商户订单号,实收净额（元）,业务类型,支付宝交易号,完成时间,订单金额（元）,商家实收（元）," + "退款批次号/请求号,花呗分期数,服务费（元）";
    String text =
        header
            + "\r\n"
            + "O1\t,0.94,交易\t,T1\t,2026-06-05 00:00:01,1.00,1.00,\t,3,-0.06\r\n"
            + "O1\t,-0.94,退款\t,T1\t,2026-06-05 12:00:00,-1.00,-1.00,R1\t,3,0.06\r\n";
    List<StatementLine> lines = readAll(csv(text));
    assertEquals(Money.ofFen(6), lines.get(0).fee());
    assertEquals(Money.ofFen(-6), lines.get(1).fee());
    assertEquals("R1", lines.get(1).outRefundNo());
    assertEquals(LocalDate.of(2026, 6, 5), lines.get(0).businessDate());
  }

  @Test
  void aFeePrintedPositiveOnAPaymentIsStillACharge() {
    String text =
        "支付宝交易号,商户订单号,业务类型,完成时间,订单金额（元）,商家实收（元）,退款批次号/请求号,服务费（元）\n"
            + "T1,O1,交易,2026-06-05 00:00:01,1.00,1.00,,0.06\n";
    assertEquals(Money.ofFen(6), readAll(csv(text)).get(0).fee());
  }

  @Test
  void totalsThatDisagreeWithTheRowsAreVisible() {
    try (AlipayBillParser parser = csv(detailOf(SAMPLE_PAYMENT, SAMPLE_PAYMENT))) {
      readAll(parser);
      assertNotEquals(parser.declaredTotals().orElseThrow(), parser.countedTotals());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void totalsAreNotKnownBeforeTheLastLine() {
    AlipayBillParser parser = csv(detailOf(SAMPLE_PAYMENT));
    assertThrows(IllegalStateException.class, parser::countedTotals);
    readAll(parser);
    assertEquals(parser.countedTotals(), parser.declaredTotals().orElseThrow());
    AlipayBillParser truncated = csv(detailOf(SAMPLE_PAYMENT).replaceAll("#退款合计.*\n", ""));
    readAll(truncated);
    assertTrue(truncated.declaredTotals().isEmpty(), "a trailer without 退款合计 declares nothing");
  }

  // ---- bad input ----

  @Test
  void anAmountWithThreeDecimalsStopsTheParseNamingTheLine() {
    AlipayBillException e = badRow(SAMPLE_PAYMENT.replace(",0.01,0.01,", ",0.010,0.01,"));
    assertEquals(5, e.lineNumber());
    assertTrue(e.getMessage().startsWith("line 5: 订单金额（元）"), e.getMessage());
  }

  @Test
  void aRowWithAMissingOrExtraCellStopsTheParse() {
    assertEquals(
        5, badRow(SAMPLE_PAYMENT.substring(0, SAMPLE_PAYMENT.lastIndexOf(','))).lineNumber());
    assertEquals(5, badRow(SAMPLE_PAYMENT.replace("下单测试,2019", "下单,测试,2019")).lineNumber());
  }

  @Test
  void aHeaderWithoutARequiredColumnIsRefused() {
    String text = detailOf(SAMPLE_PAYMENT).replace("退款批次号/请求号,", "");
    AlipayBillException e = assertThrows(AlipayBillException.class, () -> csv(text));
    assertEquals(3, e.lineNumber());
    assertThrows(AlipayBillException.class, () -> csv("#only comments\n"));
  }

  @Test
  void otherBadRowsStopTheParse() {
    badRow(SAMPLE_PAYMENT.replace(",交易\t,", ",转账\t,"));
    badRow(SAMPLE_REFUND.replace("refund_1568601400000", ""));
    badRow(SAMPLE_PAYMENT.replace(",0.01,0.01,", ",-0.01,-0.01,"));
    badRow(SAMPLE_REFUND.replace(",-0.01,-0.01,", ",0.01,0.01,"));
    badRow(SAMPLE_PAYMENT.replace("2019-09-16 10:55:23", "2019/09/16"));
    badRow(SAMPLE_PAYMENT.replace("service_1568601259302\t", "\t"));
    badRow(SAMPLE_PAYMENT.replace("下单测试,2019", "\"下单测试,2019"));
    badRow("x".repeat(AlipayBillParser.LINE_CHARS_MAX + 1));
  }

  @Test
  void bytesThatAreNotGbkStopTheParse() {
    byte[] good = detailOf(SAMPLE_PAYMENT).getBytes(GBK);
    byte[] bad = new byte[good.length + 2];
    System.arraycopy(good, 0, bad, 0, good.length);
    bad[good.length] = (byte) 0x81;
    bad[good.length + 1] = (byte) 0x0a;
    assertThrows(
        AlipayBillException.class,
        () -> readAll(AlipayBillParser.openCsv(new ByteArrayInputStream(bad))));
  }

  @Test
  void aZipWithoutTheDetailEntryOrNotAZipIsRefused() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out, GBK)) {
      zip.putNextEntry(new ZipEntry("x_业务明细(汇总).csv"));
      zip.write("#支付宝业务汇总查询\n".getBytes(GBK));
    }
    AlipayBillException e =
        assertThrows(
            AlipayBillException.class,
            () -> AlipayBillParser.open(new ByteArrayInputStream(out.toByteArray())));
    assertEquals(0, e.lineNumber());
    assertThrows(
        AlipayBillException.class,
        () -> AlipayBillParser.open(new ByteArrayInputStream("not a zip".getBytes())));
  }

  private static String entryText(byte[] zip, String nameSuffix) throws IOException {
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip), GBK)) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        if (entry.getName().endsWith(nameSuffix)) {
          return new String(in.readAllBytes(), GBK);
        }
      }
    }
    throw new AssertionError("no entry " + nameSuffix);
  }
}
