package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.clearing.client.Role;
import org.clearing.person.PersonRole;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.HeadlessChrome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The channel configuration page in a real browser (headless chromium at 1366x768): an
 * administrator configures Huoqiu's (341522) WeChat merchant from the files WeChat hands over
 * (chosen as files, read by the page's script), sees a wrong merchant id refused at its field with
 * the secrets asked for again, saves, changes one setting, and runs the check, which the sandbox
 * answers; the API agrees. The region's page shows it as the API takes it. Screenshots under
 * target/console-screenshots/.
 */
class ChannelConsoleBrowserTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static HeadlessChrome chrome;
  private static ChromeDriver driver;
  private static ConsoleFixture fixture;
  private static String password;

  @BeforeAll
  static void start() throws Exception {
    chrome = HeadlessChrome.startOrSkip();
    driver = chrome.driver();
    fixture = new ConsoleFixture(engine);
    password = fixture.addSettledPerson("browser.channels", PersonRole.ADMIN, "341522", "341500");
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

  private static WebElement field(String name) {
    return driver.findElement(By.id("field-" + name));
  }

  private static void type(String name, String value) {
    WebElement input = field(name);
    input.clear();
    input.sendKeys(value);
  }

  /** Chooses {@code file} in the file input of field {@code name}, and waits for the page's script to read it in. */
  private static void choose(String name, Path file) {
    driver.findElement(By.cssSelector("input.pem-file[data-target='field-" + name + "']"))
        .sendKeys(file.toAbsolutePath().toString());
    waiting().until(d -> !field(name).getAttribute("value").isBlank());
  }

  private static void scrollTo(String id) {
    driver.executeScript("document.getElementById(arguments[0]).scrollIntoView({block: 'center'})", id);
  }

  @Test
  @SuppressWarnings("unchecked")
  void anAdministratorConfiguresAMerchantSeesAFieldErrorSavesChangesASettingAndRunsTheCheck() throws Exception {
    Path dataDir = engine.dataDir();
    Map<String, Object> document = (Map<String, Object>) new Load(LoadSettings.builder().build())
        .loadFromString(Files.readString(dataDir.resolve("merchant-config.yaml")));
    Map<String, Object> entry = ((List<Map<String, Object>>) document.get("wechat")).get(0);
    Map<String, Object> key = (Map<String, Object>) entry.get("platform-public-key");
    String apiV3Key = Files.readString(dataDir.resolve(((Map<String, Object>) entry.get("api-v3-key")).get("file")
        .toString())).strip();
    Path privateKey = dataDir.resolve(entry.get("merchant-private-key").toString());

    driver.get(engine.baseUrl() + "/console/sign-in");
    driver.findElement(By.id("login")).sendKeys("browser.channels");
    driver.findElement(By.id("password")).sendKeys(password);
    driver.findElement(By.id("sign-in")).click();
    waiting().until(ExpectedConditions.urlContains("/console/admin/people"));
    driver.findElement(By.linkText("渠道配置")).click();
    waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("channels-341522")));
    chrome.screenshot("40-admin-channels");
    driver.findElement(By.id("configure-341522-wechat")).click();
    waiting().until(ExpectedConditions.textToBe(By.id("title"), "341522 · 微信支付"));

    type("mchid", "19000000O1");
    type("appid", entry.get("appid").toString());
    type("merchant-certificate-serial", entry.get("merchant-certificate-serial").toString());
    type("platform-public-key.id", key.get("id").toString());
    ((Map<String, Object>) entry.get("urls")).forEach((name, value) -> type("urls." + name, value.toString()));
    new Select(field("platform-certificates.download")).selectByValue("download");
    choose("merchant-certificate", dataDir.resolve(entry.get("merchant-certificate").toString()));
    choose("platform-public-key.pem", dataDir.resolve(key.get("file").toString()));
    choose("secrets.merchant-private-key", privateKey);
    type("secrets.api-v3-key", apiV3Key);
    driver.findElement(By.id("save")).click();

    WebElement error = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("error-mchid")));
    assertTrue(error.getText().startsWith("mchid:"), error.getText());
    assertEquals("19000000O1", field("mchid").getAttribute("value"), "what was typed is kept");
    assertEquals("", field("secrets.api-v3-key").getAttribute("value"), "a secret is asked for again, never shown");
    assertEquals("", field("secrets.merchant-private-key").getAttribute("value"));
    assertEquals(404, engine.as(Role.ADMIN).get("/api/v1/admin/channels/341522/wechat").status(), "nothing saved");
    scrollTo("row-mchid");
    chrome.screenshot("41-admin-channel-field-error");

    type("mchid", entry.get("mchid").toString());
    choose("secrets.merchant-private-key", privateKey);
    type("secrets.api-v3-key", apiV3Key);
    driver.findElement(By.id("save")).click();
    waiting().until(ExpectedConditions.textToBe(By.id("flash"), "配置已保存，此后新开的渠道订单即使用它。"));
    assertTrue(driver.findElement(By.id("state-api-v3-key")).getText().startsWith("已设置"));
    assertTrue(driver.findElement(By.id("state-app-secret")).getText().startsWith("未设置"));
    chrome.screenshot("42-admin-channel-saved");

    type("call-timeout-ms", "4000");
    driver.findElement(By.id("save")).click();
    waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("change-2")));
    assertTrue(driver.findElement(By.id("change-2")).getText().contains("call-timeout-ms"));
    JsonObject api = engine.as(Role.ADMIN).get("/api/v1/admin/channels/341522/wechat").json();
    assertEquals(2, api.getInteger("version"), "the API agrees");
    assertEquals("4000", api.getJsonObject("settings").getString("call-timeout-ms"));

    driver.findElement(By.id("check")).click();
    WebElement answer = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("check-text")));
    assertTrue(answer.getText().startsWith("凭据可用"), answer.getText());
    assertTrue(answer.getText().contains("region-341522"), "through the database's merchant: " + answer.getText());
    assertTrue(driver.getCurrentUrl().endsWith("?done=saved"), "htmx swapped the answer in, the page stayed");
    Object overflow = driver.executeScript(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
    assertEquals(0L, ((Number) overflow).longValue(), "no sideways scrolling at 1366x768");
    scrollTo("check-section");
    chrome.screenshot("43-admin-channel-check");

    driver.findElement(By.id("back")).click();
    driver.findElement(By.id("edit-341522")).click();
    waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("region-json")));
    assertTrue(driver.findElement(By.id("region-json")).getAttribute("value").contains("\"version\""),
        "the region as the API takes it, with its version");
    chrome.screenshot("44-admin-region");
  }
}
