package org.clearing.channelconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.clearing.Engine;
import org.clearing.client.Role;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.MasterKey;
import org.clearing.crypto.Pem;
import org.clearing.sandbox.SandboxCertificates;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Proves an administrator's channel configuration in the database: saved only when it passes the
 * configuration file's checks (bad input is problem+json naming the field and changes nothing),
 * applied without a restart to channel orders opened afterwards (open ones keep their merchant),
 * checked against the sandbox with good and wrong credentials; and, by attack, that no answer and
 * no database row holds a secret, a sealed secret copied to another row does not open (a save then
 * asks for it again, naming it), and only an administrator may read or write it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChannelAdminTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();

  private static final String REGION = "341522";
  private static final String PATH = "/api/v1/admin/channels/" + REGION + "/wechat";

  private static ApiCaller admin() {
    return engine.as(Role.ADMIN);
  }

  private static ApiCaller.Answer put(ApiCaller caller, String path, JsonObject body) {
    return caller.send("PUT", path, body.encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"), true);
  }

  /** The demo WeChat merchant's hand-over, as an administrator would type it in: files inlined. */
  @SuppressWarnings("unchecked")
  private static JsonObject handedOver() throws Exception {
    Path dataDir = engine.dataDir();
    Map<String, Object> document = (Map<String, Object>) new Load(LoadSettings.builder().build())
        .loadFromString(Files.readString(dataDir.resolve("merchant-config.yaml")));
    Map<String, Object> entry = ((List<Map<String, Object>>) document.get("wechat")).get(0);
    Map<String, Object> key = (Map<String, Object>) entry.get("platform-public-key");
    return new JsonObject().put("mode", "direct").put("mchid", entry.get("mchid")).put("appid", entry.get("appid"))
        .put("merchant-certificate", read(entry.get("merchant-certificate")))
        .put("merchant-certificate-serial", entry.get("merchant-certificate-serial"))
        .put("platform-public-key", new JsonObject().put("id", key.get("id")).put("pem", read(key.get("file"))))
        .put("platform-certificates", new JsonArray().add("download"))
        .put("urls", new JsonObject((Map<String, Object>) entry.get("urls")))
        .put("call-timeout-ms", "5000")
        .put("secrets", new JsonObject()
            .put("merchant-private-key", read(entry.get("merchant-private-key")))
            .put("api-v3-key", read(((Map<String, Object>) entry.get("api-v3-key")).get("file")).strip())
            .put("app-secret", read(((Map<String, Object>) entry.get("app-secret")).get("file")).strip()));
  }

  private static String read(Object relative) throws Exception {
    return Files.readString(engine.dataDir().resolve(relative.toString()));
  }

  /** Every form a secret could leak in: as given, its PEM body lines, its bytes in hex and base64. */
  private static List<String> leaks(JsonObject secrets) {
    List<String> forms = new ArrayList<>();
    for (String field : secrets.fieldNames()) {
      String value = secrets.getString(field);
      forms.add(value);
      value.lines().filter(line -> !line.startsWith("-----") && line.length() > 20).forEach(forms::add);
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      forms.add(HexFormat.of().formatHex(bytes));
      forms.add(Base64.getEncoder().encodeToString(bytes));
    }
    return forms;
  }

  private static void assertNoSecretIn(String text, JsonObject secrets, String where) {
    for (String form : leaks(secrets)) {
      assertFalse(text.contains(form), where + " holds a secret: " + form.substring(0, Math.min(12, form.length())));
    }
  }

  private static String tableText() {
    return TestDatabase.queryString(engine.pgUrl(), "SELECT coalesce(string_agg(t, E'\\n'), '') FROM ("
        + "SELECT c::text AS t FROM channel_config c UNION ALL "
        + "SELECT s::text || encode(s.sealed, 'base64') || encode(s.sealed, 'escape') FROM channel_secret s UNION ALL "
        + "SELECT a::text FROM channel_config_audit a) x");
  }

  private static long count(String table) {
    return engine.count("SELECT count(*) FROM " + table);
  }

  private static String merchantOf(String orderNo) {
    return TestDatabase.queryString(engine.pgUrl(),
        "SELECT merchant_id FROM channel_order WHERE order_no = '" + orderNo + "' AND channel = 'wechat'");
  }

  private static JsonObject openedAtWechat(String caseNo) {
    ApiCaller.Answer created = engine.as(Role.REGISTRATION).post("/api/v1/orders",
        OrderBodies.typical(caseNo).put("region", REGION).encode(), caseNo);
    assertEquals(201, created.status(), created.text());
    Browser wallet = new Browser(Browser.WECHAT);
    Browser.Page page = wallet.open(created.json().getJsonObject("qr").getString("url"));
    assertEquals(200, page.status(), page.html());
    return created.json().put("page_url", page.url());
  }

  @Test
  @Order(1)
  void aClientOtherThanAnAdministratorCannotReadWriteOrCheck() throws Exception {
    for (Role role : List.of(Role.REGISTRATION, Role.TAX, Role.FINANCE)) {
      assertEquals(403, engine.as(role).get(PATH).status(), role + " reads");
      assertEquals(403, put(engine.as(role), PATH, handedOver()).status(), role + " writes");
      assertEquals(403, engine.as(role).get(PATH + "/check").status(), role + " checks");
    }
    assertEquals(401, new ApiCaller(engine.baseUrl(), null).raw("GET", PATH, new byte[0], Map.of()).status());
    assertEquals(0, count("channel_config"), "nothing was written");
  }

  @Test
  @Order(2)
  void badInputIsRefusedNamingTheFieldAndChangesNothing() throws Exception {
    JsonObject good = handedOver();
    KeyPair other = Crypto.generateRsa(2048);
    Map<String, JsonObject> bad = new java.util.LinkedHashMap<>();
    bad.put("secrets.api-v3-key", good.copy().put("secrets", good.getJsonObject("secrets").copy().put("api-v3-key", "short")));
    bad.put("secrets.merchant-private-key", good.copy().put("secrets", good.getJsonObject("secrets").copy()
        .put("merchant-private-key", Pem.write(other.getPrivate()))));
    bad.put("merchant-private-key", good.copy().put("merchant-private-key", Pem.write(other.getPrivate())));
    bad.put("secrets.password", good.copy().put("secrets", good.getJsonObject("secrets").copy().put("password", "x")));
    bad.put("mchid", good.copy().put("mchid", "not-digits"));
    bad.put("merchant-certificate", good.copy().put("merchant-certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
    bad.put("platform-public-key.file", good.copy().put("platform-public-key", new JsonObject().put("id", "PUB_KEY_ID_1").put("file", "/etc/passwd")));
    bad.put("regions", good.copy().put("regions", new JsonArray().add("341500")));
    for (var attempt : bad.entrySet()) {
      ApiCaller.Answer answer = put(admin(), PATH, attempt.getValue());
      assertEquals(422, answer.status(), attempt.getKey() + ": " + answer.text());
      assertTrue(answer.contentType().startsWith("application/problem+json"), answer.contentType());
      assertTrue(answer.text().contains("\"" + attempt.getKey() + "\""), attempt.getKey() + " named: " + answer.text());
      assertNoSecretIn(answer.text(), good.getJsonObject("secrets"), "the refusal");
    }
    JsonObject noSecrets = good.copy();
    noSecrets.remove("secrets");
    ApiCaller.Answer missing = put(admin(), PATH, noSecrets);
    assertEquals(422, missing.status(), missing.text());
    assertTrue(missing.text().contains("secrets.api-v3-key"), missing.text());
    assertEquals(404, put(admin(), "/api/v1/admin/channels/999999/wechat", good).status(), "no such region");
    assertEquals(404, put(admin(), "/api/v1/admin/channels/" + REGION + "/paypal", good).status(), "no such channel");
    assertEquals(0, count("channel_config"));
    assertEquals(0, count("channel_secret"));
    assertEquals(0, count("channel_config_audit"));
  }

  @Test
  @Order(3)
  void aSavedConfigurationAppliesToOrdersOpenedAfterwardsWithoutARestartAndNeverShowsASecret() throws Exception {
    JsonObject before = openedAtWechat("CHANNEL-ADMIN-BEFORE");
    String orderBefore = before.getString("order_no");
    assertEquals("1900000001", merchantOf(orderBefore), "opened with the file's merchant");
    JsonObject good = handedOver();

    ApiCaller.Answer saved = put(admin(), PATH, good);

    assertEquals(200, saved.status(), saved.text());
    assertNoSecretIn(saved.text(), good.getJsonObject("secrets"), "the PUT's answer");
    ApiCaller.Answer read = admin().get(PATH);
    assertEquals(200, read.status(), read.text());
    assertNoSecretIn(read.text(), good.getJsonObject("secrets"), "the GET's answer");
    JsonObject secrets = read.json().getJsonObject("secrets");
    assertEquals(true, secrets.getJsonObject("api-v3-key").getBoolean("set"));
    assertEquals("RSA", secrets.getJsonObject("merchant-private-key").getString("algorithm"));
    assertEquals(new BigInteger(good.getString("merchant-certificate-serial"), 16).toString(16).toUpperCase(),
        read.json().getJsonObject("certificates").getJsonObject("merchant-certificate").getString("serial"));
    assertNoSecretIn(tableText(), good.getJsonObject("secrets"), "the tables' text");

    JsonObject after = openedAtWechat("CHANNEL-ADMIN-AFTER");
    assertEquals("region-" + REGION, merchantOf(after.getString("order_no")), "opened with the database's merchant");
    assertEquals("1900000001", merchantOf(orderBefore), "an open order keeps its merchant");
    Browser wallet = new Browser(Browser.WECHAT);
    Browser.Page page = wallet.open(after.getString("page_url"));
    assertEquals(200, wallet.submitForm(page).status());
    Await.value("paid through the database's merchant",
        () -> engine.as(Role.REGISTRATION).get("/api/v1/orders/" + after.getString("order_no")).json().getString("status"),
        "PAID"::equals);

    JsonObject check = admin().get(PATH + "/check").json();
    assertEquals(true, check.getBoolean("ok"), check.encode());
    assertEquals("database", check.getString("source"));

    JsonObject audit = admin().get(PATH + "/audit").json().getJsonArray("changes").getJsonObject(0);
    assertEquals(new JsonArray().add("api-v3-key").add("app-secret").add("merchant-private-key"),
        new JsonArray(audit.getJsonArray("secret_fields").stream().sorted().toList()));
    assertEquals(TestDatabase.queryString(engine.pgUrl(), "SELECT client_id FROM api_client WHERE role = 'ADMIN'"
        + " ORDER BY created_at LIMIT 1"), audit.getString("by"), "who");
    assertFalse(audit.getJsonArray("fields").isEmpty(), "which fields");
    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> TestDatabase.execute(engine.pgUrl(), "DELETE FROM channel_config_audit"));
    assertTrue(String.valueOf(refused.getCause().getMessage()).contains("append-only"), refused.toString());
  }

  @Test
  @Order(4)
  void checkSaysSoWhenTheSandboxRefusesAWrongMerchantKey() throws Exception {
    // A key and certificate that match each other, so the save's checks pass, but which WeChat
    // never registered: only the channel can tell, and check asks it.
    KeyPair stranger = Crypto.generateRsa(2048);
    var certificate = SandboxCertificates.issue("CN=1900000001", stranger.getPublic(), SandboxCertificates.randomSerial(),
        "CN=1900000001", stranger.getPrivate(), Instant.now().minus(Duration.ofDays(1)), Duration.ofDays(30), false);
    JsonObject wrong = handedOver().put("merchant-certificate", Pem.write(certificate));
    wrong.remove("merchant-certificate-serial");
    wrong.put("secrets", new JsonObject().put("merchant-private-key", Pem.write(stranger.getPrivate())));

    // Asked to download the platform certificates, the save itself meets WeChat's refusal.
    ApiCaller.Answer refused = put(admin(), PATH, wrong);
    assertEquals(422, refused.status(), refused.text());
    assertTrue(refused.text().contains("\"secrets.merchant-private-key\""), refused.text());

    // Given the platform certificate as a file instead, it is saved; only check can tell.
    wrong.put("platform-certificates", new JsonArray().add(Files.readString(
        engine.dataDir().resolve("channels/wechat/sandbox/keys/platform-certificate.pem"))));
    ApiCaller.Answer saved = put(admin(), PATH, wrong);
    assertEquals(200, saved.status(), saved.text());
    JsonObject check = admin().get(PATH + "/check").json();

    assertEquals(false, check.getBoolean("ok"), check.encode());
    String problem = check.getString("problem", "");
    assertTrue(problem.contains("SIGN_ERROR") || problem.contains("401"), "the channel's refusal is named: " + problem);
    assertEquals(200, put(admin(), PATH, handedOver()).status(), "the good key back");
    assertEquals(true, admin().get(PATH + "/check").json().getBoolean("ok"));
  }

  @Test
  @Order(5)
  void aSealedSecretCopiedToAnotherRowDoesNotOpen() throws Exception {
    JsonObject good = handedOver();
    assertEquals(200, put(admin(), "/api/v1/admin/channels/341500/wechat", good).status());
    assertEquals("database", admin().get("/api/v1/admin/channels/341500/wechat/check").json().getString("source"));
    TestDatabase.execute(engine.pgUrl(), "UPDATE channel_secret SET sealed = (SELECT sealed FROM channel_secret"
        + " WHERE region = '" + REGION + "' AND channel = 'wechat' AND field = 'api-v3-key')"
        + " WHERE region = '341500' AND channel = 'wechat' AND field = 'api-v3-key';"
        + " UPDATE channel_config SET version = version + 1 WHERE region = '341500' AND channel = 'wechat'");

    // The same bytes, the same key: only the row they are bound to differs.
    MasterKey master = MasterKey.fromFile(engine.dataDir().resolve("keys").resolve(Engine.GENERATED_MASTER_KEY_FILE));
    byte[] copied = Base64.getDecoder().decode(TestDatabase.queryString(engine.pgUrl(),
        "SELECT encode(sealed, 'base64') FROM channel_secret WHERE region = '341500' AND field = 'api-v3-key'")
        .replaceAll("\\s", ""));
    assertThrows(MasterKey.Refused.class, () -> master.open(ChannelConfigs.SEAL_PURPOSE, "341500/wechat/api-v3-key", copied));
    assertEquals(good.getJsonObject("secrets").getString("api-v3-key"), new String(
        master.open(ChannelConfigs.SEAL_PURPOSE, REGION + "/wechat/api-v3-key", copied), StandardCharsets.UTF_8));
    // The engine notices the change (as another engine's) and will not use what does not open.
    Await.value("341500 no longer uses the tampered configuration",
        () -> admin().get("/api/v1/admin/channels/341500/wechat/check").json().getString("source"), "file"::equals);

    // Saving settings that keep the stored secrets asks for the one that no longer opens again,
    // naming it, instead of failing; given again, it is sealed anew and the region uses it.
    JsonObject settingsOnly = good.copy();
    settingsOnly.remove("secrets");
    ApiCaller.Answer askedAgain = put(admin(), "/api/v1/admin/channels/341500/wechat", settingsOnly);
    assertEquals(422, askedAgain.status(), askedAgain.text());
    assertTrue(askedAgain.text().contains("\"secrets.api-v3-key\"") && askedAgain.text().contains("does not open"),
        askedAgain.text());
    assertEquals(200, put(admin(), "/api/v1/admin/channels/341500/wechat", good).status());
    assertEquals("database", admin().get("/api/v1/admin/channels/341500/wechat/check").json().getString("source"));
  }

  @Test
  @Order(6)
  @SuppressWarnings("unchecked")
  void alipayAndUnionPayMerchantsAreSavedFromTheirHandOverAndAPfxWithTheWrongPasswordIsRefused() throws Exception {
    Map<String, Object> document = (Map<String, Object>) new Load(LoadSettings.builder().build())
        .loadFromString(Files.readString(engine.dataDir().resolve("merchant-config.yaml")));
    Map<String, Object> alipay = ((List<Map<String, Object>>) document.get("alipay")).get(0);
    JsonObject alipayBody = new JsonObject().put("app-id", alipay.get("app-id")).put("seller-id", alipay.get("seller-id"))
        .put("app-certificate", read(alipay.get("app-certificate")))
        .put("alipay-public-key-certificate", read(alipay.get("alipay-public-key-certificate")))
        .put("alipay-root-certificate", read(alipay.get("alipay-root-certificate")))
        .put("gateway-url", alipay.get("gateway-url"))
        .put("secrets", new JsonObject().put("app-private-key", read(alipay.get("app-private-key"))));
    String alipayPath = "/api/v1/admin/channels/" + REGION + "/alipay";
    assertEquals(200, put(admin(), alipayPath, alipayBody).status());
    JsonObject alipayCheck = admin().get(alipayPath + "/check").json();
    assertEquals(true, alipayCheck.getBoolean("ok"), alipayCheck.encode());
    assertEquals("database", alipayCheck.getString("source"));
    assertNoSecretIn(admin().get(alipayPath).text(), alipayBody.getJsonObject("secrets"), "Alipay's GET");

    Map<String, Object> unionpay = ((List<Map<String, Object>>) document.get("unionpay")).get(0);
    String password = read(((Map<String, Object>) unionpay.get("signing-certificate-password")).get("file")).strip();
    String pfx = Base64.getEncoder().encodeToString(Files.readAllBytes(
        engine.dataDir().resolve(unionpay.get("signing-certificate").toString())));
    JsonObject unionPayBody = new JsonObject().put("mer-id", unionpay.get("mer-id"))
        .put("verification-root-certificate", read(unionpay.get("verification-root-certificate")))
        .put("verification-intermediate-certificate", read(unionpay.get("verification-intermediate-certificate")))
        .put("urls", new JsonObject((Map<String, Object>) unionpay.get("urls")))
        .put("secrets", new JsonObject().put("signing-certificate", pfx).put("signing-certificate-password", "wrong"));
    String unionPayPath = "/api/v1/admin/channels/" + REGION + "/unionpay";

    ApiCaller.Answer refused = put(admin(), unionPayPath, unionPayBody);
    assertEquals(422, refused.status(), refused.text());
    assertTrue(refused.text().contains("\"secrets.signing-certificate-password\""), refused.text());
    assertEquals(404, admin().get(unionPayPath).status(), "nothing saved");

    unionPayBody.getJsonObject("secrets").put("signing-certificate-password", password);
    assertEquals(200, put(admin(), unionPayPath, unionPayBody).status());
    ApiCaller.Answer read = admin().get(unionPayPath);
    assertNoSecretIn(read.text(), unionPayBody.getJsonObject("secrets"), "UnionPay's GET");
    JsonObject signing = read.json().getJsonObject("secrets").getJsonObject("signing-certificate");
    assertTrue(signing.getBoolean("set") && signing.containsKey("serial") && signing.containsKey("not_after"),
        signing.encode());
    JsonObject unionPayCheck = admin().get(unionPayPath + "/check").json();
    assertEquals(true, unionPayCheck.getBoolean("ok"), unionPayCheck.encode());
    assertNoSecretIn(tableText(), unionPayBody.getJsonObject("secrets"), "the tables' text");
  }

  @Test
  @Order(7)
  @SuppressWarnings("unchecked")
  void aWechatServiceProviderAndAUnionPayAcquirersMerchantAreCheckedAsTheFileIsAndCheckNamesAWrongMode()
      throws Exception {
    // WeChat in the region saved above (its secrets open); UnionPay where none is saved yet.
    String wechatPath = PATH;
    JsonObject direct = handedOver();
    JsonObject serviceProvider = direct.copy().put("mode", "service-provider");
    serviceProvider.put("sp-mchid", serviceProvider.remove("mchid")).put("sp-appid", serviceProvider.remove("appid"))
        .put("sub-mchids", new JsonArray().add("1900000101").add("1900000102"));
    Map<String, JsonObject> bad = new java.util.LinkedHashMap<>();
    JsonObject noSubs = serviceProvider.copy();
    noSubs.remove("sub-mchids");
    bad.put("sub-mchids", noSubs);
    bad.put("mchid", direct.copy().put("mode", "service-provider"));
    bad.put("sp-mchid", direct.copy().put("sp-mchid", "1900000100"));
    for (var attempt : bad.entrySet()) {
      ApiCaller.Answer answer = put(admin(), wechatPath, attempt.getValue());
      assertEquals(422, answer.status(), attempt.getKey() + ": " + answer.text());
      assertTrue(answer.text().contains("\"" + attempt.getKey() + "\""), attempt.getKey() + " named: " + answer.text());
    }
    assertEquals("direct", admin().get(wechatPath).json().getJsonObject("settings").getString("mode"), "nothing changed");

    ApiCaller.Answer saved = put(admin(), wechatPath, serviceProvider);
    assertEquals(200, saved.status(), saved.text());
    assertEquals(new JsonArray().add("1900000101").add("1900000102"),
        saved.json().getJsonObject("settings").getJsonArray("sub-mchids"));
    // The demo sandbox's merchant is a direct one: WeChat refuses its partner requests, and check says so.
    JsonObject wechatCheck = admin().get(wechatPath + "/check").json();
    assertEquals(false, wechatCheck.getBoolean("ok"), wechatCheck.encode());
    assertTrue(wechatCheck.getString("problem").contains("NO_AUTH"), wechatCheck.encode());

    Map<String, Object> document = (Map<String, Object>) new Load(LoadSettings.builder().build())
        .loadFromString(Files.readString(engine.dataDir().resolve("merchant-config.yaml")));
    Map<String, Object> unionpay = ((List<Map<String, Object>>) document.get("unionpay")).get(0);
    JsonObject unionPayBody = new JsonObject().put("mer-id", unionpay.get("mer-id")).put("acq-ins-code", "A4802")
        .put("verification-root-certificate", read(unionpay.get("verification-root-certificate")))
        .put("verification-intermediate-certificate", read(unionpay.get("verification-intermediate-certificate")))
        .put("urls", new JsonObject((Map<String, Object>) unionpay.get("urls")))
        .put("secrets", new JsonObject().put("signing-certificate", Base64.getEncoder().encodeToString(
                Files.readAllBytes(engine.dataDir().resolve(unionpay.get("signing-certificate").toString()))))
            .put("signing-certificate-password",
                read(((Map<String, Object>) unionpay.get("signing-certificate-password")).get("file")).strip()));
    String unionPayPath = "/api/v1/admin/channels/341500/unionpay";
    ApiCaller.Answer refused = put(admin(), unionPayPath, unionPayBody);
    assertEquals(422, refused.status(), refused.text());
    assertTrue(refused.text().contains("\"acq-ins-code\""), refused.text());
    assertEquals(200, put(admin(), unionPayPath, unionPayBody.put("acq-ins-code", "48020000")).status());
    // The demo sandbox's UnionPay merchant is connected directly: it refuses an acquirer's access.
    JsonObject unionPayCheck = admin().get(unionPayPath + "/check").json();
    assertEquals(false, unionPayCheck.getBoolean("ok"), unionPayCheck.encode());
  }
}
