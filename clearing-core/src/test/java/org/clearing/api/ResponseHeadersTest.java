package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10 §9: the public QR page no longer shows the payer's full name, every page the engine
 * serves forbids script, framing, sniffing and referrers, and API answers are never cached or
 * sniffed — checked on the QR page, the cashier's other pages and API answers, good and bad.
 */
class ResponseHeadersTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static String qrPath;

  @BeforeAll
  static void start() {
    JsonObject body = OrderBodies.typical("HDR-1");
    body.getJsonObject("payer").put("name", "欧阳娜娜");
    JsonObject order = engine.as(Role.REGISTRATION).post("/api/v1/orders", body.encode(), "hdr-1").json();
    qrPath = order.getJsonObject("qr").getString("url").substring(TestEngine.PUBLIC_BASE_URL.length());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(engine.baseUrl() + path)).timeout(Duration.ofSeconds(20))
        .header("User-Agent", "Mozilla/5.0 (Windows NT 10.0) desktop").GET().build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Test
  void theQrPageShowsThePayersFirstCharacterOnly() throws Exception {
    String html = get(qrPath).body();
    assertTrue(html.contains("欧***"), html);
    assertFalse(html.contains("欧阳娜娜") || html.contains("阳娜娜"), "the full name is not on the public page");
    assertEquals("张*", org.clearing.qr.ApplicantPage.maskedName("张三"));
    assertEquals("张**", org.clearing.qr.ApplicantPage.maskedName("张三丰"));
  }

  @Test
  void everyPageForbidsScriptFramingSniffingAndReferrers() throws Exception {
    for (String path : new String[] {qrPath, qrPath + "/pay/wechat", "/q/AAAAAAAAAAAAAAAAAAAAAA", "/q/short"}) {
      HttpResponse<String> page = get(path);
      assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), path);
      String policy = page.headers().firstValue("Content-Security-Policy").orElse("");
      assertTrue(policy.contains("default-src 'none'"), path + ": " + policy);
      assertTrue(policy.contains("frame-ancestors 'none'"), path + ": " + policy);
      assertFalse(policy.contains("unsafe-inline") || policy.contains("script-src"), path + ": " + policy);
      assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(null), path);
      assertEquals("no-referrer", page.headers().firstValue("Referrer-Policy").orElse(null), path);
      assertFalse(page.body().toLowerCase().contains("<script"), path);
      assertFalse(page.body().matches("(?s).*\\son[a-z]+=.*"), "no inline event handlers: " + path);
      // The page's one style sheet is the one the policy allows by hash, so it still applies.
      Matcher style = Pattern.compile("<style>(.*?)</style>", Pattern.DOTALL).matcher(page.body());
      assertTrue(style.find(), path);
      String hash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
          .digest(style.group(1).getBytes(StandardCharsets.UTF_8)));
      assertTrue(policy.contains("style-src 'sha256-" + hash + "'"), path + ": " + policy);
    }
  }

  @Test
  void apiAnswersAreNeitherCachedNorSniffedGoodOrBad() throws Exception {
    ApiCaller registration = engine.as(Role.REGISTRATION);
    for (String signedPath : new String[] {"/api/v1/orders/TF000000000000000000", "/api/v1/engine/public-key"}) {
      byte[] none = new byte[0];
      HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(engine.baseUrl() + signedPath))
          .header("Authorization", registration.signer().authorization("GET", signedPath, none)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals("no-store", answer.headers().firstValue("Cache-Control").orElse(null), signedPath);
      assertEquals("nosniff", answer.headers().firstValue("X-Content-Type-Options").orElse(null), signedPath);
    }
    HttpResponse<String> unsigned = get("/api/v1/orders/TF000000000000000000");
    assertEquals(401, unsigned.statusCode());
    assertEquals("no-store", unsigned.headers().firstValue("Cache-Control").orElse(null));
    assertEquals("nosniff", unsigned.headers().firstValue("X-Content-Type-Options").orElse(null));
  }
}
