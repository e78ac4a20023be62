package org.clearing.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.clearing.channel.Channel;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.SecondEngine;
import org.clearing.testing.TestDatabase;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regions, payee accounts, routes and receivers are data an administrator manages over the API:
 * a region created so takes orders that are paid through the sandboxes; a changed route applies to
 * orders created afterwards while an earlier order keeps its split; a retired region takes no new
 * order while its orders are paid and refunded; a channel is offered only where every account has
 * a receiver; bad input is refused naming the field; only an administrator may do any of it; and
 * every change leaves an audit row.
 */
class RegionAdminTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller admin;
  private static ApiCaller registration;
  private static int cases;

  @BeforeAll
  static void callers() {
    admin = engine.as(Role.ADMIN);
    registration = engine.as(Role.REGISTRATION);
  }

  // ---- bodies -------------------------------------------------------------------------------

  /** Account {@code n} of region {@code code}'s receivers, distinct for every region and account. */
  static JsonObject receivers(String code, int n) {
    return new JsonObject()
        .put("wechat", "19" + code + "0" + n)
        .put("alipay", "208800" + code + "000" + n)
        .put("unionpay", "898" + code + "00000" + n);
  }

  static JsonObject treasury(String code, String id, int n) {
    return new JsonObject().put("account_id", id).put("side", "TREASURY")
        .put("name", "国家金库" + code + "支库").put("bank_name", "中国人民银行" + code + "支行")
        .put("account_no", "270" + code + "00000" + n).put("treasury_code", code + "0000")
        .put("receivers", receivers(code, n));
  }

  static JsonObject nonTax(String code, String id, int n) {
    return new JsonObject().put("account_id", id).put("side", "NON_TAX")
        .put("name", code + "财政局非税收入汇缴结算户").put("bank_name", "中国建设银行" + code + "支行")
        .put("account_no", "3405" + code + "00000" + n)
        .put("receivers", receivers(code, n));
  }

  static JsonObject taxRoute(String kind, String account, String subject) {
    return new JsonObject().put("kind", kind).put("account_id", account)
        .put("tax_office_code", "13415020000").put("budget_subject_code", subject).put("budget_level", "4");
  }

  static JsonObject feeRoute(String kind, String account, String item) {
    return new JsonObject().put("kind", kind).put("account_id", account)
        .put("collecting_unit_code", "0150201").put("income_item_code", item);
  }

  /** A region with a treasury and a non-tax account: deed tax to the one, two fees to the other. */
  static JsonObject region(String code, String name) {
    return new JsonObject().put("code", code).put("name", name)
        .put("kinds", new JsonArray().add("DEED_TAX").add("REGISTRATION_FEE").add("CERTIFICATE_FEE"))
        .put("accounts", new JsonArray().add(treasury(code, "TRE-" + code, 1)).add(nonTax(code, "NTX-" + code, 2)))
        .put("routes", new JsonArray()
            .add(taxRoute("DEED_TAX", "TRE-" + code, "10119"))
            .add(feeRoute("REGISTRATION_FEE", "NTX-" + code, "103043211"))
            .add(feeRoute("CERTIFICATE_FEE", "NTX-" + code, "103043212")));
  }

  // ---- calls --------------------------------------------------------------------------------

  static ApiCaller.Answer put(ApiCaller caller, String path, JsonObject body) {
    return caller.send("PUT", path, body.encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"), true);
  }

  /** Registers the region's receivers at the sandboxes, as the merchant platform binds sub-merchants. */
  static void registerAtSandboxes(JsonObject region) {
    for (Object account : region.getJsonArray("accounts")) {
      JsonObject receivers = ((JsonObject) account).getJsonObject("receivers");
      for (String channel : receivers.fieldNames()) {
        ApiCaller sandbox = new ApiCaller(engine.get().sandboxUrl(Channel.fromCode(channel).orElseThrow()), null);
        ApiCaller.Answer answer = sandbox.raw("PUT", "/sandbox/receivers/" + receivers.getString(channel),
            new byte[0], Map.of());
        assertTrue(answer.status() == 201 || answer.status() == 200, answer.text());
      }
    }
  }

  static JsonObject created(JsonObject region) {
    ApiCaller.Answer answer = admin.post("/api/v1/admin/regions", region.encode(), null);
    assertEquals(201, answer.status(), answer.text());
    return answer.json();
  }

  static ApiCaller.Answer order(String region, String... kinds) {
    return order(registration, region, kinds);
  }

  static ApiCaller.Answer order(ApiCaller registration, String region, String... kinds) {
    JsonObject body = OrderBodies.typical("REGION-" + (++cases)).put("region", region);
    JsonArray lines = new JsonArray();
    for (String kind : kinds) {
      lines.add(OrderBodies.line(kind, kind.equals("DEED_TAX") ? 1_500_000 : 8_000));
    }
    body.put("lines", lines);
    return registration.post("/api/v1/orders", body.encode(), "region-" + cases);
  }

  static JsonObject newOrder(String region, String... kinds) {
    ApiCaller.Answer answer = order(region, kinds);
    assertEquals(201, answer.status(), answer.text());
    return answer.json();
  }

  /** Pays the order as a desktop browser choosing the channel, and waits for PAID. */
  static void pay(JsonObject order, Channel channel) {
    Browser desktop = new Browser(Browser.DESKTOP);
    Browser.Page page = desktop.open(order.getJsonObject("qr").getString("url") + "/pay/" + channel.code());
    assertEquals(200, page.status(), page.url() + "\n" + page.html());
    assertTrue(page.url().startsWith(engine.get().sandboxUrl(channel)), "ends on the sandbox: " + page.url());
    assertEquals(200, desktop.submitForm(page).status());
    String orderNo = order.getString("order_no");
    Await.until(orderNo + " is PAID", () -> status(orderNo).equals("PAID"));
  }

  static String status(String orderNo) {
    return registration.get("/api/v1/orders/" + orderNo).json().getString("status");
  }

  static List<String> fields(ApiCaller.Answer answer) {
    assertEquals("application/problem+json", answer.contentType(), answer.text());
    List<String> fields = new ArrayList<>();
    answer.json().getJsonArray("errors", new JsonArray())
        .forEach(error -> fields.add(((JsonObject) error).getString("field")));
    return fields;
  }

  static JsonObject line(JsonObject order, String kind) {
    return order.getJsonArray("lines").stream().map(JsonObject.class::cast)
        .filter(line -> line.getString("kind").equals(kind)).findFirst().orElseThrow();
  }

  static List<String> legAccounts(JsonObject order) {
    return order.getJsonArray("legs").stream().map(leg -> ((JsonObject) leg).getString("payee_account")).toList();
  }

  // ---- tests --------------------------------------------------------------------------------

  @Test
  void aRegionCreatedThroughTheApiTakesOrdersPaidThroughEverySandbox() {
    JsonObject body = region("341502", "金安区");
    registerAtSandboxes(body);

    JsonObject region = created(body);

    assertEquals("ACTIVE", region.getString("status"));
    assertEquals(1, region.getInteger("version"));
    assertEquals(new JsonArray().add("wechat").add("alipay").add("unionpay"), region.getJsonArray("offered_channels"));
    assertEquals(region, admin.get("/api/v1/admin/regions/341502").json());
    assertTrue(admin.get("/api/v1/admin/regions").json().getJsonArray("regions").stream()
        .anyMatch(r -> ((JsonObject) r).getString("code").equals("341502")));
    for (Channel channel : Channel.values()) {
      JsonObject order = newOrder("341502", "DEED_TAX", "REGISTRATION_FEE", "CERTIFICATE_FEE");
      assertEquals(List.of("TRE-341502", "NTX-341502"), legAccounts(order));
      JsonObject deedTax = line(order, "DEED_TAX");
      assertEquals("10119", deedTax.getString("budget_subject_code"));
      assertEquals("4", deedTax.getString("budget_level"));
      assertEquals("3415020000", deedTax.getString("treasury_code"));
      assertEquals("103043211", line(order, "REGISTRATION_FEE").getString("income_item_code"));

      pay(order, channel);
    }
  }

  @Test
  void aSandboxRefusesAReceiverItsMerchantNeverRegistered() {
    JsonObject body = region("341503", "裕安区");
    created(body);
    JsonObject order = newOrder("341503", "DEED_TAX", "REGISTRATION_FEE");
    String url = order.getJsonObject("qr").getString("url");

    // WeChat is asked by the engine (a JSAPI order) and refuses: the cashier says so.
    Browser.Page wechat = new Browser(Browser.DESKTOP).open(url + "/pay/wechat");
    assertEquals(502, wechat.status(), "the cashier reports the channel's refusal: " + wechat.html());
    // Alipay's wap pay is a signed redirect: Alipay's own page refuses it.
    Browser.Page alipay = new Browser(Browser.DESKTOP).open(url + "/pay/alipay");
    assertTrue(alipay.url().startsWith(engine.get().sandboxUrl(Channel.ALIPAY)), alipay.url());
    assertEquals(400, alipay.status(), alipay.html());
    assertTrue(alipay.html().contains("not a bound receiver"), alipay.html());
    assertEquals("OPEN", status(order.getString("order_no")));
  }

  @Test
  void aRouteChangedAfterAnOrderLeavesThatOrdersSplitAndRoutesTheNextOrders() {
    JsonObject body = region("341504", "叶集区");
    registerAtSandboxes(body);
    created(body);
    JsonObject before = newOrder("341504", "DEED_TAX", "REGISTRATION_FEE");

    JsonObject changed = region("341504", "叶集区").put("version", 1);
    JsonObject newAccount = nonTax("341504", "NTX2-341504", 3);
    changed.getJsonArray("accounts").add(newAccount);
    changed.put("routes", new JsonArray()
        .add(taxRoute("DEED_TAX", "TRE-341504", "10119").put("budget_level", "3"))
        .add(feeRoute("REGISTRATION_FEE", "NTX2-341504", "103043299"))
        .add(feeRoute("CERTIFICATE_FEE", "NTX-341504", "103043212")));
    registerAtSandboxes(changed);
    ApiCaller.Answer answer = put(admin, "/api/v1/admin/regions/341504", changed);
    assertEquals(200, answer.status(), answer.text());
    assertEquals(2, answer.json().getInteger("version"));
    JsonObject after = newOrder("341504", "DEED_TAX", "REGISTRATION_FEE");

    JsonObject old = registration.get("/api/v1/orders/" + before.getString("order_no")).json();
    assertEquals(List.of("TRE-341504", "NTX-341504"), legAccounts(old));
    assertEquals("4", line(old, "DEED_TAX").getString("budget_level"));
    assertEquals("103043211", line(old, "REGISTRATION_FEE").getString("income_item_code"));
    assertEquals(List.of("TRE-341504", "NTX2-341504"), legAccounts(after));
    assertEquals("3", line(after, "DEED_TAX").getString("budget_level"));
    assertEquals("103043299", line(after, "REGISTRATION_FEE").getString("income_item_code"));
    // The old order is paid as it was split: its non-tax leg to the account it was created with.
    pay(old, Channel.WECHAT);
    assertEquals(1, engine.count("SELECT count(*) FROM leg WHERE order_no = '" + before.getString("order_no")
        + "' AND payee_account_id = 'NTX-341504' AND status = 'PAID'"));
    pay(after, Channel.UNIONPAY);
    assertEquals(1, engine.count("SELECT count(*) FROM leg WHERE order_no = '" + after.getString("order_no")
        + "' AND payee_account_id = 'NTX2-341504' AND status = 'PAID'"));
  }

  @Test
  void aRetiredRegionRefusesNewOrdersWhileItsOrdersArePaidAndRefunded() {
    JsonObject body = region("341505", "舒城县");
    registerAtSandboxes(body);
    created(body);
    JsonObject request = OrderBodies.typical("RETIRED-1").put("region", "341505").put("lines", new JsonArray()
        .add(OrderBodies.line("DEED_TAX", 1_500_000)).add(OrderBodies.line("REGISTRATION_FEE", 8_000)));
    ApiCaller.Answer first = registration.post("/api/v1/orders", request.encode(), "retired-1");
    assertEquals(201, first.status(), first.text());
    JsonObject order = first.json();

    ApiCaller.Answer retired = admin.post("/api/v1/admin/regions/341505/retire", "", null);

    assertEquals(200, retired.status(), retired.text());
    assertEquals("RETIRED", retired.json().getString("status"));
    ApiCaller.Answer refused = order("341505", "DEED_TAX");
    assertEquals(422, refused.status(), refused.text());
    assertEquals(List.of("region"), fields(refused));
    assertTrue(refused.text().contains("retired"), refused.text());
    ApiCaller.Answer replay = registration.post("/api/v1/orders", request.encode(), "retired-1");
    assertEquals(200, replay.status(), "a retry of an order created before is a replay: " + replay.text());
    assertEquals(order.getString("order_no"), replay.json().getString("order_no"));
    ApiCaller.Answer otherBody = registration.post("/api/v1/orders",
        request.copy().put("case_no", "RETIRED-2").encode(), "retired-1");
    assertEquals(422, otherBody.status(), otherBody.text());
    pay(order, Channel.ALIPAY);
    String orderNo = order.getString("order_no");
    ApiCaller.Answer refund = registration.post("/api/v1/orders/" + orderNo + "/refunds",
        new JsonObject().put("refund_key", "retired-" + orderNo).put("reason", "registration withdrawn").encode(), null);
    assertEquals(201, refund.status(), refund.text());
    String refundId = refund.json().getString("refund_id");
    Await.until("the refund succeeded", () -> registration.get("/api/v1/orders/" + orderNo + "/refunds/" + refundId)
        .json().getString("status").equals("SUCCEEDED"));
    ApiCaller.Answer again = admin.post("/api/v1/admin/regions/341505/retire", "", null);
    assertEquals(409, again.status(), again.text());
    ApiCaller.Answer change = put(admin, "/api/v1/admin/regions/341505", region("341505", "舒城县").put("version", 2));
    assertEquals(409, change.status(), change.text());
  }

  @Test
  void aRegionLackingAUnionPayReceiverDoesNotOfferUnionPay() {
    JsonObject body = region("341506", "金寨县");
    body.getJsonArray("accounts").getJsonObject(1).getJsonObject("receivers").remove("unionpay");
    registerAtSandboxes(body);

    JsonObject region = created(body);

    assertEquals(new JsonArray().add("wechat").add("alipay"), region.getJsonArray("offered_channels"));
    JsonObject order = newOrder("341506", "DEED_TAX", "REGISTRATION_FEE");
    String url = order.getJsonObject("qr").getString("url");
    Browser.Page choice = new Browser(Browser.DESKTOP).open(url);
    assertEquals(200, choice.status());
    assertTrue(choice.html().contains("/pay/wechat") && choice.html().contains("/pay/alipay"), choice.html());
    assertFalse(choice.html().contains("/pay/unionpay"), "UnionPay is not offered: " + choice.html());
    Browser.Page unionPayWallet = new Browser(Browser.UNIONPAY).open(url);
    assertEquals(200, unionPayWallet.status());
    assertFalse(unionPayWallet.url().startsWith(engine.get().sandboxUrl(Channel.UNIONPAY)),
        "the UnionPay wallet is shown the choice, not sent to UnionPay: " + unionPayWallet.url());
    assertEquals(404, new Browser(Browser.DESKTOP).open(url + "/pay/unionpay").status());
    assertEquals(0, engine.count("SELECT count(*) FROM channel_order WHERE order_no = '" + order.getString("order_no") + "'"));

    JsonObject completed = region("341506", "金寨县").put("version", 1);
    registerAtSandboxes(completed);
    ApiCaller.Answer answer = put(admin, "/api/v1/admin/regions/341506", completed);
    assertEquals(200, answer.status(), answer.text());
    assertEquals(new JsonArray().add("wechat").add("alipay").add("unionpay"), answer.json().getJsonArray("offered_channels"));
    pay(order, Channel.UNIONPAY);
  }

  /** Each bad body is refused with the field it names, and nothing is written. */
  @Test
  void badRegionsAreRefusedNamingTheFieldAndChangeNothing() {
    long regions = engine.count("SELECT count(*) FROM region");
    long audits = engine.count("SELECT count(*) FROM region_audit");
    refused(body -> body.put("code", "34150"), "code");
    refused(body -> body.put("code", "34150a"), "code");
    refused(body -> body.put("extra", 1), "extra");
    refused(body -> body.getJsonArray("kinds").add("LAND_PROCEEDS"), "kinds[3]");
    refused(body -> body.getJsonArray("kinds").add("DEED_TAX"), "kinds[3]");
    refused(body -> body.getJsonArray("kinds").add("PARKING_FEE"), "kinds[3]");
    refused(body -> body.getJsonArray("routes").add(taxRoute("VAT", "TRE-341590", "1010101")), "routes[3].kind");
    refused(body -> body.getJsonArray("routes").getJsonObject(0).put("account_id", "TRE-NOWHERE"), "routes[0].account_id");
    refused(body -> body.getJsonArray("routes").getJsonObject(0).remove("budget_level"), "routes[0].budget_level");
    refused(body -> body.getJsonArray("routes").getJsonObject(0).put("budget_level", "6"), "routes[0].budget_level");
    refused(body -> body.getJsonArray("routes").getJsonObject(1).put("budget_subject_code", "10119"),
        "routes[1].budget_subject_code");
    refused(body -> body.getJsonArray("routes").getJsonObject(1).remove("income_item_code"), "routes[1].income_item_code");
    refused(body -> body.getJsonArray("routes").add(feeRoute("REGISTRATION_FEE", "NTX-341590", "103043211")),
        "routes[3].kind");
    refused(body -> body.getJsonArray("accounts").getJsonObject(1).put("account_id", "TRE-341590"), "accounts[1].account_id",
        "routes[1].account_id", "routes[2].account_id");
    refused(body -> body.getJsonArray("accounts").getJsonObject(0).remove("treasury_code"), "accounts[0].treasury_code");
    refused(body -> body.getJsonArray("accounts").getJsonObject(1).put("treasury_code", "3415900000"),
        "accounts[1].treasury_code");
    refused(body -> body.getJsonArray("accounts").getJsonObject(0).put("account_no", "12ab"), "accounts[0].account_no");
    refused(body -> body.getJsonArray("accounts").getJsonObject(0).put("name", "  "), "accounts[0].name");
    refused(body -> body.getJsonArray("accounts").getJsonObject(0).getJsonObject("receivers").put("wechat", "19x"),
        "accounts[0].receivers.wechat");
    refused(body -> body.getJsonArray("accounts").getJsonObject(0).getJsonObject("receivers").put("paypal", "1"),
        "accounts[0].receivers.paypal");
    refused(body -> body.getJsonArray("accounts").getJsonObject(1).getJsonObject("receivers")
        .put("alipay", body.getJsonArray("accounts").getJsonObject(0).getJsonObject("receivers").getString("alipay")),
        "accounts[1].receivers.alipay");
    // Held by another region: an account id, a receiver.
    refused(body -> {
      body.getJsonArray("accounts").getJsonObject(0).put("account_id", "TRE-341500");
      body.getJsonArray("routes").getJsonObject(0).put("account_id", "TRE-341500");
    }, "accounts[0].account_id");
    refused(body -> body.getJsonArray("accounts").getJsonObject(0).getJsonObject("receivers").put("wechat", "1900000101"),
        "accounts[0].receivers.wechat");
    ApiCaller.Answer exists = admin.post("/api/v1/admin/regions", region("341500", "六安市").encode(), null);
    assertEquals(409, exists.status(), exists.text());
    assertEquals("application/problem+json", exists.contentType());
    ApiCaller.Answer notJson = admin.post("/api/v1/admin/regions", "{\"code\":", null);
    assertEquals(400, notJson.status(), notJson.text());

    assertEquals(regions, engine.count("SELECT count(*) FROM region"));
    assertEquals(audits, engine.count("SELECT count(*) FROM region_audit"));
    assertEquals(0, engine.count("SELECT count(*) FROM payee_account WHERE region = '341590'"));
  }

  private static void refused(Consumer<JsonObject> spoil, String... expectedFields) {
    JsonObject body = region("341590", "坏区");
    spoil.accept(body);
    ApiCaller.Answer answer = admin.post("/api/v1/admin/regions", body.encode(), null);
    assertEquals(422, answer.status(), body.encode() + " -> " + answer.text());
    assertEquals(List.of(expectedFields), fields(answer), answer.text());
  }

  @Test
  void aChangeThatWouldMoveWhatOldOrdersPointAtIsRefused() {
    created(region("341507", "霍山县"));
    String path = "/api/v1/admin/regions/341507";

    changeRefused(path, body -> body.getJsonArray("accounts").getJsonObject(0).put("account_no", "270341507999999"),
        "accounts[0].account_no");
    changeRefused(path, body -> body.getJsonArray("accounts").getJsonObject(1).getJsonObject("receivers")
        .put("wechat", "1934150799"), "accounts[1].receivers.wechat");
    changeRefused(path, body -> body.getJsonArray("accounts").getJsonObject(1).getJsonObject("receivers")
        .remove("alipay"), "accounts[1].receivers.alipay");
    changeRefused(path, body -> {
      body.getJsonArray("accounts").remove(1);
      body.getJsonArray("accounts").add(nonTax("341507", "NTX2-341507", 3));
      body.getJsonArray("routes").getJsonObject(1).put("account_id", "NTX2-341507");
      body.getJsonArray("routes").getJsonObject(2).put("account_id", "NTX2-341507");
    }, "accounts");
    changeRefused(path, body -> body.getJsonArray("accounts").getJsonObject(1).put("status", "RETIRED"),
        "routes[1].account_id", "routes[2].account_id");
    changeRefused(path, body -> body.remove("version"), "version");
    changeRefused(path, body -> body.put("code", "341508"), "code");

    ApiCaller.Answer stale = put(admin, path, region("341507", "霍山县区").put("version", 7));
    assertEquals(409, stale.status(), stale.text());
    assertTrue(stale.text().contains("stale-version"), stale.text());
    ApiCaller.Answer missing = put(admin, "/api/v1/admin/regions/341599", region("341599", "无").put("version", 1));
    assertEquals(404, missing.status(), missing.text());
    ApiCaller.Answer same = put(admin, path, region("341507", "霍山县").put("version", 1));
    assertEquals(200, same.status(), same.text());
    assertEquals(1, same.json().getInteger("version"), "describing the region as it is changes nothing");
    assertEquals(1, engine.count("SELECT count(*) FROM region_audit WHERE region = '341507'"));
  }

  private static void changeRefused(String path, Consumer<JsonObject> spoil, String... expectedFields) {
    JsonObject body = region("341507", "霍山县").put("version", 1);
    spoil.accept(body);
    ApiCaller.Answer answer = put(admin, path, body);
    assertEquals(422, answer.status(), body.encode() + " -> " + answer.text());
    assertEquals(List.of(expectedFields), fields(answer), answer.text());
  }

  @Test
  void onlyAnAdministratorReadsOrChangesRegions() {
    for (Role role : List.of(Role.REGISTRATION, Role.TAX, Role.FINANCE)) {
      ApiCaller caller = engine.as(role);
      assertEquals(403, caller.get("/api/v1/admin/regions").status(), role.code());
      assertEquals(403, caller.get("/api/v1/admin/regions/341500").status(), role.code());
      assertEquals(403, caller.get("/api/v1/admin/regions/341500/audit").status(), role.code());
      assertEquals(403, caller.post("/api/v1/admin/regions", region("341591", "越权区").encode(), null).status());
      assertEquals(403, put(caller, "/api/v1/admin/regions/341500", region("341500", "越权").put("version", 1)).status());
      assertEquals(403, caller.post("/api/v1/admin/regions/341500/retire", "", null).status(), role.code());
    }
    ApiCaller unsigned = new ApiCaller(engine.get().baseUrl(), null);
    assertEquals(401, unsigned.raw("POST", "/api/v1/admin/regions/341500/retire", new byte[0], Map.of()).status());

    assertEquals(0, engine.count("SELECT count(*) FROM region WHERE code = '341591'"));
    assertEquals(1, engine.count("SELECT count(*) FROM region WHERE code = '341500' AND status = 'ACTIVE' AND version = 1"));
  }

  @Test
  void everyChangeIsAuditedWithWhoWhenAndWhichFields() {
    JsonObject body = region("341508", "寿县");
    created(body);
    JsonObject changed = region("341508", "寿县").put("version", 1);
    changed.getJsonArray("routes").getJsonObject(1).put("income_item_code", "103043299");
    assertEquals(200, put(admin, "/api/v1/admin/regions/341508", changed).status());
    assertEquals(200, admin.post("/api/v1/admin/regions/341508/retire", "", null).status());

    JsonArray changes = admin.get("/api/v1/admin/regions/341508/audit").json().getJsonArray("changes");

    assertEquals(3, changes.size(), changes.encodePrettily());
    String adminId = admin.get("/api/v1/admin/regions/341508").json().getString("changed_by");
    List<String> actions = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JsonObject row = changes.getJsonObject(i);
      actions.add(row.getString("action"));
      assertEquals(i + 1, row.getInteger("version"));
      assertEquals(adminId, row.getString("client_id"));
      assertTrue(row.getString("changed_at").endsWith("Z"), row.encode());
    }
    assertEquals(List.of("CREATE", "CHANGE", "RETIRE"), actions);
    assertTrue(changes.getJsonObject(0).getJsonArray("changes").stream().map(JsonObject.class::cast)
        .anyMatch(c -> c.getString("field").equals("routes.DEED_TAX") && c.getValue("from") == null));
    assertEquals(new JsonArray().add(new JsonObject().put("field", "routes.REGISTRATION_FEE.income_item_code")
        .put("from", "103043211").put("to", "103043299")), changes.getJsonObject(1).getJsonArray("changes"));
    assertEquals(new JsonArray().add(new JsonObject().put("field", "status").put("from", "ACTIVE").put("to", "RETIRED")),
        changes.getJsonObject(2).getJsonArray("changes"));
    assertEquals(404, admin.get("/api/v1/admin/regions/341599/audit").status());
    // The record is appended to, never rewritten, even by the database's owner.
    assertThrows(IllegalStateException.class, () -> TestDatabase.execute(engine.get().pgUrl(),
        "UPDATE region_audit SET client_id = 'someone-else' WHERE region = '341508'"));
    assertThrows(IllegalStateException.class, () -> TestDatabase.execute(engine.get().pgUrl(),
        "DELETE FROM region_audit WHERE region = '341508'"));
    assertEquals(3, engine.count("SELECT count(*) FROM region_audit WHERE region = '341508'"));
  }

  @Test
  void aChangeMadeOnOneEngineRoutesTheOrdersOfAnotherWithinItsCheckInterval() throws Exception {
    try (SecondEngine second = SecondEngine.on(engine.get())) {
      ApiCaller there = new ApiCaller("http://127.0.0.1:" + second.engine().httpPort(),
          TestEngine.demoSigner(engine.get().dataDir(), Role.REGISTRATION));
      assertEquals(422, order(there, "341509", "DEED_TAX").status());

      created(region("341509", "叶集新区"));

      Await.value("the other engine takes orders for the new region", java.time.Duration.ofSeconds(20),
          () -> order(there, "341509", "DEED_TAX").status(), status -> status == 201);
      assertEquals(200, admin.post("/api/v1/admin/regions/341509/retire", "", null).status());
      Await.value("the other engine refuses orders for the retired region", java.time.Duration.ofSeconds(20),
          () -> order(there, "341509", "DEED_TAX").status(), status -> status == 422);
    }
  }
}
