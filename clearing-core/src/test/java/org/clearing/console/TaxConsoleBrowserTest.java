package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.clearing.client.Role;
import org.clearing.person.PersonRole;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.HeadlessChrome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The tax authority's console in a real browser (headless chromium): a Huoqiu (341522) officer
 * signs in with a one-time password, must change it, confirms three receipts in one go through
 * htmx and sees them confirmed, and the signed API agrees. The officer's page shows nothing of
 * Lu'an (341500), and requests forged from the page — another region's line, a post without the
 * CSRF token — are refused. Five wrong passwords lock the login. An auditor reads but cannot act.
 * An officer uploads a CSV file: a bad one shows each row's error and confirms nothing, the
 * corrected one confirms every row; the report page draws its chart under the same policy.
 * Screenshots of each page are saved under target/console-screenshots/.
 */
class TaxConsoleBrowserTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static HeadlessChrome chrome;
  private static ChromeDriver driver;
  private static ConsoleFixture fixture;
  private static String today;

  @BeforeAll
  static void start() {
    chrome = HeadlessChrome.startOrSkip();
    driver = chrome.driver();
    fixture = new ConsoleFixture(engine);
    today = LocalDate.now(ZoneOffset.ofHours(8)).toString();
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

  @BeforeEach
  void signedOut() {
    driver.get(engine.baseUrl() + "/console/sign-in");
    driver.manage().deleteAllCookies();
  }

  private static WebDriverWait waiting() {
    return new WebDriverWait(driver, Duration.ofSeconds(20));
  }

  private static void signIn(String login, String password) {
    driver.get(engine.baseUrl() + "/console/sign-in");
    driver.findElement(By.id("login")).clear();
    driver.findElement(By.id("login")).sendKeys(login);
    driver.findElement(By.id("password")).sendKeys(password);
    WebElement form = driver.findElement(By.id("sign-in"));
    form.click();
    // Wait for the answer's page: reading before it arrives would read the sign-in page just left.
    waiting().until(ExpectedConditions.stalenessOf(form));
  }

  @Test
  void aTaxOfficerSignsInConfirmsThreeReceiptsInOneGoAndTheApiAgrees() throws Exception {
    String oneTime = fixture.addPerson("huoqiu.officer", PersonRole.TAX, "341522");
    List<String> lines = List.of(fixture.paidOrder("341522") + "-1", fixture.paidOrder("341522") + "-1",
        fixture.paidOrder("341522") + "-1");
    String luan = fixture.paidOrder("341500") + "-1";

    signIn("huoqiu.officer", oneTime);
    waiting().until(ExpectedConditions.urlContains("/console/password"));
    chrome.screenshot("01-first-sign-in-password-change");
    driver.findElement(By.id("current_password")).sendKeys(oneTime);
    driver.findElement(By.id("new_password")).sendKeys("huoqiu-officer-2026");
    driver.findElement(By.id("new_password_again")).sendKeys("huoqiu-officer-2026");
    driver.findElement(By.id("change-password")).click();
    waiting().until(ExpectedConditions.urlContains("/console/tax/receipts"));

    assertEquals("税票确认", driver.findElement(By.tagName("h1")).getText());
    assertEquals("object", driver.executeScript("return typeof htmx"), "htmx loaded despite the strict policy");
    for (String line : lines) {
      assertTrue(driver.findElement(By.id("line-" + line)).isDisplayed());
    }
    assertFalse(driver.getPageSource().contains(luan), "a 341522 officer sees nothing of 341500");
    chrome.screenshot("02-tax-receipts-unconfirmed");

    for (int i = 0; i < lines.size(); i++) {
      driver.findElement(By.id("tick-" + lines.get(i))).click();
      driver.findElement(By.id("cert-" + lines.get(i))).sendKeys("WSZM-2026-00" + (i + 1));
    }
    chrome.screenshot("03-tax-receipts-ticked");
    driver.findElement(By.id("confirm")).click();
    waiting().until(ExpectedConditions.textToBe(By.id("flash"), "已确认 3 笔。"));
    assertTrue(driver.getCurrentUrl().endsWith("/console/tax/receipts"), "swapped in place by htmx: "
        + driver.getCurrentUrl());
    for (String line : lines) {
      assertTrue(driver.findElements(By.id("line-" + line)).isEmpty(), "no longer unconfirmed: " + line);
    }
    chrome.screenshot("04-tax-receipts-confirmed-flash");

    driver.get(engine.baseUrl() + "/console/tax/receipts?status=confirmed");
    for (int i = 0; i < lines.size(); i++) {
      WebElement row = driver.findElement(By.id("line-" + lines.get(i)));
      assertEquals("WSZM-2026-00" + (i + 1), row.findElement(By.className("confirmed")).getText());
    }
    chrome.screenshot("05-tax-receipts-confirmed");

    ApiCaller.Answer api = engine.as(Role.TAX).get("/api/v1/tax/receipts?status=confirmed&date=" + today);
    assertEquals(200, api.status(), api.text());
    JsonArray confirmed = api.json().getJsonArray("lines");
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      JsonObject seen = confirmed.stream().map(JsonObject.class::cast)
          .filter(l -> l.getString("line_id").equals(line)).findFirst().orElseThrow();
      assertEquals("WSZM-2026-00" + (i + 1), seen.getString("certificate_no"));
    }
    assertEquals(3, engine.count("SELECT count(*) FROM audit_event WHERE login = 'huoqiu.officer'"
        + " AND action = 'receipt.confirm' AND outcome = 'ok'"));
  }

  @Test
  void requestsForgedFromThePageForAnotherRegionOrWithoutTheTokenAreRefused() throws Exception {
    String password = fixture.addSettledPerson("huoqiu.forger", PersonRole.TAX, "341522");
    String luan = fixture.paidOrder("341500") + "-1";
    String own = fixture.paidOrder("341522") + "-1";
    signIn("huoqiu.forger", password);
    waiting().until(ExpectedConditions.urlContains("/console/tax/receipts"));

    long forged = post(luan, true);
    long tokenless = post(own, false);

    assertEquals(403, forged, "another region's line");
    assertEquals(403, tokenless, "a form post without the CSRF token");
    assertEquals(0, engine.count("SELECT count(*) FROM order_line WHERE order_no || '-' || line_no IN ('"
        + luan + "', '" + own + "') AND confirmation_no IS NOT NULL"));
    driver.get(engine.baseUrl() + "/console/tax/receipts?region=341500");
    assertTrue(driver.getPageSource().contains("无权执行此操作"), driver.getPageSource());
    chrome.screenshot("06-forged-region-refused");
  }

  /** Posts a confirmation from inside the signed-in page, as injected script or a forged form would. */
  private static long post(String line, boolean withToken) {
    Object status = driver.executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        const headers = {'Content-Type': 'application/x-www-form-urlencoded'};
        if (arguments[1]) {
          headers['X-CSRF-Token'] = document.querySelector('meta[name="csrf-token"]').content;
        }
        fetch('/console/tax/receipts/confirm', {method: 'POST', headers: headers,
            body: 'line=' + arguments[0] + '&certificate_no.' + arguments[0] + '=WSZM-FORGED'})
          .then(r => done(r.status), e => done(String(e)));
        """, line, withToken);
    return ((Number) status).longValue();
  }

  @Test
  void fiveWrongPasswordsLockTheSignIn() throws Exception {
    String password = fixture.addSettledPerson("huoqiu.locked", PersonRole.TAX, "341522");
    for (int i = 1; i <= 5; i++) {
      signIn("huoqiu.locked", "wrong-password-" + i);
    }
    assertTrue(driver.findElement(By.id("error")).getText().contains("已锁定"), driver.findElement(By.id("error")).getText());
    chrome.screenshot("07-sign-in-locked");
    signIn("huoqiu.locked", password);
    assertTrue(driver.findElement(By.id("error")).getText().contains("已锁定"), "the right password is refused while locked");
    assertTrue(driver.getCurrentUrl().endsWith("/console/sign-in"));
  }

  @Test
  void anAuditorSeesTheReceiptsWithoutAnyWayToActAndReadsTheAuditLog() throws Exception {
    String password = fixture.addSettledPerson("huoqiu.auditor", PersonRole.AUDITOR, "341522");
    String line = fixture.paidOrder("341522") + "-1";
    signIn("huoqiu.auditor", password);
    waiting().until(ExpectedConditions.urlContains("/console/tax/receipts"));
    assertTrue(driver.findElement(By.id("line-" + line)).isDisplayed());
    assertTrue(driver.findElements(By.id("confirm")).isEmpty(), "no confirm button");
    assertTrue(driver.findElements(By.name("line")).isEmpty(), "no line to tick");
    chrome.screenshot("08-auditor-tax-receipts-read-only");

    driver.findElement(By.linkText("审计日志")).click();
    waiting().until(ExpectedConditions.urlContains("/console/audit"));
    assertTrue(driver.findElement(By.id("events")).getText().contains("huoqiu.auditor"));
    chrome.screenshot("09-audit-log");
  }

  @Test
  void anOfficerUploadsACsvSeesEachBadRowThenConfirmsTheCorrectedFile() throws Exception {
    String password = fixture.addSettledPerson("huoqiu.csv", PersonRole.TAX, "341522");
    String first = fixture.paidOrder("341522") + "-1";
    String second = fixture.paidOrder("341522") + "-1";
    String luan = fixture.paidOrder("341500") + "-1";
    java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "console-csv"));
    java.nio.file.Path bad = java.nio.file.Files.writeString(dir.resolve("bad.csv"),
        "line_id,certificate_no\n" + first + ",WSZM-CSV-01\n" + luan + ",WSZM-CSV-02\n" + first + ",WSZM-CSV-03\n");
    java.nio.file.Path good = java.nio.file.Files.writeString(dir.resolve("good.csv"),
        "line_id,certificate_no\n" + first + ",WSZM-CSV-01\n" + second + ",WSZM-CSV-02\n");
    signIn("huoqiu.csv", password);
    waiting().until(ExpectedConditions.urlContains("/console/tax/receipts"));

    choose(bad);
    driver.findElement(By.id("csv-submit")).click();
    waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("csv-errors")));
    String errors = driver.findElement(By.id("csv-errors")).getText();
    assertTrue(errors.contains("不是您所辖区划的税票。"), errors);
    assertTrue(errors.contains("与第 2 行的税票行号重复。"), errors);
    assertTrue(driver.findElement(By.id("flash")).getText().contains("本次未确认任何税票"));
    assertEquals(0, engine.count("SELECT count(*) FROM order_line WHERE order_no || '-' || line_no IN ('"
        + first + "', '" + second + "', '" + luan + "') AND confirmation_no IS NOT NULL"));
    chrome.screenshot("10-tax-csv-upload-errors");

    choose(good);
    driver.findElement(By.id("csv-submit")).click();
    waiting().until(ExpectedConditions.textToBe(By.id("flash"), "已确认 2 笔。"));
    assertTrue(driver.findElements(By.id("line-" + first)).isEmpty());
    assertTrue(driver.findElements(By.id("line-" + second)).isEmpty());
    assertEquals(2, engine.count("SELECT count(*) FROM order_line WHERE order_no || '-' || line_no IN ('"
        + first + "', '" + second + "') AND confirmation_no LIKE 'WSZM-CSV-0%'"));
    chrome.screenshot("11-tax-csv-upload-confirmed");

    driver.findElement(By.id("tab-report")).click();
    waiting().until(ExpectedConditions.attributeToBe(By.id("collections-chart"), "data-drawn", "1"));
    assertTrue(driver.findElement(By.id("collections-totals")).getText().contains(today));
    chrome.screenshot("12-tax-report-chart");
    driver.findElement(By.id("tab-refunds")).click();
    waiting().until(ExpectedConditions.urlContains("/console/tax/refunds"));
    chrome.screenshot("13-tax-refunds");
  }

  /** Chooses {@code file} in the upload form; the page's script reads it into the form's text. */
  private static void choose(java.nio.file.Path file) throws Exception {
    String content = java.nio.file.Files.readString(file);
    WebElement textarea = driver.findElement(By.id("csv"));
    driver.findElement(By.id("csv-file")).sendKeys(file.toAbsolutePath().toString());
    waiting().until(d -> content.equals(d.findElement(By.id("csv")).getAttribute("value")));
    assertTrue(textarea.isDisplayed());
  }

  @Test
  void theSignInPageSpeaksEnglishOnRequest() {
    driver.get(engine.baseUrl() + "/console/sign-in?lang=en");
    assertEquals("Sign in", driver.findElement(By.tagName("h1")).getText());
    chrome.screenshot("00-sign-in-english");
    driver.get(engine.baseUrl() + "/console/sign-in?lang=zh-CN");
    assertEquals("登录", driver.findElement(By.tagName("h1")).getText());
    chrome.screenshot("00-sign-in");
  }
}
