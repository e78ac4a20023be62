package org.clearing.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.SignatureScheme;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Rendering without a database: yuan text exact from fen, CSV fields quoted where they must be and
 * read back unchanged, a workbook that is a valid zip of well-formed SpreadsheetML parts with the
 * same cells as the CSV, request parameters checked, and a signature that covers every byte.
 */
class ReportRenderingTest {

  private static final LocalDate DAY = LocalDate.of(2026, 11, 27);
  private static final String AWKWARD_NAME = "财政局, \"非税\" <汇缴> & 结算户\r\n第二行\u0001";

  private static FinanceReport report() {
    return new FinanceReport(DAY, Instant.parse("2026-11-27T10:00:00Z"), List.of(
        new FinanceReport.Row("NTX-341500", AWKWARD_NAME, "NON_TAX", "CERTIFICATE_FEE", 2, 2_000, 1_000, 0, 1_000, 0, 1, 1_000),
        new FinanceReport.Row("NTX-341500", AWKWARD_NAME, "NON_TAX", "REGISTRATION_FEE", 2, 16_000, 8_000, 8_000, 0, 0, 0, 0),
        new FinanceReport.Row("TRE-341500", "国家金库", "TREASURY", "DEED_TAX", 1, 123_450, 0, 123_450, 0, 0, 0, 0)),
        new FinanceReport.ReconItems(true, new LinkedHashMap<>(Map.of("wechat", 2L))),
        Optional.of(new SealReference(7, "ab".repeat(32), Instant.parse("2026-11-27T09:59:59Z"))));
  }

  @ParameterizedTest
  @CsvSource({"123450, 1234.50", "5, 0.05", "0, 0.00", "100, 1.00", "-1, -0.01", "9223372036854775807, 92233720368547758.07"})
  void yuanIsTheExactTextOfFen(long fen, String yuan) {
    assertEquals(yuan, Amounts.yuan(fen));
    assertEquals(yuan, new Amounts.Yuan(fen).toString());
  }

  @Test
  void aNameWithCommasQuotesAndLineBreaksSurvivesTheCsv() {
    byte[] csv = report().csv();
    List<List<String>> rows = DailyReportsTest.parse(new String(csv, 3, csv.length - 3, StandardCharsets.UTF_8));

    assertEquals(AWKWARD_NAME, rows.get(1).get(2));
    assertEquals("1234.50", rows.get(3).get(FinanceReport.CSV_HEADER.indexOf("paid_yuan")));
    assertEquals(List.of(""), rows.get(4), "a blank line before the day's facts");
    assertEquals("ab".repeat(32), rows.get(6).get(FinanceReport.CSV_FOOTER_HEADER.indexOf("last_seal_hex")));
    assertEquals("2", rows.get(6).get(FinanceReport.CSV_FOOTER_HEADER.indexOf("open_recon_items")));
  }

  @Test
  void totalsPerAccountAddUpTheKinds() {
    JsonObject json = new JsonObject(new String(report().json(), StandardCharsets.UTF_8));
    JsonObject nonTax = json.getJsonArray("accounts").getJsonObject(0).getJsonObject("total");

    assertEquals(18_000, nonTax.getLong("paid_fen"));
    assertEquals("180.00", nonTax.getString("paid_yuan"));
    assertEquals(9_000, nonTax.getLong("settled_fen"));
    assertEquals(1, nonTax.getLong("exception_count"));
    assertEquals(141_450, json.getJsonObject("total").getLong("paid_fen"));
    assertEquals(2, json.getJsonObject("open_recon_items").getLong("open_count"));
  }

  @Test
  void theWorkbookIsAZipOfWellFormedPartsWithTheCsvsCells() throws Exception {
    Map<String, byte[]> parts = unzip(report().xlsx());

    assertEquals(List.of("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
        "xl/styles.xml", "xl/worksheets/sheet1.xml"), new ArrayList<>(parts.keySet()));
    parts.values().forEach(ReportRenderingTest::parseXml);
    List<List<String>> cells = sheetCells(parseXml(parts.get("xl/worksheets/sheet1.xml")));
    byte[] csv = report().csv();
    List<List<String>> rows = DailyReportsTest.parse(new String(csv, 3, csv.length - 3, StandardCharsets.UTF_8));
    assertEquals(rows.size(), cells.size());
    for (int r = 0; r < rows.size(); r++) {
      if (!rows.get(r).equals(List.of(""))) {
        assertEquals(rows.get(r).stream().map(v -> v.replace("\u0001", "")).toList(), cells.get(r), "row " + r);
      }
    }
    assertArrayEquals(report().xlsx(), report().xlsx(), "the same report gives the same bytes");
  }

  @Test
  void theTaxWorkbookHoldsItsRows() throws Exception {
    TaxReport tax = new TaxReport(DAY, Instant.parse("2026-11-27T10:00:00Z"), List.of(
        new TaxReport.Row("DEED_TAX", "13415000000", 3, 4_500_000, 1, 1_500_000, 2, 3_000_000)));
    List<List<String>> cells = sheetCells(parseXml(unzip(tax.xlsx()).get("xl/worksheets/sheet1.xml")));

    assertEquals(TaxReport.CSV_HEADER, cells.get(0));
    assertEquals(List.of("2026-11-27", "DEED_TAX", "契税", "13415000000", "3", "4500000", "45000.00", "1", "1500000",
        "15000.00", "2", "3000000", "30000.00"), cells.get(1));
  }

  @ParameterizedTest
  @CsvSource(nullValues = "NULL", value = {
      "2026-11-27, NULL, JSON", "2026-11-27, json, JSON", "2026-11-27, csv, CSV", "2026-11-27, xlsx, XLSX"})
  void aValidRequestNamesItsDayAndFormat(String date, String format, ReportFormat expected) {
    ReportRequest.Parsed parsed = ReportRequest.parse(date, format);

    assertEquals(new ReportRequest(DAY, expected), assertInstanceOf(ReportRequest.Valid.class, parsed).request());
  }

  @Test
  void aRequestWrongInBothFieldsNamesBoth() {
    ReportRequest.Invalid invalid = assertInstanceOf(ReportRequest.Invalid.class, ReportRequest.parse("2026-13-01", "pdf"));

    assertEquals(List.of("date", "format"), invalid.errors().stream().map(e -> e.field()).toList());
  }

  @Test
  void theSignatureCoversEveryByteOfTheBody() {
    var keys = Crypto.generateSm2();
    ReportSigner signer = new ReportSigner("clearing-engine", keys.getPrivate());
    byte[] body = report().csv();
    String header = signer.header(body);
    String signature = header.substring(header.indexOf("signature=\"") + 11, header.length() - 1);

    assertTrue(header.startsWith("CLEARING-SM2-SM3 key_id=\"clearing-engine\",signature=\""));
    assertTrue(SignatureScheme.SM2_SM3.verify(keys.getPublic(), body, signature));
    for (int i : new int[] {0, 1, 2, body.length / 2, body.length - 1}) {
      byte[] tampered = body.clone();
      tampered[i] ^= 0x20;
      assertFalse(SignatureScheme.SM2_SM3.verify(keys.getPublic(), tampered, signature), "byte " + i);
    }
    assertFalse(SignatureScheme.SM2_SM3.verify(Crypto.generateSm2().getPublic(), body, signature), "another key");
  }

  private static Map<String, byte[]> unzip(byte[] zip) throws Exception {
    Map<String, byte[]> parts = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip), StandardCharsets.UTF_8)) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        parts.put(entry.getName(), in.readAllBytes());
      }
    }
    return parts;
  }

  private static Document parseXml(byte[] xml) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(true);
      return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    } catch (Exception e) {
      throw new AssertionError("not well-formed XML: " + new String(xml, StandardCharsets.UTF_8), e);
    }
  }

  /** Cell texts per row: an inline string's text or a number's value. */
  private static List<List<String>> sheetCells(Document sheet) {
    List<List<String>> rows = new ArrayList<>();
    NodeList rowNodes = sheet.getElementsByTagNameNS("*", "row");
    for (int r = 0; r < rowNodes.getLength(); r++) {
      List<String> cells = new ArrayList<>();
      NodeList cellNodes = ((Element) rowNodes.item(r)).getElementsByTagNameNS("*", "c");
      for (int c = 0; c < cellNodes.getLength(); c++) {
        cells.add(cellNodes.item(c).getTextContent());
      }
      rows.add(cells);
    }
    return rows;
  }
}
