package org.clearing.channel.alipay;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.Charset;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.clearing.channel.Money;

/**
 * The channel side of the daily trade bill (used by the sandbox): a zip of two GBK CSVs, the detail
 * ({@code <pid>0156_<yyyyMMdd>_业务明细.csv}) and the summary ({@code …_业务明细(汇总).csv}), with GBK entry
 * names and no UTF-8 flag (Alipay's documentation).
 *
 * <p>The detail file follows the §2.5 layout: the {@code #} header lines, the 25-column header,
 * text cells suffixed with a tab, 交易 and 退款 rows (refunds negative, with the refund's
 * out_request_no in 退款批次号/请求号), the {@code #…结束} line and the totals. The fee column is printed
 * negative when deducted from a payment and positive when given back on a refund, as the mock
 * generators cited in §2.5 do. Rows are streamed: the writer keeps only the totals.
 *
 * <p>The summary file's body is our approximation: §2.5 gives only its first line. Line ends are
 * {@code \n}; the real files' line ends are not documented, and the parser accepts both.
 */
public final class AlipayBillWriter {

  static final Charset GBK = Charset.forName("GBK");

  static final String DETAIL_HEADER =
      "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,"
          + "对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,"
          + "商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,"
          + "退款批次号/请求号,服务费（元）,分润（元）,备注";

  private static final String SUMMARY_HEADER =
      "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）," + "服务费（元）,分润（元）,实收净额（元）";

  private static final String DASHES_41 = "-".repeat(41);
  private static final DateTimeFormatter CHINESE_DATE_TIME =
      DateTimeFormatter.ofPattern("uuuu年MM月dd日 HH:mm:ss").withZone(AlipayTime.BEIJING);

  private AlipayBillWriter() {}

  /** The Alipay account suffix on bill names: {@code <pid>0156}. */
  static String account(String pid) {
    return pid + "0156";
  }

  public static String detailEntryName(String pid, LocalDate billDate) {
    return account(pid) + "_" + billDate.format(DateTimeFormatter.BASIC_ISO_DATE) + "_业务明细.csv";
  }

  public static String summaryEntryName(String pid, LocalDate billDate) {
    return account(pid) + "_" + billDate.format(DateTimeFormatter.BASIC_ISO_DATE) + "_业务明细(汇总).csv";
  }

  /**
   * Writes the zip to {@code out}, reading the rows once. The stream is finished but not closed.
   *
   * @param pid the merchant's 16-digit partner id (2088…)
   * @param exportedAt the 导出时间 printed in both files
   */
  public static void write(
      OutputStream out,
      String pid,
      LocalDate billDate,
      Iterator<AlipayBillRow> rows,
      Instant exportedAt) {
    try {
      ZipOutputStream zip = new ZipOutputStream(out, GBK);
      zip.putNextEntry(new ZipEntry(detailEntryName(pid, billDate)));
      Writer detail = new OutputStreamWriter(zip, GBK);
      Totals totals = writeDetail(detail, pid, billDate, rows, exportedAt);
      detail.flush();
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry(summaryEntryName(pid, billDate)));
      Writer summary = new OutputStreamWriter(zip, GBK);
      writeSummary(summary, pid, billDate, totals, exportedAt);
      summary.flush();
      zip.closeEntry();
      zip.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Totals writeDetail(
      Writer out, String pid, LocalDate billDate, Iterator<AlipayBillRow> rows, Instant exportedAt)
      throws IOException {
    line(out, "#支付宝业务明细查询");
    writePeriod(out, pid, billDate);
    line(out, "#" + DASHES_41 + "业务明细列表" + "-".repeat(40));
    line(out, DETAIL_HEADER);
    Totals totals = new Totals();
    while (rows.hasNext()) {
      AlipayBillRow row = rows.next();
      totals.add(row);
      line(out, detailRow(row));
    }
    line(out, "#" + DASHES_41 + "业务明细列表结束" + "-".repeat(36));
    line(
        out,
        "#交易合计："
            + totals.paymentCount
            + "笔，商家实收共"
            + totals.paymentReceived.toYuanString()
            + "元，商家优惠共0.00元");
    line(
        out,
        "#退款合计："
            + totals.refundCount
            + "笔，商家实收退款共"
            + totals.refundReceived.toYuanString()
            + "元，商家优惠退款共0.00元");
    line(out, "#导出时间：[" + CHINESE_DATE_TIME.format(exportedAt) + "]");
    return totals;
  }

  private static String detailRow(AlipayBillRow row) {
    boolean refund = row.type() == AlipayBillRow.Type.REFUND;
    Money amount = refund ? row.amount().negate() : row.amount();
    Money received = refund ? row.received().negate() : row.received();
    Money fee = refund ? row.fee() : row.fee().negate();
    return String.join(
        ",",
        text(row.tradeNo()),
        text(row.outTradeNo()),
        text(row.type().label()),
        csv(row.subject()),
        AlipayTime.format(row.createdAt()),
        AlipayTime.format(row.finishedAt()),
        text(""),
        text(""),
        text(""),
        text(""),
        text(csv(row.counterparty())),
        amount.toYuanString(),
        received.toYuanString(),
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "",
        text("0.00"),
        "0.00",
        text(row.outRequestNo()),
        fee.toYuanString(),
        "0.00",
        csv(row.remark()));
  }

  private static void writeSummary(
      Writer out, String pid, LocalDate billDate, Totals totals, Instant exportedAt)
      throws IOException {
    line(out, "#支付宝业务汇总查询");
    writePeriod(out, pid, billDate);
    line(out, "#" + DASHES_41 + "业务汇总列表" + "-".repeat(40));
    line(out, SUMMARY_HEADER);
    Money received = totals.paymentReceived.plus(totals.refundReceived);
    line(
        out,
        String.join(
            ",",
            text(""),
            text("合计"),
            Long.toString(totals.paymentCount),
            Long.toString(totals.refundCount),
            totals.amount.toYuanString(),
            received.toYuanString(),
            totals.fee.toYuanString(),
            "0.00",
            received.plus(totals.fee).toYuanString()));
    line(out, "#" + DASHES_41 + "业务汇总列表结束" + "-".repeat(36));
    line(out, "#导出时间：[" + CHINESE_DATE_TIME.format(exportedAt) + "]");
  }

  private static void writePeriod(Writer out, String pid, LocalDate billDate) throws IOException {
    line(out, "#账号：[" + account(pid) + "]");
    line(
        out,
        "#起始日期：["
            + CHINESE_DATE_TIME.format(billDate.atStartOfDay(AlipayTime.BEIJING))
            + "]   终止日期：["
            + CHINESE_DATE_TIME.format(billDate.plusDays(1).atStartOfDay(AlipayTime.BEIJING))
            + "]");
  }

  /** A text cell: Alipay appends a tab so that spreadsheet programs keep it as text (§2.5). */
  private static String text(String value) {
    return value + "\t";
  }

  /** Quotes a cell that holds a comma, quote or line break, doubling inner quotes (RFC 4180). */
  private static String csv(String value) {
    if (value.indexOf(',') < 0
        && value.indexOf('"') < 0
        && value.indexOf('\n') < 0
        && value.indexOf('\r') < 0) {
      return value;
    }
    return "\"" + value.replace("\"", "\"\"").replace("\r", " ").replace("\n", " ") + "\"";
  }

  private static void line(Writer out, String text) throws IOException {
    out.write(text);
    out.write('\n');
  }

  /** Running totals, signed as printed: refund sums negative, fees negative when deducted. */
  private static final class Totals {
    long paymentCount;
    long refundCount;
    Money paymentReceived = Money.ZERO;
    Money refundReceived = Money.ZERO;
    Money amount = Money.ZERO;
    Money fee = Money.ZERO;

    void add(AlipayBillRow row) {
      if (row.type() == AlipayBillRow.Type.REFUND) {
        refundCount++;
        refundReceived = refundReceived.minus(row.received());
        amount = amount.minus(row.amount());
        fee = fee.plus(row.fee());
      } else {
        paymentCount++;
        paymentReceived = paymentReceived.plus(row.received());
        amount = amount.plus(row.amount());
        fee = fee.minus(row.fee());
      }
    }
  }
}
