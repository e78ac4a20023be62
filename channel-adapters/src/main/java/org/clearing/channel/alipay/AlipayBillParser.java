package org.clearing.channel.alipay;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.StatementLine;

/**
 * The merchant side of the daily trade bill (Alipay's documentation): streams the detail CSV out of the
 * zip as {@link StatementLine}s, one line in memory at a time.
 *
 * <p>Rules: the entry is the one whose name contains 业务明细 but not 汇总; the text is GBK; {@code #}
 * lines are comments except the totals; columns are found by header name because the column set
 * varies by account; every cell is trimmed of the tab Alipay appends and of spaces; quoted cells
 * ({@code "a,b"}, {@code ""} for a quote) are understood. A row with a different number of cells
 * than the header, an unknown 业务类型, a missing value or an amount with a third decimal throws {@link
 * AlipayBillException} naming the line: an unquoted comma in a name would otherwise shift the
 * amount columns silently.
 *
 * <p>Sign conventions of the result: payments positive, refunds negative (as printed). The fee
 * (服务费（元）) is printed negative when deducted on a payment by the mock generators §2.5 cites, but
 * §2.5 also notes that the convention varies (unverified), so only its magnitude is trusted: a payment line's fee is |服务费| (a
 * charge, positive as {@link StatementLine#fee()} wants) and a refund line's fee is −|服务费| (the fee
 * Alipay gives back).
 *
 * <p>After the last line, {@link #declaredTotals()} (the file's 交易合计 and 退款合计) and {@link
 * #countedTotals()} (the same sums over the rows read) allow a cross-check.
 */
public final class AlipayBillParser implements Iterator<StatementLine>, Closeable {

  /** Far longer than any real bill line; a bound on memory per line. */
  public static final int LINE_CHARS_MAX = 16 * 1024;

  private static final String TRADE_NO = "支付宝交易号";
  private static final String OUT_TRADE_NO = "商户订单号";
  private static final String TYPE = "业务类型";
  private static final String FINISHED_AT = "完成时间";
  private static final String AMOUNT = "订单金额（元）";
  private static final String RECEIVED = "商家实收（元）";
  private static final String OUT_REQUEST_NO = "退款批次号/请求号";
  private static final String FEE = "服务费（元）";
  private static final List<String> REQUIRED_COLUMNS =
      List.of(TRADE_NO, OUT_TRADE_NO, TYPE, FINISHED_AT, AMOUNT, RECEIVED, OUT_REQUEST_NO);

  private static final Pattern PAYMENT_TOTAL = Pattern.compile("#交易合计：(\\d+)笔，商家实收共(-?[0-9.]+)元.*");
  private static final Pattern REFUND_TOTAL =
      Pattern.compile("#退款合计：(\\d+)笔，商家实收退款共(-?[0-9.]+)元.*");

  /** The count and 商家实收 sum of each kind of row, signed as printed (refunds negative). */
  public record Totals(
      long paymentCount, Money paymentReceived, long refundCount, Money refundReceived) {}

  private final Closeable source;
  private final BoundedLineReader lines;
  private Map<String, Integer> columns;
  private StatementLine pending;
  private boolean finished;
  private long paymentCount;
  private Money paymentReceived = Money.ZERO;
  private long refundCount;
  private Money refundReceived = Money.ZERO;
  private Long declaredPaymentCount;
  private Money declaredPaymentReceived;
  private Long declaredRefundCount;
  private Money declaredRefundReceived;

  private AlipayBillParser(Closeable source, Reader reader) {
    this.source = source;
    this.lines = new BoundedLineReader(reader, LINE_CHARS_MAX);
  }

  /**
   * Opens the bill zip and positions on the detail CSV's first row. The caller closes the parser,
   * which closes {@code zip}.
   *
   * @throws AlipayBillException if there is no detail entry or no usable header
   */
  public static AlipayBillParser open(InputStream zip) {
    ZipInputStream entries = new ZipInputStream(zip, AlipayBillWriter.GBK);
    try {
      for (ZipEntry entry = entries.getNextEntry(); entry != null; entry = entries.getNextEntry()) {
        if (entry.getName().contains("业务明细") && !entry.getName().contains("汇总")) {
          return openCsv(entries);
        }
      }
    } catch (IOException e) {
      closeQuietly(entries);
      throw new AlipayBillException(0, "unreadable zip: " + e.getMessage(), e);
    }
    closeQuietly(entries);
    throw new AlipayBillException(0, "no 业务明细 entry in the bill zip");
  }

  /** Parses a detail CSV given as GBK bytes (the zip's entry, or a file already unpacked). */
  public static AlipayBillParser openCsv(InputStream gbkCsv) {
    Reader reader =
        new InputStreamReader(
            gbkCsv,
            AlipayBillWriter.GBK
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT));
    AlipayBillParser parser = new AlipayBillParser(gbkCsv, reader);
    try {
      parser.readHeader();
    } catch (RuntimeException e) {
      closeQuietly(gbkCsv);
      throw e;
    }
    return parser;
  }

  @Override
  public boolean hasNext() {
    if (pending == null && !finished) {
      pending = readRow();
      finished = pending == null;
    }
    return pending != null;
  }

  @Override
  public StatementLine next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    StatementLine line = pending;
    pending = null;
    return line;
  }

  /** The file's own totals, empty when the trailer lacks them (a truncated file, say). */
  public Optional<Totals> declaredTotals() {
    requireFinished();
    if (declaredPaymentCount == null || declaredRefundCount == null) {
      return Optional.empty();
    }
    return Optional.of(
        new Totals(
            declaredPaymentCount,
            declaredPaymentReceived,
            declaredRefundCount,
            declaredRefundReceived));
  }

  /** The totals of the rows read. */
  public Totals countedTotals() {
    requireFinished();
    return new Totals(paymentCount, paymentReceived, refundCount, refundReceived);
  }

  @Override
  public void close() throws IOException {
    source.close();
  }

  private void requireFinished() {
    if (!finished) {
      throw new IllegalStateException("totals are known only after the last line was read");
    }
  }

  private void readHeader() {
    String line;
    while ((line = nextLine()) != null) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      List<String> names = cells(line);
      columns = new HashMap<>();
      for (int i = 0; i < names.size(); i++) {
        columns.putIfAbsent(names.get(i), i);
      }
      for (String required : REQUIRED_COLUMNS) {
        if (!columns.containsKey(required)) {
          throw new AlipayBillException(lines.lineNumber(), "header lacks column " + required);
        }
      }
      return;
    }
    throw new AlipayBillException(lines.lineNumber(), "no column header");
  }

  private StatementLine readRow() {
    String line;
    while ((line = nextLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("#")) {
        readTotals(line);
        continue;
      }
      return parseRow(line);
    }
    return null;
  }

  private StatementLine parseRow(String line) {
    long lineNumber = lines.lineNumber();
    List<String> cells = cells(line);
    if (cells.size() != columns.size()) {
      throw new AlipayBillException(
          lineNumber, "expected " + columns.size() + " cells, found " + cells.size());
    }
    String type = cell(cells, TYPE);
    boolean refund = "退款".equals(type);
    if (!refund && !"交易".equals(type)) {
      throw new AlipayBillException(lineNumber, "unknown 业务类型 " + type);
    }
    String outTradeNo = required(cells, OUT_TRADE_NO, lineNumber);
    String tradeNo = required(cells, TRADE_NO, lineNumber);
    Instant finishedAt =
        AlipayTime.parse(cell(cells, FINISHED_AT))
            .orElseThrow(
                () -> new AlipayBillException(lineNumber, "完成时间 is not yyyy-MM-dd HH:mm:ss"));
    Money amount = amount(cells, AMOUNT, lineNumber);
    Money received = amount(cells, RECEIVED, lineNumber);
    Money printedFee = columns.containsKey(FEE) ? amount(cells, FEE, lineNumber) : Money.ZERO;
    Money feeMagnitude = printedFee.isNegative() ? printedFee.negate() : printedFee;
    String outRefundNo = "";
    if (refund) {
      outRefundNo = required(cells, OUT_REQUEST_NO, lineNumber);
      if (!amount.isNegative()) {
        throw new AlipayBillException(lineNumber, "refund with a non-negative 订单金额");
      }
      refundCount++;
      refundReceived = refundReceived.plus(received);
    } else {
      if (!amount.isPositive()) {
        throw new AlipayBillException(lineNumber, "payment with a non-positive 订单金额");
      }
      paymentCount++;
      paymentReceived = paymentReceived.plus(received);
    }
    return new StatementLine(
        Channel.ALIPAY,
        refund ? StatementLine.Kind.REFUND : StatementLine.Kind.PAYMENT,
        LocalDate.ofInstant(finishedAt, AlipayTime.BEIJING),
        outTradeNo,
        tradeNo,
        outRefundNo,
        amount,
        refund ? feeMagnitude.negate() : feeMagnitude,
        "",
        finishedAt);
  }

  private void readTotals(String line) {
    Matcher payments = PAYMENT_TOTAL.matcher(line);
    Matcher refunds = REFUND_TOTAL.matcher(line);
    try {
      if (payments.matches()) {
        declaredPaymentCount = Long.parseLong(payments.group(1));
        declaredPaymentReceived = Money.parseYuan(payments.group(2));
      } else if (refunds.matches()) {
        declaredRefundCount = Long.parseLong(refunds.group(1));
        declaredRefundReceived = Money.parseYuan(refunds.group(2));
      }
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new AlipayBillException(lines.lineNumber(), "unreadable totals: " + e.getMessage(), e);
    }
  }

  private String cell(List<String> cells, String column) {
    Integer index = columns.get(column);
    return index == null ? "" : cells.get(index);
  }

  private String required(List<String> cells, String column, long lineNumber) {
    String value = cell(cells, column);
    if (value.isEmpty()) {
      throw new AlipayBillException(lineNumber, "empty " + column);
    }
    return value;
  }

  private Money amount(List<String> cells, String column, long lineNumber) {
    String text = cell(cells, column);
    try {
      return Money.parseYuan(text);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new AlipayBillException(lineNumber, column + " is not a yuan amount: " + text, e);
    }
  }

  private String nextLine() {
    try {
      return lines.readLine();
    } catch (IOException e) {
      throw new AlipayBillException(lines.lineNumber() + 1, "unreadable text: " + e, e);
    }
  }

  /** Splits one CSV line, honouring quotes, and trims each cell of tabs and spaces. */
  private List<String> cells(String line) {
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    boolean atCellStart = true;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cell.append(c);
        }
      } else if (c == '"' && atCellStart) {
        quoted = true;
        atCellStart = false;
      } else if (c == ',') {
        cells.add(cell.toString().strip());
        cell.setLength(0);
        atCellStart = true;
      } else {
        cell.append(c);
        atCellStart = atCellStart && Character.isWhitespace(c);
      }
    }
    if (quoted) {
      throw new AlipayBillException(lines.lineNumber(), "unterminated quoted cell");
    }
    cells.add(cell.toString().strip());
    return cells;
  }

  private static void closeQuietly(Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      // Already failing with a more useful error; the close failure adds nothing.
    }
  }
}
