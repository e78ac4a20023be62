package org.clearing.channel.unionpay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.StatementLine;
import org.clearing.channel.StatementLine.Kind;
import org.clearing.channel.unionpay.ZmFileWriter.Row;
import org.clearing.channel.unionpay.ZmFileWriter.SplitShare;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A ZM file the sandbox writes survives pack → fileContent → unpack → parse with payments,
 * refunds and split receivers intact (§3.5), and lines off the layout stop the parse by number.
 */
class ZmFileTest {

  static final LocalDate CLEARING = LocalDate.of(2026, 1, 2);
  static final String MER_ID = "777290058110048";
  static final String TREASURY = "898340149000001";
  static final String NON_TAX = "898340149000002";

  static Row payment() {
    return new Row(MER_ID, "123456", "0101093000", "6221558812340000", 10000,
        "260101093000000000001", "BDC20260101A", 6, "01", "07", "000000", null, null, List.of());
  }

  static Row splitPayment() {
    return new Row(MER_ID, "123457", "1231235959", "", 30000, "251231235959000000002",
        "BDC20251231B", 18, "01", "07", "000000", null, null,
        List.of(new SplitShare(TREASURY, "国库", 25000), new SplitShare(NON_TAX, "非税专户", 5000)));
  }

  static Row refund() {
    return new Row(MER_ID, "123458", "0102101500", "", 2500, "260102101500000000003",
        "RF20260102C", -2, "04", "00", "000000", "260101093000000000001", "BDC20260101A",
        List.of());
  }

  static byte[] zm(Charset charset) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ZmFileWriter writer = new ZmFileWriter(out, charset);
    writer.consume(payment());
    writer.consume(splitPayment());
    writer.refund(refund());
    return out.toByteArray();
  }

  static List<StatementLine> expected() {
    return List.of(
        new StatementLine(Channel.UNIONPAY, Kind.PAYMENT, CLEARING, "BDC20260101A",
            "260101093000000000001", "", Money.ofFen(10000), Money.ofFen(6), "",
            Instant.parse("2026-01-01T01:30:00Z")),
        new StatementLine(Channel.UNIONPAY, Kind.PAYMENT, CLEARING, "BDC20251231B",
            "251231235959000000002", "", Money.ofFen(30000), Money.ofFen(18), "",
            Instant.parse("2025-12-31T15:59:59Z")),
        new StatementLine(Channel.UNIONPAY, Kind.SPLIT_SETTLEMENT, CLEARING, "BDC20251231B",
            "251231235959000000002", "", Money.ofFen(25000), Money.ZERO, TREASURY,
            Instant.parse("2025-12-31T15:59:59Z")),
        new StatementLine(Channel.UNIONPAY, Kind.SPLIT_SETTLEMENT, CLEARING, "BDC20251231B",
            "251231235959000000002", "", Money.ofFen(5000), Money.ZERO, NON_TAX,
            Instant.parse("2025-12-31T15:59:59Z")),
        new StatementLine(Channel.UNIONPAY, Kind.REFUND, CLEARING, "BDC20260101A",
            "260101093000000000001", "RF20260102C", Money.ofFen(-2500), Money.ofFen(-2), "",
            Instant.parse("2026-01-02T02:15:00Z")));
  }

  static List<StatementLine> parse(InputStream in, Charset charset) {
    List<StatementLine> lines = new ArrayList<>();
    try (ZmFileParser parser = ZmFileParser.open(in, charset, CLEARING)) {
      parser.forEachRemaining(lines::add);
    }
    return lines;
  }

  @Test
  void everyLineHasTheFixedWidthsSeparatedBySingleSpaces() {
    String[] lines = new String(zm(StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1)
        .split("\n");
    assertEquals(4, lines.length);
    for (String line : lines) {
      assertEquals(607, line.length()); // 566 bytes of fields and 41 spaces
    }
    String first = lines[0];
    assertEquals("S22 ", first.substring(0, 4));
    assertEquals("000000010000 ", first.substring(66, 79)); // field 7, txnAmt
    assertEquals("D000000000006 ", first.substring(166, 180)); // field 16, fee
    assertEquals("C000000000002", lines[3].substring(166, 179));
    assertTrue(lines[3].startsWith("S30 "));
  }

  @Test
  void writePackUnpackAndParseRoundTrips() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(UnionPayFileContent.zmName(MER_ID, CLEARING), zm(StandardCharsets.UTF_8));
    files.put(UnionPayFileContent.zmeName(MER_ID, CLEARING), new byte[0]);
    String fileContent = UnionPayFileContent.pack(files);
    assertEquals("INN26010288ZM_777290058110048", UnionPayFileContent.zmName(MER_ID, CLEARING));

    Map<String, byte[]> unpacked = UnionPayFileContent.unpack(fileContent, 1 << 20);
    assertEquals(files.keySet(), unpacked.keySet());
    byte[] zm = unpacked.get(UnionPayFileContent.zmName(MER_ID, CLEARING));
    assertEquals(expected(), parse(new ByteArrayInputStream(zm), StandardCharsets.UTF_8));
  }

  @Test
  void theZipStreamFeedsTheParserWithoutUnpackingFirst() throws IOException {
    String fileContent =
        UnionPayFileContent.pack(Map.of("INN26010288ZM_" + MER_ID, zm(Charset.forName("GBK"))));
    try (ZipInputStream zip = UnionPayFileContent.open(fileContent)) {
      ZipEntry entry = zip.getNextEntry();
      assertTrue(entry.getName().contains("ZM_"));
      assertEquals(expected(), parse(zip, Charset.forName("GBK")));
    }
  }

  @Test
  void aZipThatInflatesBeyondTheLimitOrGarbageIsRefused() {
    String fileContent = UnionPayFileContent.pack(Map.of("big", new byte[10_000]));
    assertThrows(IllegalArgumentException.class, () -> UnionPayFileContent.unpack(fileContent, 9_999));
    String notDeflated = Base64.getEncoder().encodeToString("not a zip".getBytes());
    assertThrows(IllegalArgumentException.class, () -> UnionPayFileContent.unpack(notDeflated, 100));
  }

  @Test
  void blankLinesCrlfEndingsAndAStrippedReservedFieldAreAccepted() {
    String[] lines = new String(zm(StandardCharsets.UTF_8), StandardCharsets.UTF_8).split("\n");
    String text = "\r\n" + lines[0].stripTrailing() + "\r\n" + lines[1] + "\n" + lines[2] + "\n"
        + lines[3] + "\n\n";
    assertEquals(expected(), parse(stream(text), StandardCharsets.UTF_8));
  }

  @Test
  void theWriterRefusesFieldsWiderThanTheLayoutAndSharesThatDoNotSum() {
    ZmFileWriter writer = new ZmFileWriter(new ByteArrayOutputStream(), StandardCharsets.UTF_8);
    Row wide = new Row(MER_ID, "123456", "0101093000", "", 1, "260101093000000000001",
        "B".repeat(33), 0, "01", "07", "000000", null, null, List.of());
    assertThrows(IllegalArgumentException.class, () -> writer.consume(wide));
    Row uneven = new Row(MER_ID, "123456", "0101093000", "", 100, "260101093000000000001",
        "BDC20260101A", 0, "01", "07", "000000", null, null,
        List.of(new SplitShare(TREASURY, "", 99)));
    assertThrows(IllegalArgumentException.class, () -> writer.consume(uneven));
    Row refundWithoutOrigin = new Row(MER_ID, "123456", "0101093000", "", 100,
        "260101093000000000001", "RF20260101A", 0, "04", "00", "000000", null, null, List.of());
    assertThrows(IllegalArgumentException.class, () -> writer.refund(refundWithoutOrigin));
  }

  @ParameterizedTest
  @CsvSource({
    "66, X, txnAmt",         // a letter in the amount
    "166, E, fee",           // neither D nor C
    "170, ' ', fee",         // a blank inside the fee digits
    "0, T, trade code",      // unknown trade code
    "36, 3, trace time",     // 13th month: 1331235959
    "3, X, no space"         // the separator after field 1 is not a space
  })
  void aLineOffTheLayoutThrowsNamingItsLineNumber(int offset, char replacement, String hint) {
    String[] lines = new String(zm(StandardCharsets.UTF_8), StandardCharsets.UTF_8).split("\n");
    StringBuilder broken = new StringBuilder(lines[1]);
    broken.setCharAt(offset, replacement);
    if (hint.equals("trace time")) {
      broken.setCharAt(offset - 1, '1');
      broken.setCharAt(offset, '3');
    }
    String text = lines[0] + "\n" + broken + "\n" + lines[2] + "\n";
    ZmFormatException e =
        assertThrows(ZmFormatException.class, () -> parse(stream(text), StandardCharsets.UTF_8));
    assertEquals(2, e.lineNumber());
    assertTrue(e.getMessage().startsWith("ZM line 2: "), e.getMessage());
  }

  @Test
  void shortLongAndUnsplitRepeatedLinesThrow() {
    String[] lines = new String(zm(StandardCharsets.UTF_8), StandardCharsets.UTF_8).split("\n");
    String shortLine = lines[0] + "\n" + lines[0].substring(0, 300) + "\n";
    assertEquals(2, assertThrows(ZmFormatException.class,
        () -> parse(stream(shortLine), StandardCharsets.UTF_8)).lineNumber());
    String longLine = lines[0] + "x\n";
    assertEquals(1, assertThrows(ZmFormatException.class,
        () -> parse(stream(longLine), StandardCharsets.UTF_8)).lineNumber());
    String endless = "S22 " + "9".repeat(100_000);
    assertEquals(1, assertThrows(ZmFormatException.class,
        () -> parse(stream(endless), StandardCharsets.UTF_8)).lineNumber());
    String repeated = lines[0] + "\n" + lines[0] + "\n";
    assertEquals(2, assertThrows(ZmFormatException.class,
        () -> parse(stream(repeated), StandardCharsets.UTF_8)).lineNumber());
  }

  @Test
  void theParserIsLazyAndReadsOnlyWhatItReturns() {
    String[] lines = new String(zm(StandardCharsets.UTF_8), StandardCharsets.UTF_8).split("\n");
    String text = lines[0] + "\n" + "garbage\n";
    try (ZmFileParser parser = ZmFileParser.open(stream(text), StandardCharsets.UTF_8, CLEARING)) {
      assertEquals(Kind.PAYMENT, parser.next().kind());
      assertThrows(ZmFormatException.class, parser::hasNext);
    }
    try (ZmFileParser empty = ZmFileParser.open(stream(""), StandardCharsets.UTF_8, CLEARING)) {
      assertFalse(empty.hasNext());
    }
  }

  private static InputStream stream(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }
}
