package org.clearing.channel.wechat;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.StatementLine;

/**
 * Streams a WeChat trade bill (WeChat Pay's documentation) into {@link StatementLine}s, one line in memory at
 * a time. It strips the BOM, accepts CRLF and LF, finds columns by header name (so the ALL,
 * SUCCESS and REFUND layouts all work), and stops at the summary header; after the last line, the
 * bill's own {@link #declaredSummary()} can be checked against the {@link #computedSummary()} of
 * the rows read. A line that does not fit throws {@link WechatBillException} naming it.
 */
public final class WechatTradeBillParser implements Iterator<StatementLine>, Closeable {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);
  private static final String SUMMARY_FIRST_COLUMN = "总交易单数";

  private final BufferedReader reader;
  private final Map<String, Integer> columns;
  /**
   * The detail columns' positions, resolved once from the header (-1: the layout lacks it): a
   * million-line bill would otherwise look each field up by name on every line.
   */
  private final int timeColumn;
  private final int transactionIdColumn;
  private final int outTradeNoColumn;
  private final int stateColumn;
  private final int settlementColumn;
  private final int feeColumn;
  private final int outRefundNoColumn;
  private final int refundColumn;
  private final int rechargeCouponRefundColumn;
  private final int orderColumn;
  private final int refundRequestColumn;
  /** Where each field of the current detail line starts and ends; reused from line to line. */
  private final int[] fieldStart;
  private final int[] fieldEnd;
  private String currentLine;
  private long lineNumber;
  private StatementLine next;
  /** The running totals of the rows read, kept as fen: one summary object per row would be garbage. */
  private long computedCount;
  private long settlementFen;
  private long refundFen;
  private long rechargeCouponRefundFen;
  private long feeFen;
  private long orderFen;
  private long refundRequestFen;
  private WechatTradeBillSummary declared;

  /**
   * Reads the header line at once.
   *
   * @throws WechatBillException if the first line is not a detail header with the needed columns
   */
  public WechatTradeBillParser(InputStream in) {
    this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)));
    String header = readLine();
    if (header == null) {
      throw new WechatBillException(1, "empty bill");
    }
    if (header.startsWith("\uFEFF")) {
      header = header.substring(1);
    }
    this.columns = headerColumns(header);
    for (String required : new String[] {"交易时间", "微信订单号", "商户订单号", "交易状态", "应结订单金额", "手续费"}) {
      if (!columns.containsKey(required)) {
        throw new WechatBillException(lineNumber, "no column " + required);
      }
    }
    this.timeColumn = columns.get("交易时间");
    this.transactionIdColumn = columns.get("微信订单号");
    this.outTradeNoColumn = columns.get("商户订单号");
    this.stateColumn = columns.get("交易状态");
    this.settlementColumn = columns.get("应结订单金额");
    this.feeColumn = columns.get("手续费");
    this.outRefundNoColumn = columns.getOrDefault("商户退款单号", -1);
    this.refundColumn = columns.getOrDefault("退款金额", -1);
    this.rechargeCouponRefundColumn = columns.getOrDefault("充值券退款金额", -1);
    this.orderColumn = columns.getOrDefault("订单金额", -1);
    this.refundRequestColumn = columns.getOrDefault("申请退款金额", -1);
    this.fieldStart = new int[columns.size()];
    this.fieldEnd = new int[columns.size()];
  }

  @Override
  public boolean hasNext() {
    if (next == null && declared == null) {
      next = advance();
    }
    return next != null;
  }

  @Override
  public StatementLine next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    StatementLine line = next;
    next = null;
    return line;
  }

  /** The bill's summary row, once the iterator is exhausted. */
  public WechatTradeBillSummary declaredSummary() {
    if (declared == null) {
      throw new IllegalStateException("the summary follows the last detail line; read them first");
    }
    return declared;
  }

  /** The same totals computed from the detail rows read so far. */
  public WechatTradeBillSummary computedSummary() {
    return new WechatTradeBillSummary(computedCount, Money.ofFen(settlementFen), Money.ofFen(refundFen),
        Money.ofFen(rechargeCouponRefundFen), Money.ofFen(feeFen), Money.ofFen(orderFen),
        Money.ofFen(refundRequestFen));
  }

  /** Whether the bill's summary agrees with its rows: a short download or an edit shows here. */
  public boolean summaryMatches() {
    return declaredSummary().equals(computedSummary());
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }

  private StatementLine advance() {
    String line;
    while ((line = readLine()) != null) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith(SUMMARY_FIRST_COLUMN)) {
        declared = summary(headerColumns(line));
        return null;
      }
      split(line, columns.size());
      return detail();
    }
    throw new WechatBillException(lineNumber, "bill ends without its summary (truncated?)");
  }

  private StatementLine detail() {
    Instant time = time(timeColumn);
    String state = field(stateColumn);
    Money settlement = yuan(settlementColumn, "应结订单金额");
    Money fee = fee(field(feeColumn));
    Money refund = optionalYuan(refundColumn, "退款金额");
    computedCount = Math.addExact(computedCount, 1);
    settlementFen = Math.addExact(settlementFen, settlement.fen());
    refundFen = Math.addExact(refundFen, refund.fen());
    rechargeCouponRefundFen = Math.addExact(rechargeCouponRefundFen,
        optionalYuan(rechargeCouponRefundColumn, "充值券退款金额").fen());
    feeFen = Math.addExact(feeFen, fee.fen());
    orderFen = Math.addExact(orderFen, optionalYuan(orderColumn, "订单金额").fen());
    refundRequestFen = Math.addExact(refundRequestFen, optionalYuan(refundRequestColumn, "申请退款金额").fen());
    StatementLine.Kind kind;
    Money amount;
    String outRefundNo = "";
    switch (state) {
      case "SUCCESS" -> {
        kind = StatementLine.Kind.PAYMENT;
        amount = settlement;
      }
      case "REFUND" -> {
        kind = StatementLine.Kind.REFUND;
        amount = yuan(required(refundColumn, "退款金额"), "退款金额").negate();
        outRefundNo = field(required(outRefundNoColumn, "商户退款单号"));
      }
      default -> throw new WechatBillException(lineNumber, "unknown 交易状态 " + state);
    }
    return new StatementLine(Channel.WECHAT, kind, LocalDate.ofInstant(time, BEIJING), field(outTradeNoColumn),
        field(transactionIdColumn), outRefundNo, amount, fee, "", time);
  }

  private WechatTradeBillSummary summary(Map<String, Integer> summaryColumns) {
    String line = readLine();
    if (line == null) {
      throw new WechatBillException(lineNumber, "summary header without a summary row");
    }
    String[] values = fields(line, summaryColumns.size());
    WechatTradeBillSummary summary;
    try {
      summary = new WechatTradeBillSummary(
          Long.parseLong(values[column(summaryColumns, SUMMARY_FIRST_COLUMN)]),
          summaryYuan(values, summaryColumns, "应结订单总金额"),
          summaryYuan(values, summaryColumns, "退款总金额"),
          summaryYuan(values, summaryColumns, "充值券退款总金额"),
          fee(values[column(summaryColumns, "手续费总金额")]),
          summaryYuan(values, summaryColumns, "订单总金额"),
          summaryYuan(values, summaryColumns, "申请退款总金额"));
    } catch (NumberFormatException e) {
      throw new WechatBillException(lineNumber, "总交易单数 is not a count");
    }
    while ((line = readLine()) != null) {
      if (!line.isEmpty()) {
        throw new WechatBillException(lineNumber, "text after the summary row");
      }
    }
    return summary;
  }

  private Money summaryYuan(String[] values, Map<String, Integer> summaryColumns, String name) {
    Integer index = summaryColumns.get(name);
    return index == null ? Money.ZERO : yuan(values[index], name);
  }

  private int column(Map<String, Integer> map, String name) {
    Integer index = map.get(name);
    if (index == null) {
      throw new WechatBillException(lineNumber, "no column " + name);
    }
    return index;
  }

  private Map<String, Integer> headerColumns(String line) {
    Map<String, Integer> map = new HashMap<>();
    String[] names = line.split(",", -1);
    for (int i = 0; i < names.length; i++) {
      if (map.put(names[i].trim(), i) != null) {
        throw new WechatBillException(lineNumber, "column " + names[i] + " appears twice");
      }
    }
    return map;
  }

  /**
   * Every data field starts with a backtick, so the separator is really {@code ,`}: splitting on
   * it keeps a comma inside a goods name in its field (§1.8).
   */
  private String[] fields(String line, int expected) {
    if (!line.startsWith("`")) {
      throw new WechatBillException(lineNumber, "data line does not start with a backtick");
    }
    java.util.List<String> fields = new java.util.ArrayList<>(expected);
    int start = 1;
    for (int separator = line.indexOf(",`", start); separator >= 0; separator = line.indexOf(",`", start)) {
      fields.add(line.substring(start, separator));
      start = separator + 2;
    }
    fields.add(line.substring(start));
    if (fields.size() != expected) {
      throw new WechatBillException(lineNumber, fields.size() + " fields where the header has " + expected);
    }
    return fields.toArray(String[]::new);
  }

  /**
   * Finds the fields of a data line (separated by {@code ,`}, as {@link #fields} says) without
   * copying them: only the fields a row needs become strings.
   */
  private void split(String line, int expected) {
    if (!line.startsWith("`")) {
      throw new WechatBillException(lineNumber, "data line does not start with a backtick");
    }
    int count = 0;
    int start = 1;
    while (true) {
      int separator = line.indexOf(",`", start);
      int end = separator < 0 ? line.length() : separator;
      if (count < expected) {
        fieldStart[count] = start;
        fieldEnd[count] = end;
      }
      count++;
      if (separator < 0) {
        break;
      }
      start = separator + 2;
    }
    if (count != expected) {
      throw new WechatBillException(lineNumber, count + " fields where the header has " + expected);
    }
    currentLine = line;
  }

  private String field(int column) {
    return currentLine.substring(fieldStart[column], fieldEnd[column]);
  }

  private int required(int column, String name) {
    if (column < 0) {
      throw new WechatBillException(lineNumber, "no column " + name);
    }
    return column;
  }

  private Money yuan(int column, String name) {
    return yuan(field(column), name);
  }

  private Money optionalYuan(int column, String name) {
    return column < 0 ? Money.ZERO : yuan(column, name);
  }

  private Money yuan(String text, String name) {
    try {
      return Money.parseYuan(text);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new WechatBillException(lineNumber, name + " is not a yuan amount: " + text);
    }
  }

  /**
   * Fees are printed with 5 decimals but charged in whole fen (§1.8), so the digits after the
   * second must be zeros; anything else would need rounding, which we never do.
   */
  private Money fee(String text) {
    int point = text.indexOf('.');
    String exact = text;
    if (point >= 0 && text.length() - point - 1 > 2) {
      String beyondFen = text.substring(point + 3);
      if (!beyondFen.chars().allMatch(c -> c == '0')) {
        throw new WechatBillException(lineNumber, "fee is not whole fen: " + text);
      }
      exact = text.substring(0, point + 3);
    }
    return yuan(exact, "手续费");
  }

  /**
   * The row's time, read digit by digit where it has the bill's exact shape (the formatter costs
   * more than the rest of the row); anything else goes through the formatter, which decides as it
   * always did.
   */
  private Instant time(int column) {
    int start = fieldStart[column];
    String line = currentLine;
    if (fieldEnd[column] - start == 19 && line.charAt(start + 4) == '-' && line.charAt(start + 7) == '-'
        && line.charAt(start + 10) == ' ' && line.charAt(start + 13) == ':' && line.charAt(start + 16) == ':') {
      int year = digits(line, start, 4);
      int month = digits(line, start + 5, 2);
      int day = digits(line, start + 8, 2);
      int hour = digits(line, start + 11, 2);
      int minute = digits(line, start + 14, 2);
      int second = digits(line, start + 17, 2);
      if (year >= 1 && month >= 1 && month <= 12 && day >= 1
          && day <= java.time.Month.of(month).length(java.time.Year.isLeap(year)) && hour >= 0 && hour <= 23
          && minute >= 0 && minute <= 59 && second >= 0 && second <= 59) {
        return LocalDateTime.of(year, month, day, hour, minute, second).toInstant(BEIJING);
      }
    }
    String text = field(column);
    try {
      return LocalDateTime.parse(text, TIME).toInstant(BEIJING);
    } catch (DateTimeParseException e) {
      throw new WechatBillException(lineNumber, "交易时间 is not yyyy-MM-dd HH:mm:ss: " + text);
    }
  }

  /** The decimal number of {@code count} ASCII digits at {@code start}, or -1 if one is not a digit. */
  private static int digits(String text, int start, int count) {
    int value = 0;
    for (int i = start; i < start + count; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private String readLine() {
    try {
      String line = reader.readLine();
      if (line != null) {
        lineNumber++;
      }
      return line;
    } catch (java.nio.charset.CharacterCodingException e) {
      // The reader decodes a buffer ahead, so the bad bytes are at or after this line.
      throw new WechatBillException(lineNumber + 1, "not UTF-8 (at or after this line)");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
