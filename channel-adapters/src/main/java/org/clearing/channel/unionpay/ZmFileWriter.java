package org.clearing.channel.unionpay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Writes ZM (transaction detail) lines for the sandbox's reconciliation file (UnionPay's documentation):
 * 42 fixed-width fields, widths in bytes of {@code textCharset}, one space between fields, one
 * line per record ending in {@code \n}. Amounts are zero-padded fen.
 *
 * <p>Choices where §3.5 is silent or unverified, mirrored by {@link ZmFileParser}:
 *
 * <ul>
 *   <li>Refunds use trade code {@value #REFUND_CODE} (only {@value #CONSUME_CODE} = consume is in
 *       the source) and carry the original payment's orderId in field 41.
 *   <li>The fee (field 16) is {@code D} + 12 digits when charged to the merchant and {@code C} +
 *       12 digits when returned to it (a refund): the sign convention is unverified (§7).
 *   <li>A split payment is written as one line per receiver, each repeating the transaction and
 *       carrying one receiver in fields 29–32; the repeated lines are consecutive.
 *   <li>Net amount (field 33) is the amount less the fee, unsigned.
 * </ul>
 */
public final class ZmFileWriter {

  public static final String CONSUME_CODE = "S22";
  public static final String REFUND_CODE = "S30";

  /** One receiver's share of a split payment. */
  public record SplitShare(String subMerId, String subMerAbbr, long amountFen) {
    public SplitShare {
      Objects.requireNonNull(subMerId, "subMerId");
      subMerAbbr = subMerAbbr == null ? "" : subMerAbbr;
    }
  }

  /**
   * A transaction to list.
   *
   * @param traceTime MMddHHmmss, Beijing time
   * @param feeFen positive when charged to the merchant, negative when returned to it
   * @param origQryId for refunds, the payment's queryId; otherwise empty
   * @param origOrderId for refunds, the payment's orderId; otherwise empty
   */
  public record Row(
      String merId,
      String traceNo,
      String traceTime,
      String accNo,
      long txnAmtFen,
      String queryId,
      String orderId,
      long feeFen,
      String txnType,
      String txnSubType,
      String bizType,
      String origQryId,
      String origOrderId,
      List<SplitShare> splits) {

    public Row {
      Objects.requireNonNull(merId, "merId");
      Objects.requireNonNull(traceNo, "traceNo");
      Objects.requireNonNull(traceTime, "traceTime");
      Objects.requireNonNull(queryId, "queryId");
      Objects.requireNonNull(orderId, "orderId");
      accNo = accNo == null ? "" : accNo;
      txnType = txnType == null ? "" : txnType;
      txnSubType = txnSubType == null ? "" : txnSubType;
      bizType = bizType == null ? "" : bizType;
      origQryId = origQryId == null ? "" : origQryId;
      origOrderId = origOrderId == null ? "" : origOrderId;
      splits = List.copyOf(splits == null ? List.of() : splits);
    }
  }

  private final OutputStream out;
  private final Charset textCharset;

  public ZmFileWriter(OutputStream out, Charset textCharset) {
    this.out = Objects.requireNonNull(out, "out");
    this.textCharset = Objects.requireNonNull(textCharset, "textCharset");
  }

  /** A consume ({@value #CONSUME_CODE}): one line, or one line per split receiver. */
  public void consume(Row row) {
    write(CONSUME_CODE, row);
  }

  /** A refund ({@value #REFUND_CODE}), listed with its positive amount. */
  public void refund(Row row) {
    if (row.origQryId().isEmpty()) {
      throw new IllegalArgumentException("a refund line needs the payment's origQryId");
    }
    write(REFUND_CODE, row);
  }

  private void write(String tradeCode, Row row) {
    if (row.txnAmtFen() <= 0) {
      throw new IllegalArgumentException("txnAmt must be positive");
    }
    if (row.splits().isEmpty()) {
      writeLine(fields(tradeCode, row, null));
      return;
    }
    long sharesFen = 0;
    for (SplitShare share : row.splits()) {
      sharesFen = Math.addExact(sharesFen, share.amountFen());
    }
    if (sharesFen != row.txnAmtFen()) {
      throw new IllegalArgumentException("split shares do not sum to txnAmt");
    }
    for (SplitShare share : row.splits()) {
      writeLine(fields(tradeCode, row, share));
    }
  }

  private String[] fields(String tradeCode, Row row, SplitShare share) {
    String[] fields = new String[ZmLayout.FIELDS + 1];
    Arrays.fill(fields, "");
    long feeAbsFen = Math.absExact(row.feeFen());
    fields[ZmLayout.TRADE_CODE] = tradeCode;
    fields[ZmLayout.ACQ_INS_CODE] = "00010000";
    fields[ZmLayout.SEND_INS_CODE] = "00010000";
    fields[ZmLayout.TRACE_NO] = row.traceNo();
    fields[ZmLayout.TRACE_TIME] = row.traceTime();
    fields[ZmLayout.ACC_NO] = UnionPayNotifications.maskAccount(row.accNo());
    fields[ZmLayout.TXN_AMT] = zeroPadded(row.txnAmtFen(), ZmLayout.TXN_AMT);
    fields[ZmLayout.MCC] = "9311"; // tax payments
    fields[ZmLayout.TERMINAL_TYPE] = "08";
    fields[ZmLayout.QUERY_ID] = row.queryId();
    fields[ZmLayout.ORDER_ID] = row.orderId();
    fields[ZmLayout.MER_CHARGE] = (row.feeFen() >= 0 ? "D" : "C") + zeroPaddedTo(feeAbsFen, 12);
    fields[ZmLayout.SETTLE_AMT] = zeroPadded(row.txnAmtFen(), ZmLayout.SETTLE_AMT);
    fields[ZmLayout.TXN_TYPE] = row.txnType();
    fields[ZmLayout.TXN_SUB_TYPE] = row.txnSubType();
    fields[ZmLayout.BIZ_TYPE] = row.bizType();
    fields[ZmLayout.ORIG_QRY_ID] = row.origQryId();
    fields[ZmLayout.MER_ID] = row.merId();
    if (share != null) {
      fields[ZmLayout.SPLIT_MODE] = "1";
      fields[ZmLayout.SUB_MER_ID] = share.subMerId();
      fields[ZmLayout.SUB_MER_ABBR] = share.subMerAbbr();
      fields[ZmLayout.SUB_MER_AMT] = zeroPadded(share.amountFen(), ZmLayout.SUB_MER_AMT);
    }
    fields[ZmLayout.NET_AMT] =
        zeroPadded(Math.abs(Math.subtractExact(row.txnAmtFen(), feeAbsFen)), ZmLayout.NET_AMT);
    fields[ZmLayout.ORIG_ORDER_ID] = row.origOrderId();
    return fields;
  }

  private static String zeroPadded(long fen, int field) {
    return zeroPaddedTo(fen, ZmLayout.width(field));
  }

  private static String zeroPaddedTo(long fen, int width) {
    String digits = Long.toString(fen);
    if (fen < 0 || digits.length() > width) {
      throw new IllegalArgumentException(fen + " fen does not fit " + width + " digits");
    }
    return "0".repeat(width - digits.length()) + digits;
  }

  /** Lays out the whole line before writing any of it, so a bad field leaves no half line. */
  private void writeLine(String[] fields) {
    ByteArrayOutputStream line = new ByteArrayOutputStream(ZmLayout.LINE_BYTES + 1);
    for (int field = 1; field <= ZmLayout.FIELDS; field++) {
      if (field > 1) {
        line.write(' ');
      }
      byte[] value = fields[field].getBytes(textCharset);
      int width = ZmLayout.width(field);
      if (value.length > width) {
        throw new IllegalArgumentException(
            "field " + field + " is " + value.length + " bytes, wider than " + width);
      }
      line.writeBytes(value);
      for (int pad = value.length; pad < width; pad++) {
        line.write(' ');
      }
    }
    line.write('\n');
    try {
      line.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
