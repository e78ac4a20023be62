package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.clearing.client.Role;
import org.clearing.person.PersonRole;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.HeadlessChrome;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator's console in a real browser (headless chromium at 1366x768): a Huoqiu (341522)
 * operator finds an order paid through the WeChat sandbox by its case number and sees, on the
 * order's page, the callback the sandbox sent with what the engine did with it and the journal
 * entries with their seal; then cancels an open order after confirming, and the signed API
 * agrees. A 341500 order stays out of sight. Screenshots under target/console-screenshots/.
 */
class OperatorConsoleBrowserTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static HeadlessChrome chrome;
  private static ChromeDriver driver;
  private static ConsoleFixture fixture;
  private static ApiCaller registration;
  private static String password;

  @BeforeAll
  static void start() throws Exception {
    chrome = HeadlessChrome.startOrSkip();
    driver = chrome.driver();
    fixture = new ConsoleFixture(engine);
    registration = engine.as(Role.REGISTRATION);
    password = fixture.addSettledPerson("huoqiu.ops", PersonRole.OPERATOR, "341522");
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
  void signedIn() {
    driver.get(engine.baseUrl() + "/console/sign-in");
    driver.manage().deleteAllCookies();
    driver.get(engine.baseUrl() + "/console/sign-in");
    driver.findElement(By.id("login")).sendKeys("huoqiu.ops");
    driver.findElement(By.id("password")).sendKeys(password);
    driver.findElement(By.id("sign-in")).click();
    waiting().until(ExpectedConditions.urlContains("/console/operator/orders"));
  }

  private static WebDriverWait waiting() {
    return new WebDriverWait(driver, Duration.ofSeconds(20));
  }

  private static JsonObject openOrder(String region, String caseNo) {
    ApiCaller.Answer created = registration.post("/api/v1/orders",
        OrderBodies.typical(caseNo).put("region", region).encode(), "browser-" + caseNo);
    assertEquals(201, created.status(), created.text());
    return created.json();
  }

  private static String status(String orderNo) {
    return registration.get("/api/v1/orders/" + orderNo).json().getString("status");
  }

  @Test
  void anOperatorFindsAnOrderByCaseNumberAndSeesItsCallbacksAndJournalEntries() {
    String caseNo = "BDC-HQ-" + System.nanoTime();
    JsonObject order = openOrder("341522", caseNo);
    String orderNo = order.getString("order_no");
    Browser payer = new Browser(Browser.WECHAT);
    payer.submitForm(payer.open(order.getJsonObject("qr").getString("url")));
    Await.until("paid through the sandbox's callback", () -> status(orderNo).equals("PAID"));
    Await.until("its entries sealed", () -> engine.count("SELECT count(*) FROM journal_entry e WHERE e.order_no = '"
        + orderNo + "' AND NOT EXISTS (SELECT 1 FROM journal_seal s WHERE e.txid >= s.from_txid"
        + " AND e.txid < s.to_txid)") == 0);

    assertEquals("订单查询", driver.findElement(By.tagName("h1")).getText());
    driver.findElement(By.id("case_no")).sendKeys(caseNo);
    chrome.screenshot("20-operator-search");
    driver.findElement(By.id("search")).click();
    WebElement row = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("order-" + orderNo)));
    assertTrue(row.getText().contains("张*"), "payer masked: " + row.getText());
    assertFalse(driver.getPageSource().contains("张三"));
    chrome.screenshot("21-operator-search-by-case");

    row.findElement(By.linkText(orderNo)).click();
    waiting().until(ExpectedConditions.textToBe(By.id("order-no"), orderNo));
    assertEquals(caseNo, driver.findElement(By.id("case-no")).getText());
    assertEquals("已支付", driver.findElement(By.id("status")).getText());
    WebElement callbacks = driver.findElement(By.id("callbacks"));
    assertTrue(callbacks.getText().contains("wechat"), callbacks.getText());
    assertTrue(callbacks.getText().contains("CALLBACK"), callbacks.getText());
    assertFalse(callbacks.findElements(By.className("outcome")).isEmpty(), "each callback with its outcome");
    WebElement journal = driver.findElement(By.id("journal"));
    assertTrue(journal.getText().contains("15090.00"), journal.getText());
    assertFalse(journal.getText().contains("尚未封签"), "every entry shows its seal: " + journal.getText());
    assertTrue(journal.findElements(By.className("seal")).stream().anyMatch(s -> s.getText().startsWith("#")));
    List<WebElement> timeline = driver.findElements(By.cssSelector("#timeline li"));
    assertTrue(timeline.size() >= 4, "created, channel order, callback, paid, journal…");
    chrome.screenshot("22-operator-order-story");
    driver.executeScript("document.getElementById('callbacks').scrollIntoView()");
    chrome.screenshot("22b-operator-order-callbacks-and-journal");

    // A tablet held upright: the page reflows, and only wide tables scroll inside themselves.
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(768, 1024));
    try {
      driver.navigate().refresh();
      Object overflow = driver.executeScript(
          "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
      assertEquals(0L, ((Number) overflow).longValue(), "no sideways scrolling of the page on a tablet");
      chrome.screenshot("22c-operator-order-tablet");
    } finally {
      driver.manage().window().setSize(new org.openqa.selenium.Dimension(1366, 768));
    }
  }

  @Test
  void anOperatorCancelsAnOpenOrderAfterConfirmingAndTheApiAgrees() {
    String caseNo = "BDC-HQ-CANCEL-" + System.nanoTime();
    String orderNo = openOrder("341522", caseNo).getString("order_no");
    String luan = openOrder("341500", "BDC-LA-" + System.nanoTime()).getString("order_no");

    new Select(driver.findElement(By.id("status"))).selectByValue("OPEN");
    driver.findElement(By.id("search")).click();
    waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("order-" + orderNo)));
    assertTrue(driver.findElements(By.id("order-" + luan)).isEmpty(), "341500 stays out of sight");
    driver.get(engine.baseUrl() + "/console/operator/orders/" + orderNo);
    driver.findElement(By.id("cancel")).click();
    waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("question")));
    assertTrue(driver.findElement(By.id("question")).getText().contains(orderNo));
    assertEquals("OPEN", status(orderNo), "asking changes nothing");
    chrome.screenshot("23-operator-cancel-confirm");
    driver.findElement(By.id("confirm")).click();

    waiting().until(ExpectedConditions.textToBe(By.id("flash"), "订单已取消。"));
    assertEquals("已取消", driver.findElement(By.id("status")).getText());
    assertEquals("CANCELLED", status(orderNo), "the API agrees");
    chrome.screenshot("24-operator-order-cancelled");

    driver.get(engine.baseUrl() + "/console/operator/orders/" + luan);
    assertTrue(driver.getPageSource().contains("无权执行此操作"), "another region's order is refused");
    driver.get(engine.baseUrl() + "/console/operator/orders/" + orderNo + "?lang=en");
    assertEquals("Cancelled", driver.findElement(By.id("status")).getText());
    chrome.screenshot("25-operator-order-english");
    driver.get(engine.baseUrl() + "/console/operator/orders?lang=zh-CN");
  }

  @Test
  void anAdministratorSeesTheApiClientsAndTheRegions() throws Exception {
    String adminPassword = fixture.addSettledPerson("browser.admin", PersonRole.ADMIN, "341522", "341500");
    driver.manage().deleteAllCookies();
    driver.get(engine.baseUrl() + "/console/sign-in");
    driver.findElement(By.id("login")).sendKeys("browser.admin");
    driver.findElement(By.id("password")).sendKeys(adminPassword);
    driver.findElement(By.id("sign-in")).click();
    waiting().until(ExpectedConditions.urlContains("/console/admin/people"));

    driver.findElement(By.linkText("API 客户端")).click();
    waiting().until(ExpectedConditions.urlContains("/console/admin/clients"));
    assertEquals("ACTIVE", driver.findElement(By.cssSelector("#client-demo-registration .client-status")).getText());
    chrome.screenshot("26-admin-api-clients");
    driver.findElement(By.linkText("区划")).click();
    waiting().until(ExpectedConditions.urlContains("/console/admin/regions"));
    assertTrue(driver.findElement(By.id("region-341522")).getText().contains("341522"));
    chrome.screenshot("27-admin-regions");
  }
}
