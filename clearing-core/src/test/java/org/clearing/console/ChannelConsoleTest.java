package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clearing.client.Role;
import org.clearing.person.PersonRole;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The administrator's channel configuration page saves through the configuration API's code: a
 * good form is saved, audited and read back by the API; bad input is shown at its field and
 * changes nothing; no secret is ever in a page, not after a save nor after a refusal. A region is
 * added, changed and retired through the regions API's code, refused for its reasons. By attack:
 * an operator, an auditor or an administrator of another region posting the forms directly, and a
 * form without its CSRF token, are refused and recorded, and nothing is saved.
 */
class ChannelConsoleTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ConsoleFixture fixture;
  private static ConsoleClient admin;
  private static String csrf;

  @BeforeAll
  static void start() throws Exception {
    fixture = new ConsoleFixture(engine);
    String password = fixture.addSettledPerson("chan.admin", PersonRole.ADMIN, "341522", "341500");
    admin = new ConsoleClient(engine.baseUrl());
    assertEquals(303, admin.signIn("chan.admin", password).statusCode());
    csrf = ConsoleClient.csrf(admin.get("/console/admin/channels").body());
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  /** The demo WeChat merchant's hand-over as the form's fields: files' text pasted, secrets typed. */
  @SuppressWarnings("unchecked")
  static Map<String, String> wechatForm() throws Exception {
    Map<String, Object> document = (Map<String, Object>) new Load(LoadSettings.builder().build())
        .loadFromString(Files.readString(engine.dataDir().resolve("merchant-config.yaml")));
    Map<String, Object> entry = ((List<Map<String, Object>>) document.get("wechat")).get(0);
    Map<String, Object> key = (Map<String, Object>) entry.get("platform-public-key");
    Map<String, String> form = new LinkedHashMap<>();
    form.put("mode", "direct");
    form.put("mchid", entry.get("mchid").toString());
    form.put("appid", entry.get("appid").toString());
    form.put("merchant-certificate", read(entry.get("merchant-certificate")));
    form.put("merchant-certificate-serial", entry.get("merchant-certificate-serial").toString());
    form.put("platform-public-key.id", key.get("id").toString());
    form.put("platform-public-key.pem", read(key.get("file")));
    form.put("platform-certificates.download", "download");
    ((Map<String, Object>) entry.get("urls")).forEach((name, value) -> form.put("urls." + name, value.toString()));
    form.put("call-timeout-ms", entry.get("call-timeout-ms").toString());
    form.put("secrets.merchant-private-key", read(entry.get("merchant-private-key")));
    form.put("secrets.api-v3-key", read(((Map<String, Object>) entry.get("api-v3-key")).get("file")).strip());
    form.put("secrets.app-secret", read(((Map<String, Object>) entry.get("app-secret")).get("file")).strip());
    return form;
  }

  private static String read(Object relative) throws Exception {
    return Files.readString(engine.dataDir().resolve(relative.toString()));
  }

  private static HttpResponse<String> post(ConsoleClient client, String path, String token, Map<String, String> form) {
    List<String> fields = new ArrayList<>();
    if (token != null) {
      fields.add("_csrf");
      fields.add(token);
    }
    form.forEach((name, value) -> {
      fields.add(name);
      fields.add(value);
    });
    return client.post(path, fields, Map.of());
  }

  /** Every form a secret could leak in: as typed, its PEM body lines, its bytes in hex and base64. */
  static void assertNoSecretIn(String html, Map<String, String> form, String where) {
    for (var field : form.entrySet()) {
      if (!field.getKey().startsWith("secrets.")) {
        continue;
      }
      List<String> forms = new ArrayList<>(List.of(field.getValue()));
      field.getValue().lines().filter(line -> !line.startsWith("-----") && line.length() > 20).forEach(forms::add);
      byte[] bytes = field.getValue().getBytes(StandardCharsets.UTF_8);
      forms.add(HexFormat.of().formatHex(bytes));
      forms.add(Base64.getEncoder().encodeToString(bytes));
      for (String leak : forms) {
        assertFalse(html.contains(leak), where + " holds " + field.getKey());
      }
    }
  }

  private static long audits(String login, String action, String outcome) {
    return engine.count("SELECT count(*) FROM audit_event WHERE login = '" + login + "' AND action = '" + action
        + "' AND outcome = '" + outcome + "'");
  }

  private static long stored(String region) {
    return engine.count("SELECT count(*) FROM channel_config WHERE region = '" + region + "'");
  }

  @Test
  void anAdministratorSavesAChannelThroughTheFormAndTheApiReadsItBackWithoutASecretInAnyPage() throws Exception {
    String path = "/console/admin/channels/341522/wechat";
    Map<String, String> form = wechatForm();
    HttpResponse<String> empty = admin.get(path);
    assertEquals(200, empty.statusCode());
    assertTrue(empty.body().contains("数据库中没有此配置"), empty.body());

    HttpResponse<String> saved = post(admin, path, csrf, form);

    assertEquals(303, saved.statusCode(), saved.body());
    assertEquals(path + "?done=saved", saved.headers().firstValue("Location").orElse(""));
    JsonObject api = engine.as(Role.ADMIN).get("/api/v1/admin/channels/341522/wechat").json();
    assertEquals(1, api.getInteger("version"));
    assertEquals("console:chan.admin", api.getString("changed_by"));
    assertEquals(form.get("mchid"), api.getJsonObject("settings").getString("mchid"));
    assertEquals(form.get("urls.jsapi-cashier"), api.getJsonObject("settings").getJsonObject("urls").getString("jsapi-cashier"));
    assertTrue(api.getJsonObject("secrets").getJsonObject("api-v3-key").getBoolean("set"));
    HttpResponse<String> page = admin.get(path + "?done=saved");
    assertTrue(page.body().contains("配置已保存"), page.body());
    assertTrue(page.body().contains("数据库，第 1 版"), page.body());
    assertTrue(page.body().contains("id=\"change-1\""), "the change is listed");
    assertTrue(page.body().contains("console:chan.admin"), "by whom");
    assertNoSecretIn(page.body(), form, "the page after the save");
    assertEquals(1, engine.count("SELECT count(*) FROM audit_event WHERE login = 'chan.admin'"
        + " AND action = 'channel.save' AND outcome = 'ok' AND target = '341522/wechat'"));
    String detail = TestDatabase.queryString(engine.pgUrl(), "SELECT detail FROM audit_event WHERE login = 'chan.admin'"
        + " AND action = 'channel.save' AND outcome = 'ok' AND target = '341522/wechat'");
    assertTrue(detail.contains("api-v3-key") && detail.contains("mchid"), "which fields and secrets: " + detail);
    assertNoSecretIn(detail, form, "the audit log");

    // A setting changed alone keeps the secrets: write-only fields left blank are not replaced.
    Map<String, String> changed = new LinkedHashMap<>(form);
    changed.keySet().removeIf(name -> name.startsWith("secrets."));
    changed.put("call-timeout-ms", "4000");
    assertEquals(303, post(admin, path, csrf, changed).statusCode());
    JsonObject after = engine.as(Role.ADMIN).get("/api/v1/admin/channels/341522/wechat").json();
    assertEquals(2, after.getInteger("version"));
    assertEquals("4000", after.getJsonObject("settings").getString("call-timeout-ms"));
    JsonObject audit = engine.as(Role.ADMIN).get("/api/v1/admin/channels/341522/wechat/audit").json();
    assertEquals("[\"call-timeout-ms\"]", audit.getJsonArray("changes").getJsonObject(1).getJsonArray("fields").encode());
    assertEquals("[]", audit.getJsonArray("changes").getJsonObject(1).getJsonArray("secret_fields").encode());

    HttpResponse<String> check = admin.post(path + "/check", List.of("_csrf", csrf), Map.of("HX-Request", "true"));
    assertEquals(200, check.statusCode());
    assertTrue(check.body().contains("凭据可用") && check.body().contains("NOT_FOUND"), check.body());
    assertFalse(check.body().contains("<html"), "htmx gets the answer alone");
    assertEquals(1, audits("chan.admin", "channel.check", "ok"));
  }

  @Test
  void badInputIsShownAtItsFieldKeepsWhatWasTypedButNoSecretAndChangesNothing() throws Exception {
    String path = "/console/admin/channels/341500/wechat";
    Map<String, String> good = wechatForm();
    Map<String, Map<String, String>> bad = new LinkedHashMap<>();
    bad.put("mchid", with(good, "mchid", "not-digits"));
    bad.put("secrets.api-v3-key", with(good, "secrets.api-v3-key", "short"));
    bad.put("merchant-certificate", with(good, "merchant-certificate",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
    bad.put("urls.api", with(good, "urls.api", "ftp://example.invalid"));
    Map<String, String> noKey = new LinkedHashMap<>(good);
    noKey.remove("secrets.api-v3-key");
    bad.put("secrets.api-v3-key ", noKey);
    long refusedBefore = audits("chan.admin", "channel.save", "refused");

    for (var attempt : bad.entrySet()) {
      String field = attempt.getKey().strip();
      HttpResponse<String> answer = post(admin, path, csrf, attempt.getValue());

      assertEquals(422, answer.statusCode(), field + ": " + answer.body());
      assertTrue(answer.body().contains("id=\"error-" + field + "\""), field + " shown at its field: " + answer.body());
      assertTrue(answer.body().contains("未保存任何内容"), answer.body());
      assertNoSecretIn(answer.body(), attempt.getValue(), "the refusal of " + field);
      assertNoSecretIn(answer.body(), good, "the refusal of " + field);
    }
    assertTrue(post(admin, path, csrf, bad.get("mchid")).body().contains("value=\"not-digits\""), "what was typed is kept");
    assertEquals(0, stored("341500"), "nothing saved");
    assertEquals(404, engine.as(Role.ADMIN).get("/api/v1/admin/channels/341500/wechat").status());
    assertEquals(refusedBefore + bad.size() + 1, audits("chan.admin", "channel.save", "refused"));
    assertEquals(404, admin.get("/console/admin/channels/341500/paypal").statusCode());
  }

  private static Map<String, String> with(Map<String, String> form, String field, String value) {
    Map<String, String> copy = new LinkedHashMap<>(form);
    copy.put(field, value);
    return copy;
  }

  @Test
  void anOperatorAnAuditorOrAnotherRegionsAdministratorPostingTheFormDirectlyIsRefusedAndRecorded() throws Exception {
    Map<String, String> form = wechatForm();
    String path = "/console/admin/channels/341500/alipay";
    List<String[]> people = List.of(new String[] {"chan.operator", "operator"}, new String[] {"chan.auditor", "auditor"},
        new String[] {"chan.other.admin", "admin"});
    for (String[] who : people) {
      PersonRole role = PersonRole.fromCode(who[1]).orElseThrow();
      // The third is an administrator, of 341522 only: 341500's merchant is not its to see or change.
      String password = fixture.addSettledPerson(who[0], role, role == PersonRole.ADMIN ? "341522" : "341500");
      ConsoleClient client = new ConsoleClient(engine.baseUrl());
      assertEquals(303, client.signIn(who[0], password).statusCode());
      String token = ConsoleClient.csrf(client.get("/console/password").body());

      assertEquals(403, client.get(path).statusCode(), who[0] + " reads");
      assertEquals(403, post(client, path, token, form).statusCode(), who[0] + " saves");
      assertEquals(403, post(client, path + "/check", token, Map.of()).statusCode(), who[0] + " checks");
      assertEquals(403, post(client, "/console/admin/regions/341500", token,
          Map.of("region", RegionConsoleRoutes.example().put("code", "341500").put("version", 1).encode())).statusCode(),
          who[0] + " changes a region");
      assertEquals(403, post(client, "/console/admin/regions/341500/retire", token, Map.of("confirm", "yes"))
          .statusCode(), who[0] + " retires a region");
      assertEquals(5, audits(who[0], "access", "refused"), who[0] + "'s attempts recorded");
      assertEquals(0, audits(who[0], "channel.check", "ok") + audits(who[0], "channel.check", "failed"));
    }
    assertEquals(0, engine.count("SELECT count(*) FROM channel_config WHERE channel = 'alipay'"), "nothing saved");
    assertEquals("ACTIVE", engine.as(Role.ADMIN).get("/api/v1/admin/regions/341500").json().getString("status"));
  }

  @Test
  void anAdministratorAddsARegionAndOneOfThatRegionChangesAndRetiresItThroughTheRegionsCode() throws Exception {
    HttpResponse<String> form = admin.get("/console/admin/regions/new");
    assertEquals(200, form.statusCode());
    assertTrue(form.body().contains("金安区"), "an example to start from");
    JsonObject region = RegionConsoleRoutes.example();
    JsonObject unrouted = region.copy().put("routes", new io.vertx.core.json.JsonArray());
    HttpResponse<String> refused = admin.post("/console/admin/regions/new", "_csrf", csrf, "region", unrouted.encode());
    assertEquals(422, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("routes"), "the field is named: " + refused.body());
    assertEquals(422, admin.post("/console/admin/regions/new", "_csrf", csrf, "region", "{not json").statusCode());
    assertEquals(0, engine.count("SELECT count(*) FROM region WHERE code = '341502'"), "nothing added");

    HttpResponse<String> created = admin.post("/console/admin/regions/new", "_csrf", csrf, "region", region.encode());

    assertEquals(303, created.statusCode(), created.body());
    assertEquals("/console/admin/channels?created=341502", created.headers().firstValue("Location").orElse(""));
    JsonObject api = engine.as(Role.ADMIN).get("/api/v1/admin/regions/341502").json();
    assertEquals("console:chan.admin", api.getString("changed_by"));
    assertEquals(2, api.getJsonArray("accounts").size());
    assertTrue(admin.get("/console/admin/channels?created=341502").body().contains("区划 341502 已新增"));
    assertEquals(409, admin.post("/console/admin/regions/new", "_csrf", csrf, "region", region.encode()).statusCode(),
        "a second time: it exists");
    // Not its region: the one who added it changes it no more than another region's.
    JsonObject renamed = region.copy().put("name", "金安区（新）").put("version", 1);
    renamed.remove("code");
    assertEquals(403, admin.post("/console/admin/regions/341502", "_csrf", csrf, "region", renamed.encode()).statusCode());

    String password = fixture.addSettledPerson("jinan.admin", PersonRole.ADMIN, "341502");
    ConsoleClient jinan = new ConsoleClient(engine.baseUrl());
    assertEquals(303, jinan.signIn("jinan.admin", password).statusCode());
    String token = ConsoleClient.csrf(jinan.get("/console/admin/regions/341502").body());
    assertEquals(303, jinan.post("/console/admin/regions/341502", "_csrf", token, "region", renamed.encode()).statusCode());
    assertEquals("金安区（新）", engine.as(Role.ADMIN).get("/api/v1/admin/regions/341502").json().getString("name"));
    HttpResponse<String> page = jinan.get("/console/admin/regions/341502?done=changed");
    assertTrue(page.body().contains("区划已修改") && page.body().contains("region-change-2"), page.body());
    HttpResponse<String> stale = jinan.post("/console/admin/regions/341502", "_csrf", token, "region",
        renamed.put("name", "金安区（旧）").encode());
    assertEquals(409, stale.statusCode());
    assertTrue(stale.body().contains("version 1"), stale.body());

    HttpResponse<String> asked = jinan.post("/console/admin/regions/341502/retire", "_csrf", token);
    assertTrue(asked.body().contains("确认停用区划 341502"), asked.body());
    assertEquals("ACTIVE", engine.as(Role.ADMIN).get("/api/v1/admin/regions/341502").json().getString("status"));
    assertEquals(303, jinan.post("/console/admin/regions/341502/retire", "_csrf", token, "confirm", "yes").statusCode());
    assertEquals("RETIRED", engine.as(Role.ADMIN).get("/api/v1/admin/regions/341502").json().getString("status"));
    assertEquals(1, audits("chan.admin", "region.create", "ok"));
    assertEquals(3, audits("chan.admin", "region.create", "refused"));
    assertEquals(1, audits("jinan.admin", "region.change", "ok"));
    assertEquals(1, audits("jinan.admin", "region.change", "refused"));
    assertEquals(1, audits("jinan.admin", "region.retire", "ok"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void aUnionPayMerchantIsSavedFromItsPfxAndAWrongPasswordIsShownAtItsField() throws Exception {
    Map<String, Object> document = (Map<String, Object>) new Load(LoadSettings.builder().build())
        .loadFromString(Files.readString(engine.dataDir().resolve("merchant-config.yaml")));
    Map<String, Object> entry = ((List<Map<String, Object>>) document.get("unionpay")).get(0);
    String path = "/console/admin/channels/341522/unionpay";
    Map<String, String> form = new LinkedHashMap<>();
    form.put("mer-id", entry.get("mer-id").toString());
    form.put("verification-root-certificate", read(entry.get("verification-root-certificate")));
    form.put("verification-intermediate-certificate", read(entry.get("verification-intermediate-certificate")));
    ((Map<String, Object>) entry.get("urls")).forEach((name, value) -> form.put("urls." + name, value.toString()));
    // The .pfx as the page's script reads a chosen file: base64.
    form.put("secrets.signing-certificate", Base64.getEncoder().encodeToString(
        Files.readAllBytes(engine.dataDir().resolve(entry.get("signing-certificate").toString()))));
    form.put("secrets.signing-certificate-password", "not-the-password-8c1f");

    HttpResponse<String> refused = post(admin, path, csrf, form);

    assertEquals(422, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("id=\"error-secrets.signing-certificate-password\""), refused.body());
    assertNoSecretIn(refused.body(), form, "the refusal");
    form.put("secrets.signing-certificate-password",
        read(((Map<String, Object>) entry.get("signing-certificate-password")).get("file")).strip());
    assertEquals(303, post(admin, path, csrf, form).statusCode());
    HttpResponse<String> page = admin.get(path);
    assertNoSecretIn(page.body(), form, "the page");
    assertTrue(page.body().contains("id=\"state-signing-certificate\""), page.body());
    String state = page.body().substring(page.body().indexOf("id=\"state-signing-certificate\""));
    state = state.substring(0, state.indexOf("</span>"));
    assertTrue(state.contains("已设置") && state.contains("serial") && state.contains("not_after"),
        "what may be shown of the .pfx: " + state);
    assertEquals(true, engine.as(Role.ADMIN).get("/api/v1/admin/channels/341522/unionpay").json()
        .getJsonObject("secrets").getJsonObject("signing-certificate").getBoolean("set"));
  }

  @Test
  void aFormWithoutItsCsrfTokenIsRefusedAndChangesNothing() throws Exception {
    String path = "/console/admin/channels/341500/unionpay";
    Map<String, String> form = new LinkedHashMap<>(Map.of("mer-id", "777290058110048"));

    HttpResponse<String> without = post(admin, path, null, form);
    HttpResponse<String> forged = post(admin, path, "forged-token", form);

    assertEquals(403, without.statusCode());
    assertEquals(403, forged.statusCode());
    assertEquals(403, post(admin, path + "/check", null, Map.of()).statusCode());
    assertEquals(0, engine.count("SELECT count(*) FROM channel_config WHERE region = '341500' AND channel = 'unionpay'"));
    assertEquals(3, engine.count("SELECT count(*) FROM audit_event WHERE login = 'chan.admin' AND action = 'csrf'"
        + " AND target LIKE '/console/admin/channels/341500/unionpay%' AND outcome = 'refused'"));
  }
}
