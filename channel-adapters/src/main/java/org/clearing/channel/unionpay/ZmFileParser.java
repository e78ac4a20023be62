package org.clearing.channel.unionpay;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.StatementLine;
import org.clearing.channel.StatementLine.Kind;

/**
 * Streams a ZM (transaction detail) file into {@link StatementLine}s (UnionPay's documentation), one
 * line in memory at a time, so a file of a million lines costs no more than one of ten.
 *
 * <p>Per line: {@value ZmFileWriter#CONSUME_CODE} gives a PAYMENT ({@code queryId} as the
 * transaction id), {@value ZmFileWriter#REFUND_CODE} a REFUND with a negative amount ({@code
 * origQryId} as the transaction id, the refund's orderId as our refund number, field 41 as our
 * order number when present). When fields 29–32 name a secondary merchant the line also gives a
 * SPLIT_SETTLEMENT for it; a line that repeats the previous line's trade code and {@code queryId}
 * is a further receiver of the same split and gives only that (see {@link ZmFileWriter}). The fee
 * comes from field 16 ({@code D} charged, {@code C} returned; unverified, §7). The file carries no
 * year and no clearing date of its own: both come from the file's {@code settleDate}, given by
 * the caller. Widths are bytes; text fields are decoded in {@code textCharset}.
 *
 * <p>A line that does not fit the layout throws {@link ZmFormatException} naming its number:
 * a bill we cannot read must stop reconciliation rather than drop money silently. Blank lines are
 * skipped.
 */
public final class ZmFileParser implements Iterator<StatementLine>, Closeable {

  private final InputStream in;
  private final Charset textCharset;
  private final LocalDate clearingDate;
  private final byte[] buffer = new byte[ZmLayout.LINE_BYTES + 2];
  private final ArrayDeque<StatementLine> pending = new ArrayDeque<>(2);
  private long lineNumber;
  private boolean endOfFile;
  private String previousKey = "";

  private ZmFileParser(InputStream in, Charset textCharset, LocalDate clearingDate) {
    this.in = new BufferedInputStream(Objects.requireNonNull(in, "in"), 64 * 1024);
    this.textCharset = Objects.requireNonNull(textCharset, "textCharset");
    this.clearingDate = Objects.requireNonNull(clearingDate, "clearingDate");
  }

  /**
   * A parser over one ZM file of the clearing day {@code clearingDate} (the {@code settleDate}
   * the file was requested for, with its year). The caller closes it.
   */
  public static ZmFileParser open(InputStream in, Charset textCharset, LocalDate clearingDate) {
    return new ZmFileParser(in, textCharset, clearingDate);
  }

  @Override
  public boolean hasNext() {
    while (pending.isEmpty() && !endOfFile) {
      int length = readLine();
      if (length > 0) {
        parse(length);
      }
    }
    return !pending.isEmpty();
  }

  @Override
  public StatementLine next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return pending.removeFirst();
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads one line into the buffer without its line end; -1 at the end of the file. */
  private int readLine() {
    try {
      int length = 0;
      int b = in.read();
      if (b < 0) {
        endOfFile = true;
        return -1;
      }
      lineNumber++;
      while (b >= 0 && b != '\n') {
        if (length == buffer.length) {
          throw new ZmFormatException(lineNumber, "longer than " + ZmLayout.LINE_BYTES + " bytes");
        }
        buffer[length++] = (byte) b;
        b = in.read();
      }
      if (length > 0 && buffer[length - 1] == '\r') {
        length--;
      }
      return isBlank(length) ? 0 : length;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private boolean isBlank(int length) {
    for (int i = 0; i < length; i++) {
      if (buffer[i] != ' ') {
        return false;
      }
    }
    return true;
  }

  private void parse(int length) {
    if (length < ZmLayout.LINE_BYTES_MIN || length > ZmLayout.LINE_BYTES) {
      throw new ZmFormatException(
          lineNumber, "is " + length + " bytes, expected " + ZmLayout.LINE_BYTES_MIN + " to "
              + ZmLayout.LINE_BYTES);
    }
    for (int field = 1; field < ZmLayout.FIELDS; field++) {
      int separator = ZmLayout.START[field] + ZmLayout.width(field);
      if (separator < length && buffer[separator] != ' ') {
        throw new ZmFormatException(lineNumber, "no space after field " + field);
      }
    }
    String tradeCode = text(ZmLayout.TRADE_CODE, length);
    boolean refund;
    if (tradeCode.equals(ZmFileWriter.CONSUME_CODE)) {
      refund = false;
    } else if (tradeCode.equals(ZmFileWriter.REFUND_CODE)) {
      refund = true;
    } else {
      throw new ZmFormatException(lineNumber, "unknown trade code '" + tradeCode + "'");
    }
    String queryId = required(ZmLayout.QUERY_ID, length, "queryId");
    String orderId = required(ZmLayout.ORDER_ID, length, "orderId");
    String transactionId = refund ? required(ZmLayout.ORIG_QRY_ID, length, "origQryId") : queryId;
    String outTradeNo = refund ? text(ZmLayout.ORIG_ORDER_ID, length) : orderId;
    String outRefundNo = refund ? orderId : "";
    long amountFen = digits(ZmLayout.TXN_AMT, length, "txnAmt");
    Money fee = fee(length);
    Instant occurredAt = traceTime(text(ZmLayout.TRACE_TIME, length));
    String key = tradeCode + queryId;
    boolean continuation = key.equals(previousKey);
    previousKey = key;
    if (!continuation) {
      pending.add(
          new StatementLine(
              Channel.UNIONPAY, refund ? Kind.REFUND : Kind.PAYMENT, clearingDate, outTradeNo,
              transactionId, outRefundNo, Money.ofFen(refund ? -amountFen : amountFen), fee, "",
              occurredAt));
    }
    String subMerId = text(ZmLayout.SUB_MER_ID, length);
    if (!subMerId.isEmpty()) {
      long shareFen = digits(ZmLayout.SUB_MER_AMT, length, "secondary merchant amount");
      pending.add(
          new StatementLine(
              Channel.UNIONPAY, Kind.SPLIT_SETTLEMENT, clearingDate, outTradeNo, transactionId,
              outRefundNo, Money.ofFen(refund ? -shareFen : shareFen), Money.ZERO, subMerId,
              occurredAt));
    } else if (continuation) {
      throw new ZmFormatException(
          lineNumber, "repeats transaction " + queryId + " without a split");
    }
  }

  /** Field 16: {@code D} (charged) or {@code C} (returned) and 12 digits of fen. */
  private Money fee(int length) {
    String text = raw(ZmLayout.MER_CHARGE, length);
    char sign = text.charAt(0);
    String digits = text.substring(1);
    if ((sign != 'D' && sign != 'C') || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new ZmFormatException(lineNumber, "fee is not D/C and 12 digits: '" + text + "'");
    }
    long fen = Long.parseLong(digits);
    return Money.ofFen(sign == 'D' ? fen : -fen);
  }

  /**
   * The trace time (MMddHHmmss, Beijing) in the year that puts it nearest before the clearing
   * date: a transaction of 31 December cleared on 2 January belongs to the year before.
   */
  private Instant traceTime(String text) {
    if (!text.matches("[0-9]{10}")) {
      throw new ZmFormatException(lineNumber, "trace time is not MMddHHmmss: '" + text + "'");
    }
    try {
      int month = Integer.parseInt(text.substring(0, 2));
      int day = Integer.parseInt(text.substring(2, 4));
      int year = clearingDate.getYear();
      if (LocalDate.of(year, month, 1).isAfter(clearingDate.plusMonths(1))) {
        year--;
      }
      LocalDateTime local =
          LocalDateTime.of(
              year, month, day, Integer.parseInt(text.substring(4, 6)),
              Integer.parseInt(text.substring(6, 8)), Integer.parseInt(text.substring(8, 10)));
      return local.toInstant(UnionPayTime.BEIJING);
    } catch (DateTimeException e) {
      throw new ZmFormatException(lineNumber, "trace time is not a real time: '" + text + "'");
    }
  }

  private long digits(int field, int length, String name) {
    String text = raw(field, length);
    if (!text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new ZmFormatException(lineNumber, name + " is not digits: '" + text + "'");
    }
    return Long.parseLong(text);
  }

  private String required(int field, int length, String name) {
    String value = text(field, length);
    if (value.isEmpty()) {
      throw new ZmFormatException(lineNumber, "no " + name);
    }
    return value;
  }

  /** A field's text in {@code textCharset}, trimmed of padding. */
  private String text(int field, int length) {
    int start = ZmLayout.START[field];
    int end = Math.min(start + ZmLayout.width(field), length);
    return end <= start ? "" : new String(buffer, start, end - start, textCharset).trim();
  }

  /** A field's bytes as ASCII, untrimmed, for fixed-width numbers. */
  private String raw(int field, int length) {
    int start = ZmLayout.START[field];
    return new String(buffer, start, ZmLayout.width(field), StandardCharsets.ISO_8859_1);
  }
}
