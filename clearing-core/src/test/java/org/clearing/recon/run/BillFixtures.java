package org.clearing.recon.run;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.alipay.AlipayBillRow;
import org.clearing.channel.alipay.AlipayBillWriter;
import org.clearing.channel.unionpay.UnionPayAdapter;
import org.clearing.channel.unionpay.UnionPayFileContent;
import org.clearing.channel.unionpay.ZmFileWriter;
import org.clearing.channel.wechat.WechatTradeBillRow;
import org.clearing.channel.wechat.WechatTradeBillWriter;

/**
 * Bill files in each channel's real format, written with the sandboxes' own writers: a payment is
 * its legs (WeChat: one sub-order row per leg; UnionPay: split shares; Alipay: one row for the
 * total), a refund one row. The zip the UnionPay adapter saves is what {@code fileContent} holds
 * once inflated (UnionPay's documentation).
 */
final class BillFixtures {

  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);
  private static final DateTimeFormatter TRACE_TIME = DateTimeFormatter.ofPattern("MMddHHmmss");

  /** One leg as the bill shows it: its number, the receiver's account at the channel, the fen. */
  record Leg(int legNo, String channelAccount, long amountFen) {}

  /** A payment line (or lines) of the bill. */
  record Payment(String outTradeNo, String transactionId, Instant paidAt, List<Leg> legs) {
    long totalFen() {
      return legs.stream().mapToLong(Leg::amountFen).sum();
    }
  }

  /** A refund line of the bill. */
  record Refund(Payment of, String outRefundNo, long amountFen, Instant at) {}

  private BillFixtures() {}

  static Path write(Channel channel, LocalDate day, List<Payment> payments, List<Refund> refunds) throws IOException {
    Path file = Files.createTempFile("fixture-" + channel.code() + "-", ".bill");
    try (OutputStream out = Files.newOutputStream(file)) {
      switch (channel) {
        case WECHAT -> wechat(out, payments, refunds);
        case ALIPAY -> alipay(out, day, payments, refunds);
        case UNIONPAY -> unionpay(out, day, payments, refunds);
      }
    }
    return file;
  }

  private static void wechat(OutputStream out, List<Payment> payments, List<Refund> refunds) {
    List<WechatTradeBillRow> rows = new ArrayList<>();
    for (Payment p : payments) {
      for (Leg leg : p.legs()) {
        rows.add(WechatTradeBillRow.payment(LocalDateTime.ofInstant(p.paidAt(), BEIJING), "wxd678efh567hg6787",
            leg.channelAccount(), p.transactionId() + leg.legNo(), p.outTradeNo() + "L" + leg.legNo(),
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "JSAPI", Money.ofFen(leg.amountFen()), Money.ZERO, 60, "税费", ""));
      }
    }
    for (Refund r : refunds) {
      Leg leg = r.of().legs().get(0);
      rows.add(WechatTradeBillRow.refund(LocalDateTime.ofInstant(r.at(), BEIJING), "wxd678efh567hg6787",
          leg.channelAccount(), r.of().transactionId() + leg.legNo(), r.of().outTradeNo() + "L" + leg.legNo(),
          "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "JSAPI", Money.ofFen(leg.amountFen()), "50300" + r.outRefundNo(),
          r.outRefundNo() + "L" + leg.legNo(), Money.ofFen(r.amountFen()), Money.ZERO, 60, "税费", ""));
    }
    WechatTradeBillWriter.write(out, rows.iterator());
  }

  private static void alipay(OutputStream out, LocalDate day, List<Payment> payments, List<Refund> refunds) {
    List<AlipayBillRow> rows = new ArrayList<>();
    for (Payment p : payments) {
      Money total = Money.ofFen(p.totalFen());
      rows.add(new AlipayBillRow(p.transactionId(), p.outTradeNo(), AlipayBillRow.Type.PAYMENT, "税费",
          p.paidAt(), p.paidAt(), "zha***@example.com", total, total, "", Money.ZERO, ""));
    }
    for (Refund r : refunds) {
      Money amount = Money.ofFen(r.amountFen());
      rows.add(new AlipayBillRow(r.of().transactionId(), r.of().outTradeNo(), AlipayBillRow.Type.REFUND, "税费",
          r.of().paidAt(), r.at(), "zha***@example.com", amount, amount, r.outRefundNo(), Money.ZERO, ""));
    }
    AlipayBillWriter.write(out, "2088000000000001", day, rows.iterator(), Instant.now());
  }

  private static void unionpay(OutputStream out, LocalDate day, List<Payment> payments, List<Refund> refunds)
      throws IOException {
    java.io.ByteArrayOutputStream zm = new java.io.ByteArrayOutputStream();
    ZmFileWriter writer = new ZmFileWriter(zm, UnionPayAdapter.ZM_CHARSET);
    String merId = "898340148160001";
    int trace = 0;
    for (Payment p : payments) {
      List<ZmFileWriter.SplitShare> shares = p.legs().stream()
          .map(l -> new ZmFileWriter.SplitShare(l.channelAccount(), "", l.amountFen())).toList();
      writer.consume(new ZmFileWriter.Row(merId, String.format("%06d", ++trace),
          TRACE_TIME.format(p.paidAt().atOffset(BEIJING)), "", p.totalFen(), p.transactionId(), p.outTradeNo(), 0,
          "01", "01", "000201", "", "", shares));
    }
    for (Refund r : refunds) {
      writer.refund(new ZmFileWriter.Row(merId, String.format("%06d", ++trace),
          TRACE_TIME.format(r.at().atOffset(BEIJING)), "", r.amountFen(), "R" + r.of().transactionId().substring(1),
          r.outRefundNo(), 0, "04", "00", "000201", r.of().transactionId(), r.of().outTradeNo(), List.of()));
    }
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry(UnionPayFileContent.zmName(merId, day)));
      zip.write(zm.toByteArray());
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry(UnionPayFileContent.zmeName(merId, day)));
      zip.closeEntry();
    }
  }
}
