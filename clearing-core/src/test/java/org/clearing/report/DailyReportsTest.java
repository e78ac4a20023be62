package org.clearing.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.PaymentNotification;
import org.clearing.payment.PaymentIntake;
import org.clearing.client.Role;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SignatureScheme;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * After a day of real payments through the three sandboxes — some settled from the channels'
 * bills, one refunded whole and one in part through the channel, some tax lines confirmed — the
 * finance bureau's report per account equals the journal and the settled legs, the tax
 * authority's report equals what the receipts endpoint lists, the CSV reads back to the same
 * numbers, and the signature verifies (Bouncy Castle and the documented OpenSSL command) while a
 * tampered byte does not.
 */
class DailyReportsTest {

  private static final String TREASURY = "TRE-341500";
  private static final String NON_TAX = "NTX-341500";
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ReportServer reports;
  private static ApiCaller registration;
  private static LocalDate today;
  private static int cases;

  @BeforeAll
  static void aDayOfPayments() throws Exception {
    registration = engine.as(Role.REGISTRATION);
    reports = new ReportServer(engine.get());
    today = LocalDate.now(DailyReports.BEIJING);
    List<String> settledLater = List.of(pay(Channel.WECHAT), pay(Channel.ALIPAY), pay(Channel.UNIONPAY));
    String refundedWhole = pay(Channel.ALIPAY);
    refund(refundedWhole, null);
    engine.engine().settlement().run(today).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    String refundedInPart = pay(Channel.WECHAT);
    refund(refundedInPart, new JsonArray().add(2));
    confirmTax(settledLater.get(0), "WSZM1");
    confirmTax(refundedInPart, "WSZM2");
    paidOneFenShort();
    awaitSealed();
  }

  @AfterAll
  static void stop() throws Exception {
    if (reports != null) {
      reports.close();
    }
  }

  @Test
  void theFinanceReportPerAccountEqualsTheJournalAndTheSettledLegs() throws Exception {
    for (int attempt = 0; ; attempt++) {
      Map<String, Long> before = journalFigures();
      JsonObject report = financeJson();
      if (!before.equals(journalFigures()) && attempt < 3) {
        continue; // the scheduled settlement ran meanwhile; draw both again
      }
      for (String account : List.of(TREASURY, NON_TAX)) {
        JsonObject total = accountTotal(report, account);
        assertEquals(before.get(account + ":paid"), total.getLong("paid_fen"), account + " paid");
        assertEquals(before.get(account + ":settled"), total.getLong("settled_fen"), account + " settled");
        assertEquals(before.get(account + ":refunded"), total.getLong("refunded_fen"), account + " refunded");
        assertEquals(-before.get(account + ":balance"), total.getLong("in_transit_fen"), account + " in transit");
        assertEquals(before.get(account + ":legs"), total.getLong("settled_fen"), account + " money that reached it");
        assertEquals(total.getLong("paid_fen"), total.getLong("settled_fen") + total.getLong("in_transit_fen")
            + total.getLong("refunded_fen"));
      }
      return;
    }
  }

  @Test
  void theFinanceReportShowsTheDaysFigures() throws Exception {
    JsonObject report = financeJson();
    JsonObject treasury = accountTotal(report, TREASURY);
    JsonObject nonTax = accountTotal(report, NON_TAX);

    assertEquals(5, treasury.getLong("paid_count"));
    assertEquals(5 * 1_500_000L, treasury.getLong("paid_fen"));
    assertEquals("75000.00", treasury.getString("paid_yuan"));
    assertEquals(1_500_000L, treasury.getLong("refunded_fen"), "the whole refund's deed tax");
    assertTrue(treasury.getLong("settled_fen") >= 3 * 1_500_000L);
    assertEquals(10, nonTax.getLong("paid_count"));
    assertEquals(5 * 9_000L, nonTax.getLong("paid_fen"));
    assertEquals(9_000L + 8_000L, nonTax.getLong("refunded_fen"), "the whole refund and the registration fee");
    assertEquals(1_000L, nonTax.getLong("settled_fen") + nonTax.getLong("in_transit_fen") - 3 * 9_000L,
        "what is left of the partly refunded order is settled or in transit");
    JsonObject registrationFee = report.getJsonArray("accounts").stream().map(JsonObject.class::cast)
        .filter(a -> a.getString("payee_account_id").equals(NON_TAX)).findFirst().orElseThrow()
        .getJsonArray("kinds").stream().map(JsonObject.class::cast)
        .filter(k -> k.getString("kind").equals("REGISTRATION_FEE")).findFirst().orElseThrow();
    assertEquals(16_000L, registrationFee.getLong("refunded_fen"));
    assertEquals("不动产登记费", registrationFee.getString("kind_name"));
    assertEquals(1, treasury.getLong("exception_count"), "the order paid 1 fen short, by its deed tax line");
    assertEquals(1_500_000L, treasury.getLong("exception_fen"));
    assertEquals(2, nonTax.getLong("exception_count"));
    assertEquals(9_000L, nonTax.getLong("exception_fen"));
    assertEquals("15090.00", report.getJsonObject("total").getString("exception_yuan"));
    assertEquals(report.getJsonObject("total").getLong("paid_fen"),
        treasury.getLong("paid_fen") + nonTax.getLong("paid_fen"));
  }

  @Test
  void theDaysLastSealIsNamed() throws Exception {
    JsonObject seal = financeJson().getJsonObject("last_seal");

    assertNotNull(seal, "the day's entries are sealed");
    long sealNo = seal.getLong("seal_no");
    assertTrue(sealNo >= engine.count("SELECT max(seal_no) FROM journal_seal") - 1, "the newest seal, or one newer came since");
    assertEquals(engine.count("SELECT count(*) FROM journal_seal WHERE seal_no = " + sealNo
        + " AND encode(seal, 'hex') = '" + seal.getString("seal_hex") + "'"), 1);
    ReportServer.Answer yesterday = reports.get(Role.FINANCE, "/api/v1/finance/reports/daily?date=" + today.minusDays(1));
    assertEquals(null, new JsonObject(new String(yesterday.body(), StandardCharsets.UTF_8)).getValue("last_seal"));
  }

  @Test
  void theTaxReportAgreesWithTheReceiptsEndpoint() throws Exception {
    JsonObject report = json(reports.get(Role.TAX, "/api/v1/tax/reports/daily?date=" + today));
    ApiCaller tax = engine.as(Role.TAX);
    long[] all = receipts(tax, "all");
    long[] confirmed = receipts(tax, "confirmed");
    long[] unconfirmed = receipts(tax, "unconfirmed");
    JsonObject total = report.getJsonObject("total");

    assertEquals(all[0], total.getLong("paid_count"));
    assertEquals(all[1], total.getLong("paid_fen"));
    assertEquals(confirmed[0], total.getLong("confirmed_count"));
    assertEquals(confirmed[1], total.getLong("confirmed_fen"));
    assertEquals(unconfirmed[0], total.getLong("unconfirmed_count"));
    assertEquals(unconfirmed[1], total.getLong("unconfirmed_fen"));
    assertEquals(2, confirmed[0], "two deed tax lines were confirmed");
    assertEquals(4, all[0], "the wholly refunded order is not the authority's to confirm");
    JsonObject deedTax = report.getJsonArray("rows").getJsonObject(0);
    assertEquals("DEED_TAX", deedTax.getString("kind"));
    assertEquals("13415000000", deedTax.getString("tax_office_code"));
  }

  @Test
  void theFinanceCsvStartsWithABomAndReadsBackToTheJsonFigures() throws Exception {
    ReportServer.Answer answer = reports.get(Role.FINANCE, "/api/v1/finance/reports/daily?date=" + today + "&format=csv");
    JsonObject report = financeJson();

    assertEquals(200, answer.status());
    assertTrue(answer.contentType().startsWith("text/csv"));
    assertArrayEquals(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, Arrays.copyOf(answer.body(), 3));
    String text = new String(answer.body(), 3, answer.body().length - 3, StandardCharsets.UTF_8);
    assertFalse(text.replace("\r\n", "").contains("\n"), "every line ends in CRLF");
    List<List<String>> rows = parse(text);
    assertEquals(FinanceReport.CSV_HEADER, rows.get(0));
    int rowCount = 0;
    for (List<String> row : rows.subList(1, rows.indexOf(List.of("")))) {
      JsonObject kind = report.getJsonArray("accounts").stream().map(JsonObject.class::cast)
          .filter(a -> a.getString("payee_account_id").equals(row.get(1))).findFirst().orElseThrow()
          .getJsonArray("kinds").stream().map(JsonObject.class::cast)
          .filter(k -> k.getString("kind").equals(row.get(4))).findFirst().orElseThrow();
      for (String figure : List.of("paid", "settled", "in_transit", "refunded", "authority_refunded", "exception")) {
        int column = FinanceReport.CSV_HEADER.indexOf(figure + "_fen");
        assertEquals(kind.getLong(figure + "_fen"), Long.parseLong(row.get(column)), figure);
        assertEquals(Long.parseLong(row.get(column)), Money.parseYuan(row.get(column + 1)).fen(), figure + " in yuan");
      }
      assertEquals(today.toString(), row.get(0));
      rowCount++;
    }
    assertEquals(3, rowCount, "deed tax at the treasury, the two fees at the non-tax account");
    List<String> footer = rows.get(rows.indexOf(List.of("")) + 2);
    assertEquals(report.getJsonObject("last_seal").getString("seal_hex"),
        footer.get(FinanceReport.CSV_FOOTER_HEADER.indexOf("last_seal_hex")));
  }

  @Test
  void theTaxCsvReadsBackToTheJsonFigures() throws Exception {
    ReportServer.Answer answer = reports.get(Role.TAX, "/api/v1/tax/reports/daily?date=" + today + "&format=csv");
    JsonObject report = json(reports.get(Role.TAX, "/api/v1/tax/reports/daily?date=" + today));

    assertArrayEquals(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, Arrays.copyOf(answer.body(), 3));
    List<List<String>> rows = parse(new String(answer.body(), 3, answer.body().length - 3, StandardCharsets.UTF_8));
    assertEquals(TaxReport.CSV_HEADER, rows.get(0));
    assertEquals(report.getJsonArray("rows").size() + 1, rows.size());
    for (int i = 1; i < rows.size(); i++) {
      JsonObject row = report.getJsonArray("rows").getJsonObject(i - 1);
      for (String figure : List.of("paid", "confirmed", "unconfirmed")) {
        int column = TaxReport.CSV_HEADER.indexOf(figure + "_fen");
        assertEquals(row.getLong(figure + "_fen"), Long.parseLong(rows.get(i).get(column)));
        assertEquals(row.getString(figure + "_yuan"), rows.get(i).get(column + 1));
        assertEquals(row.getLong(figure + "_count"), Long.parseLong(rows.get(i).get(column - 1)));
      }
    }
  }

  @Test
  void theWorkbookIsServedSignedWithTheCsvsRows() throws Exception {
    ReportServer.Answer answer = reports.get(Role.FINANCE, "/api/v1/finance/reports/daily?format=xlsx&date=" + today);
    var publicKey = Pem.readPublicKey(engine.as(Role.FINANCE).get("/api/v1/engine/public-key").json()
        .getString("public_key_pem"));
    List<String> names = new ArrayList<>();
    String sheet = null;
    try (var zip = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(answer.body()))) {
      for (var entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        names.add(entry.getName());
        byte[] part = zip.readAllBytes();
        if (entry.getName().equals("xl/worksheets/sheet1.xml")) {
          sheet = new String(part, StandardCharsets.UTF_8);
        }
      }
    }

    assertEquals(200, answer.status());
    assertEquals("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", answer.contentType());
    assertTrue(SignatureScheme.SM2_SM3.verify(publicKey, answer.body(), signature(answer.signature())));
    assertTrue(names.containsAll(List.of("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml")), names.toString());
    assertNotNull(sheet);
    assertTrue(sheet.contains("<t>国家金库六安市中心支库</t>"), "names are inline strings");
    assertTrue(sheet.contains("<c><v>7500000</v></c><c s=\"1\"><v>75000.00</v></c>"), "fen, then yuan shown 0.00");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/api/v1/finance/reports/daily?date=", "/api/v1/finance/reports/daily?format=csv&date="})
  void theSignatureVerifiesWithTheEnginesPublicKeyAndATamperedByteDoesNot(String path) throws Exception {
    ReportServer.Answer answer = reports.get(Role.FINANCE, path + today);
    var publicKey = Pem.readPublicKey(engine.as(Role.FINANCE).get("/api/v1/engine/public-key").json()
        .getString("public_key_pem"));
    String signature = signature(answer.signature());
    byte[] tampered = answer.body().clone();
    tampered[tampered.length / 2] ^= 0x01;

    String keyId = engine.as(Role.FINANCE).get("/api/v1/engine/public-key").json().getString("key_id");
    assertTrue(answer.signature().startsWith("CLEARING-SM2-SM3 key_id=\"" + keyId + "\",signature=\""),
        answer.signature());
    assertTrue(SignatureScheme.SM2_SM3.verify(publicKey, answer.body(), signature));
    assertFalse(SignatureScheme.SM2_SM3.verify(publicKey, tampered, signature));
  }

  @Test
  void theDocumentedOpenSslCommandVerifiesTheReportAndRefusesATamperedOne() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(openSslHasSm2(), "openssl with SM2 is not installed");
    ReportServer.Answer answer = reports.get(Role.TAX, "/api/v1/tax/reports/daily?format=csv&date=" + today);
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("report-verify-");
    java.nio.file.Files.writeString(dir.resolve("engine.pem"), engine.as(Role.TAX).get("/api/v1/engine/public-key")
        .json().getString("public_key_pem"));
    java.nio.file.Files.write(dir.resolve("report.csv"), answer.body());
    java.nio.file.Files.write(dir.resolve("sig.der"), Base64.getDecoder().decode(signature(answer.signature())));

    assertEquals(0, openSslVerify(dir), "the documented command verifies the report");
    byte[] tampered = answer.body().clone();
    tampered[tampered.length - 3] ^= 0x01;
    java.nio.file.Files.write(dir.resolve("report.csv"), tampered);
    assertTrue(openSslVerify(dir) != 0, "a tampered byte fails the check");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "?format=csv", "?date=2026-02-30", "?date=yesterday", "?date=2026-1-5",
      "?date=%2B2026-01-05", "?date=2026-01-05&format=xml", "?date=2026-01-05&format=", "?date=2026-01-05&format=CSV"})
  void badInputIsAProblemNaming422(String query) throws Exception {
    for (String path : List.of("/api/v1/finance/reports/daily", "/api/v1/tax/reports/daily")) {
      ReportServer.Answer answer = reports.get(path.contains("finance") ? Role.FINANCE : Role.TAX, path + query);

      assertEquals(422, answer.status(), path + query);
      assertEquals("application/problem+json", answer.contentType());
      JsonObject problem = json(answer);
      assertEquals(422, problem.getInteger("status"));
      assertFalse(problem.getJsonArray("errors").isEmpty());
      assertEquals(null, answer.signature(), "a problem is not a report");
    }
  }

  @Test
  void anotherRoleIsForbidden() throws Exception {
    String finance = "/api/v1/finance/reports/daily?date=" + today;
    String tax = "/api/v1/tax/reports/daily?date=" + today;

    assertEquals(403, reports.get(Role.TAX, finance).status());
    assertEquals(403, reports.get(Role.REGISTRATION, finance).status());
    assertEquals(403, reports.get(Role.ADMIN, finance).status());
    assertEquals(403, reports.get(Role.FINANCE, tax).status());
    assertEquals("/problems/forbidden", json(reports.get(Role.REGISTRATION, tax)).getString("type"));
  }

  @Test
  void openReconciliationItemsAreCountedWhenTheDailyRunExistsAndZeroOtherwise() throws Exception {
    boolean present = engine.count("SELECT count(*) FROM pg_class WHERE relname = 'recon_item'") > 0;
    JsonObject recon = financeJson().getJsonObject("open_recon_items");
    assertEquals(present, recon.getBoolean("available"));
    if (present) {
      return; // the real run's tables: their rows are that run's tests' business
    }
    assertEquals(0, recon.getLong("open_count"));
    org.clearing.testing.TestDatabase.execute(engine.pgUrl(), """
        CREATE TABLE recon_run (run_id bigint PRIMARY KEY, business_date date NOT NULL, channel text NOT NULL);
        CREATE TABLE recon_item (run_id bigint NOT NULL, item_no int NOT NULL, class text NOT NULL,
                                 resolution_status text NOT NULL, PRIMARY KEY (run_id, item_no));
        INSERT INTO recon_run VALUES (1, '%1$s', 'wechat'), (2, '%1$s', 'alipay'), (3, '%2$s', 'wechat');
        INSERT INTO recon_item VALUES (1, 1, 'LONG', 'OPEN'), (1, 2, 'SHORT', 'OPEN'), (1, 3, 'MATCHED', 'AUTO'),
          (2, 1, 'AMOUNT_MISMATCH', 'RESOLVED'), (2, 2, 'DUPLICATE', 'OPEN'), (3, 1, 'LONG', 'OPEN');
        """.formatted(today, today.minusDays(1)));
    try {
      JsonObject counted = financeJson().getJsonObject("open_recon_items");

      assertTrue(counted.getBoolean("available"));
      assertEquals(3, counted.getLong("open_count"));
      assertEquals(new JsonObject().put("alipay", 1L).put("wechat", 2L), counted.getJsonObject("open_by_channel"));
    } finally {
      org.clearing.testing.TestDatabase.execute(engine.pgUrl(), "DROP TABLE recon_item; DROP TABLE recon_run");
    }
  }

  // --- the day's story -------------------------------------------------------------------------

  private static String pay(Channel channel) throws Exception {
    JsonObject order = registration.post("/api/v1/orders", OrderBodies.typical("REPORT-" + (++cases)).encode(),
        "report-order-" + cases).json();
    Browser wallet = new Browser(switch (channel) {
      case WECHAT -> Browser.WECHAT;
      case ALIPAY -> Browser.ALIPAY;
      case UNIONPAY -> Browser.UNIONPAY;
    });
    wallet.submitForm(wallet.open(order.getJsonObject("qr").getString("url")));
    String orderNo = order.getString("order_no");
    Await.until(orderNo + " paid", () -> registration.get("/api/v1/orders/" + orderNo).json().getString("status").equals("PAID"));
    return orderNo;
  }

  /** A payment 1 fen short: the order is in EXCEPTION, the money in suspense, nothing paid to the accounts. */
  private static void paidOneFenShort() throws Exception {
    String orderNo = registration.post("/api/v1/orders", OrderBodies.typical("REPORT-SHORT").encode(),
        "report-order-short").json().getString("order_no");
    PaymentNotification payment = new PaymentNotification(Channel.UNIONPAY, "EV-REPORT-SHORT",
        OutTradeNumbers.of(Channel.UNIONPAY, orderNo), "951807261002324799001", Money.ofFen(1_508_999), "CNY",
        true, Instant.now(), "payer", org.clearing.channel.PayeeIdentity.of("test-merchant", "", ""));
    engine.engine().intake().recordPayment(payment, PaymentIntake.Source.CALLBACK)
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals("EXCEPTION", registration.get("/api/v1/orders/" + orderNo).json().getString("status"));
  }

  private static void refund(String orderNo, JsonArray lines) throws Exception {
    JsonObject body = new JsonObject().put("refund_key", "report-refund-" + orderNo).put("reason", "withdrawn");
    if (lines != null) {
      body.put("lines", lines);
    }
    ApiCaller.Answer answer = registration.post("/api/v1/orders/" + orderNo + "/refunds", body.encode(), null);
    assertEquals(201, answer.status(), answer.text());
    String refundId = answer.json().getString("refund_id");
    Await.until(refundId + " succeeded", () -> registration.get("/api/v1/orders/" + orderNo + "/refunds/" + refundId).json()
        .getString("status").equals("SUCCEEDED"));
  }

  private static void confirmTax(String orderNo, String certificateNo) {
    ApiCaller.Answer answer = engine.as(Role.TAX).post("/api/v1/tax/receipts/" + orderNo + "-1/confirm",
        "{\"certificate_no\":\"" + certificateNo + "\"}", null);
    assertEquals(200, answer.status(), answer.text());
  }

  private static void awaitSealed() throws Exception {
    Await.until("every entry sealed", () -> engine.count("SELECT count(*) FROM journal_entry e WHERE NOT EXISTS (SELECT 1 FROM journal_seal s"
        + " WHERE e.txid >= s.from_txid AND e.txid < s.to_txid)") == 0);
  }

  // --- reading the answers ---------------------------------------------------------------------

  private static JsonObject financeJson() throws Exception {
    return json(reports.get(Role.FINANCE, "/api/v1/finance/reports/daily?date=" + today + "&format=json"));
  }

  private static JsonObject json(ReportServer.Answer answer) {
    assertTrue(answer.status() == 200 || answer.contentType().equals("application/problem+json"),
        answer.status() + " " + new String(answer.body(), StandardCharsets.UTF_8));
    return new JsonObject(new String(answer.body(), StandardCharsets.UTF_8));
  }

  private static JsonObject accountTotal(JsonObject report, String account) {
    return report.getJsonArray("accounts").stream().map(JsonObject.class::cast)
        .filter(a -> a.getString("payee_account_id").equals(account)).findFirst().orElseThrow()
        .getJsonObject("total");
  }

  /** Per account: payment credits, settlement and refund debits, open balance, settled legs. */
  private static Map<String, Long> journalFigures() {
    Map<String, Long> figures = new java.util.HashMap<>();
    for (String account : List.of(TREASURY, NON_TAX)) {
      String postings = "SELECT coalesce(sum(%s), 0) FROM journal_posting p JOIN journal_entry e USING (entry_id)"
          + " WHERE p.account = 'payee:" + account + "'";
      figures.put(account + ":paid", engine.count(postings.formatted("p.credit_fen - p.debit_fen") + " AND e.kind = 'PAYMENT'"));
      figures.put(account + ":settled", engine.count(postings.formatted("p.debit_fen") + " AND e.kind = 'SETTLEMENT'"));
      figures.put(account + ":refunded", engine.count(postings.formatted("p.debit_fen") + " AND e.kind = 'REFUND'"));
      figures.put(account + ":balance", engine.count(postings.formatted("p.debit_fen - p.credit_fen")));
      figures.put(account + ":legs", engine.count("SELECT coalesce(sum(g.amount_fen - coalesce((SELECT sum(rg.amount_fen)"
          + " FROM refund_leg rg JOIN refund r USING (refund_id) WHERE r.order_no = g.order_no AND rg.leg_no = g.leg_no"
          + " AND r.status = 'SUCCEEDED'), 0)), 0) FROM leg g WHERE g.payee_account_id = '" + account
          + "' AND g.status IN ('SETTLED', 'BOOKED', 'RECONCILED')"));
    }
    return figures;
  }

  /** Lines and fen the receipts endpoint lists for today, following its pages. */
  private static long[] receipts(ApiCaller tax, String status) {
    long lines = 0;
    long fen = 0;
    String after = "";
    do {
      JsonObject page = tax.get("/api/v1/tax/receipts?date=" + today + "&status=" + status + "&limit=2"
          + (after.isEmpty() ? "" : "&after=" + after)).json();
      for (Object line : page.getJsonArray("lines")) {
        lines++;
        fen += ((JsonObject) line).getLong("amount_fen");
      }
      after = page.getString("next_after") == null ? "" : page.getString("next_after");
    } while (!after.isEmpty());
    return new long[] {lines, fen};
  }

  private static String signature(String header) {
    Matcher m = Pattern.compile("signature=\"([A-Za-z0-9+/=]+)\"").matcher(header);
    assertTrue(m.find(), header);
    return m.group(1);
  }

  /** RFC 4180 fields: quoted fields may hold commas, doubled quotes and line breaks. */
  static List<List<String>> parse(String text) {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        row.add(field.toString());
        field.setLength(0);
      } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
        row.add(field.toString());
        field.setLength(0);
        rows.add(row);
        row = new ArrayList<>();
        i++;
      } else {
        field.append(c);
      }
    }
    return rows;
  }

  private static boolean openSslHasSm2() {
    try {
      Process p = new ProcessBuilder("openssl", "list", "-public-key-algorithms").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0 && out.contains("SM2");
    } catch (Exception e) {
      return false;
    }
  }

  /** The command documented in the package's javadoc, word for word. */
  private static int openSslVerify(java.nio.file.Path dir) throws Exception {
    Process p = new ProcessBuilder("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "engine.pem", "-rawin",
        "-digest", "sm3", "-pkeyopt", "distid:1234567812345678", "-in", "report.csv", "-sigfile", "sig.der")
        .directory(dir.toFile()).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(20, TimeUnit.SECONDS));
    return p.exitValue();
  }
}
