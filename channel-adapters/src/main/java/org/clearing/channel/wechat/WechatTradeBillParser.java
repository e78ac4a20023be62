package org.clearing.channel.wechat;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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
  private long lineNumber;
  private StatementLine next;
  private WechatTradeBillSummary computed = WechatTradeBillSummary.EMPTY;
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
    return computed;
  }

  /** Whether the bill's summary agrees with its rows: a short download or an edit shows here. */
  public boolean summaryMatches() {
    return declaredSummary().equals(computed);
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
      return detail(fields(line, columns.size()));
    }
    throw new WechatBillException(lineNumber, "bill ends without its summary (truncated?)");
  }

  private StatementLine detail(String[] fields) {
    LocalDateTime time = time(field(fields, "交易时间"));
    String state = field(fields, "交易状态");
    Money settlement = yuan(fields, "应结订单金额");
    Money fee = fee(field(fields, "手续费"));
    Money refund = optionalYuan(fields, "退款金额");
    computed = computed.add(settlement, refund, optionalYuan(fields, "充值券退款金额"), fee,
        optionalYuan(fields, "订单金额"), optionalYuan(fields, "申请退款金额"));
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
        amount = yuan(fields, "退款金额").negate();
        outRefundNo = field(fields, "商户退款单号");
      }
      default -> throw new WechatBillException(lineNumber, "unknown 交易状态 " + state);
    }
    return new StatementLine(Channel.WECHAT, kind, time.toLocalDate(), field(fields, "商户订单号"),
        field(fields, "微信订单号"), outRefundNo, amount, fee, "", time.toInstant(BEIJING));
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
    String[] fields = line.substring(1).split(",`", -1);
    if (fields.length != expected) {
      throw new WechatBillException(
          lineNumber, fields.length + " fields where the header has " + expected);
    }
    return fields;
  }

  private String field(String[] fields, String name) {
    return fields[column(columns, name)];
  }

  private Money yuan(String[] fields, String name) {
    return yuan(field(fields, name), name);
  }

  private Money optionalYuan(String[] fields, String name) {
    return columns.containsKey(name) ? yuan(fields, name) : Money.ZERO;
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

  private LocalDateTime time(String text) {
    try {
      return LocalDateTime.parse(text, TIME);
    } catch (DateTimeParseException e) {
      throw new WechatBillException(lineNumber, "交易时间 is not yyyy-MM-dd HH:mm:ss: " + text);
    }
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
