package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.identity.PublishedKeys;
import org.clearing.payment.ExpiredOrderCloser;
import org.clearing.payment.PendingPaymentQueries;
import org.clearing.person.PersonRole;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.HeadlessChrome;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The finance bureau's console in a real browser (headless chromium) against the channel
 * sandboxes: a Lu'an (341500) finance officer sees the day's collections with their charts,
 * reconciles WeChat Pay for the day with a planted lost callback — the payment the engine never
 * heard of is in the channel's bill, appears as a LONG item and is healed (the order is PAID, the
 * API agrees) — sees every payee account's settlement balanced, and downloads the signed daily
 * report, whose signature verifies with the engine's published key. Screenshots under
 * target/console-screenshots/.
 */
class FinanceConsoleBrowserTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static HeadlessChrome chrome;
  private static ChromeDriver driver;
  private static ConsoleFixture fixture;
  private static String today;

  @BeforeAll
  static void start() throws Exception {
    chrome = HeadlessChrome.startOrSkip();
    driver = chrome.driver();
    fixture = new ConsoleFixture(engine);
    today = LocalDate.now(ZoneOffset.ofHours(8)).toString();
    // The active payment query would heal a dropped callback before the reconciliation could.
    Await.result(engine.get().engine().jobs().stop(PendingPaymentQueries.JOB, ExpiredOrderCloser.JOB));
  }

  @AfterAll
  static void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
    if (chrome != null) {
      chrome.close();
    }
  }

  private static WebDriverWait waiting() {
    return new WebDriverWait(driver, Duration.ofSeconds(30));
  }

  @Test
  void aFinanceOfficerReconcilesADayWithALostCallbackSeesItHealedTheAccountsBalancedAndTheReportVerifies()
      throws Exception {
    String heard = newOrder("FIN-HEARD");
    pay(Channel.WECHAT, heard);
    awaitStatus(heard, "PAID");
    setFaults(Channel.WECHAT, new JsonObject().put("drop_percent", 100));
    String lost = newOrder("FIN-LOST");
    pay(Channel.WECHAT, lost);
    setFaults(Channel.WECHAT, new JsonObject());
    assertEquals("OPEN", status(lost), "the callback was dropped: the engine never heard of the payment");
    String password = fixture.addSettledPerson("luan.finance", PersonRole.FINANCE, "341500");

    driver.get(engine.baseUrl() + "/console/sign-in");
    driver.findElement(By.id("login")).sendKeys("luan.finance");
    driver.findElement(By.id("password")).sendKeys(password);
    driver.findElement(By.id("sign-in")).click();
    waiting().until(ExpectedConditions.urlContains("/console/finance"));
    assertEquals("今日收款", driver.findElement(By.tagName("h1")).getText());
    assertEquals("15090.00", cell("by-channel", "微信支付", 2), "only the heard payment is collected yet");
    waiting().until(ExpectedConditions.attributeToBe(By.id("hourly-chart"), "data-drawn", "true"));
    waiting().until(ExpectedConditions.attributeToBe(By.id("account-chart"), "data-drawn", "true"));
    assertTrue(!driver.findElements(By.cssSelector("#hourly-chart canvas")).isEmpty(), "ECharts drew the chart");
    assertEquals(0, overflowPx(), "no sideways scrolling at 1366x768");
    chrome.screenshot("20-finance-dashboard");

    driver.findElement(By.id("nav-recon")).click();
    waiting().until(ExpectedConditions.urlContains("/console/finance/recon"));
    new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("run-channel"))).selectByValue("wechat");
    driver.findElement(By.id("run")).click();
    waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("flash"), "自动补记 1 笔"));
    WebElement longItem = driver.findElements(By.cssSelector("#items tbody tr")).stream()
        .filter(row -> row.getText().contains("W" + lost)).findFirst().orElseThrow();
    assertEquals("LONG", longItem.findElement(By.className("class")).getText());
    assertEquals("已自动处理", longItem.findElement(By.className("status")).getText());
    assertTrue(longItem.findElement(By.className("resolution")).getText().startsWith("BOOK_PAYMENT"),
        longItem.getText());
    chrome.screenshot("21-finance-recon-long-healed");
    assertEquals("PAID", status(lost), "the run booked the lost payment");
    ApiCaller.Answer order = engine.as(Role.REGISTRATION).get("/api/v1/orders/" + lost);
    assertEquals("PAID", order.json().getString("status"), "the API agrees: " + order.text());

    driver.findElement(By.id("nav-settlement")).click();
    waiting().until(ExpectedConditions.urlContains("/console/finance/settlement"));
    assertEquals("各账户应结与渠道已结一致。", driver.findElement(By.id("settlement-verdict")).getText());
    List<WebElement> accounts = driver.findElements(By.cssSelector("#settlement tbody tr"));
    assertEquals(2, accounts.size(), "Lu'an's treasury and non-tax accounts at WeChat Pay");
    for (WebElement account : accounts) {
      assertEquals("平", account.findElement(By.className("balanced")).getText(), account.getText());
    }
    chrome.screenshot("22-finance-settlement-balanced");

    List<?> download = (List<?>) driver.executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        fetch('/console/finance/report?format=csv&date=' + arguments[0])
          .then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('X-Clearing-Signature'),
              btoa(String.fromCharCode(...new Uint8Array(b)))])), e => done([0, String(e), '']));
        """, today);
    assertEquals(200L, ((Number) download.get(0)).longValue(), String.valueOf(download));
    byte[] report = Base64.getDecoder().decode((String) download.get(2));
    String csv = new String(report, StandardCharsets.UTF_8);
    assertTrue(csv.contains("NTX-341500") && !csv.contains("NTX-341522") && !csv.contains("TRE-341522"), "the officer's accounts only: " + csv);
    JsonObject keys = engine.get().as(Role.FINANCE).send("GET", "/api/v1/engine/public-keys", new byte[0], Map.of(),
        false).json();
    PublishedKeys.Verdict verdict = PublishedKeys.fromJson(keys.encode())
        .verifyReport((String) download.get(1), report, Instant.now());
    assertInstanceOf(PublishedKeys.Verified.class, verdict, String.valueOf(verdict));
    byte[] doctored = csv.replace("NTX-341500", "NTX-341501").getBytes(StandardCharsets.UTF_8);
    assertInstanceOf(PublishedKeys.Refused.class, PublishedKeys.fromJson(keys.encode())
        .verifyReport((String) download.get(1), doctored, Instant.now()), "a changed figure does not verify");

    driver.findElement(By.id("nav-receipts")).click();
    waiting().until(ExpectedConditions.urlContains("/console/finance/receipts"));
    assertTrue(driver.findElement(By.id("line-" + heard + "-2")).isDisplayed(), "the non-tax line awaits its e-bill");
    chrome.screenshot("23-finance-receipts");
    driver.get(engine.baseUrl() + "/console/finance?lang=en");
    assertEquals("Today's collections", driver.findElement(By.tagName("h1")).getText());
    chrome.screenshot("24-finance-dashboard-english");
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(820, 1180));
    try {
      driver.get(engine.baseUrl() + "/console/finance?lang=zh-CN");
      waiting().until(ExpectedConditions.attributeToBe(By.id("hourly-chart"), "data-drawn", "true"));
      assertEquals(0, overflowPx(), "no sideways scrolling on a tablet");
      chrome.screenshot("25-finance-dashboard-tablet");
    } finally {
      driver.manage().window().setSize(new org.openqa.selenium.Dimension(1366, 768));
    }

    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE login = 'luan.finance'"
        + " AND action = 'recon.run' AND outcome = 'ok'"));
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE login = 'luan.finance'"
        + " AND action = 'report.download' AND outcome = 'ok'"));
  }

  private static long overflowPx() {
    return ((Number) driver.executeScript(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")).longValue();
  }

  /** The text of column {@code column} of the row of {@code table} whose first cell is {@code first}. */
  private static String cell(String table, String first, int column) {
    for (WebElement row : driver.findElements(By.cssSelector("#" + table + " tbody tr"))) {
      List<WebElement> cells = row.findElements(By.tagName("td"));
      if (!cells.isEmpty() && cells.get(0).getText().equals(first)) {
        return cells.get(column).getText();
      }
    }
    throw new AssertionError("no row " + first + " in #" + table);
  }

  // ---- the sandboxes, as a payer's wallet and a test's fault switch

  private static int cases;

  private static String newOrder(String prefix) {
    String key = prefix + "-" + (++cases);
    ApiCaller.Answer created = engine.as(Role.REGISTRATION).post("/api/v1/orders",
        OrderBodies.typical(key).encode(), key);
    assertEquals(201, created.status(), created.text());
    return created.json().getString("order_no");
  }

  /** Pays through the cashier and the channel's sandbox, as a wallet would. */
  private static void pay(Channel channel, String orderNo) {
    String qr = engine.as(Role.REGISTRATION).get("/api/v1/orders/" + orderNo).json().getJsonObject("qr")
        .getString("url");
    Browser wallet = new Browser(Browser.WECHAT);
    Browser.Page page = wallet.open(qr);
    assertTrue(page.url().startsWith(engine.sandboxUrl(channel)), page.url());
    assertEquals(200, new Browser(Browser.WECHAT).submitForm(page).status());
  }

  private static void setFaults(Channel channel, JsonObject faults) {
    ApiCaller.Answer answer = new ApiCaller(engine.sandboxUrl(channel), null).raw("PUT", "/sandbox/faults",
        faults.encode().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    assertEquals(200, answer.status(), answer.text());
  }

  private static String status(String orderNo) {
    return TestDatabase.queryString(engine.get().pgUrl(), "SELECT status FROM orders WHERE order_no = '" + orderNo + "'");
  }

  private static void awaitStatus(String orderNo, String expected) {
    Await.value("order " + orderNo + " is " + expected, () -> status(orderNo), expected::equals);
  }
}
