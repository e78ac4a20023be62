package org.clearing.channel.wechat;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import org.clearing.channel.Money;

/**
 * Writes an {@code ALL} trade bill exactly as WeChat serves it (WeChat Pay's documentation): UTF-8 with a BOM,
 * CRLF line ends, the detail header, one row per payment or refund with every field prefixed by a
 * backtick, then the summary header and the summary row with totals. Amounts are yuan with 2
 * decimals, the fee with 5, the rate as a percentage like {@code 0.60%}. Streams: rows are written
 * as the iterator yields them.
 */
public final class WechatTradeBillWriter {

  static final String DETAIL_HEADER =
      "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
          + "付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,"
          + "退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
  static final String SUMMARY_HEADER =
      "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额";

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
  private static final String CRLF = "\r\n";

  private WechatTradeBillWriter() {}

  /**
   * Writes the bill and returns its summary. The stream is flushed, not closed.
   *
   * @throws IllegalArgumentException if a text field holds a backtick or a line break, which the
   *     format cannot carry
   */
  public static WechatTradeBillSummary write(OutputStream out, Iterator<WechatTradeBillRow> rows) {
    Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
    WechatTradeBillSummary summary = WechatTradeBillSummary.EMPTY;
    try {
      writer.write('\uFEFF');
      writer.write(DETAIL_HEADER + CRLF);
      while (rows.hasNext()) {
        WechatTradeBillRow row = rows.next();
        writer.write(detail(row) + CRLF);
        summary = summary.add(row.settlementAmount(), row.refundAmount(),
            row.rechargeCouponRefundAmount(), row.fee(), row.orderAmount(),
            row.refundRequestAmount());
      }
      writer.write(SUMMARY_HEADER + CRLF);
      writer.write(fields(Long.toString(summary.count()),
          summary.settlementTotal().toYuanString(), summary.refundTotal().toYuanString(),
          summary.rechargeCouponRefundTotal().toYuanString(), fee(summary.feeTotal()),
          summary.orderTotal().toYuanString(), summary.refundRequestTotal().toYuanString()));
      writer.write(CRLF);
      writer.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return summary;
  }

  private static String detail(WechatTradeBillRow row) {
    return fields(row.tradeTime().format(TIME), row.appid(), row.mchid(), row.subMchid(),
        row.deviceInfo(), row.transactionId(), row.outTradeNo(), row.openid(), row.tradeType(),
        row.tradeState(), row.bankType(), row.currency(), row.settlementAmount().toYuanString(),
        row.couponAmount().toYuanString(), row.refundId(), row.outRefundNo(),
        row.refundAmount().toYuanString(), row.rechargeCouponRefundAmount().toYuanString(),
        row.refundType(), row.refundStatus(), row.goodsName(), row.attach(), fee(row.fee()),
        rate(row.feeRateBp()), row.orderAmount().toYuanString(),
        row.refundRequestAmount().toYuanString(), row.feeRateRemark());
  }

  private static String fields(String... values) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      String value = values[i] == null ? "" : values[i];
      if (value.indexOf('`') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("a bill field cannot hold a backtick or line break");
      }
      line.append(i == 0 ? "`" : ",`").append(value);
    }
    return line.toString();
  }

  /** The fee column has 5 decimals though fees are whole fen (§6 "WeChat simulator" item 5). */
  static String fee(Money fee) {
    return fee.toYuanString() + "000";
  }

  static String rate(int basisPoints) {
    if (basisPoints < 0) {
      throw new IllegalArgumentException("negative fee rate");
    }
    int fraction = basisPoints % 100;
    return basisPoints / 100 + "." + (fraction < 10 ? "0" : "") + fraction + "%";
  }
}
