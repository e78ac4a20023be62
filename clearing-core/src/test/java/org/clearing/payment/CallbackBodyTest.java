package org.clearing.payment;

// Proves the callback route reads the raw body itself: bounded (declared or streamed), whole when it
// comes in pieces, and a form body that is not a channel's is refused in the channel's form.

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.client.Role;
import org.clearing.sandbox.CallbackDispatcher;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Browser;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CallbackBodyTest {

  private static final String FORM = "application/x-www-form-urlencoded; charset=utf-8";
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  /** Sends {@code body} without a Content-Length, in chunks of at most {@code chunkBytes}. */
  private static HttpResponse<String> postChunked(String url, Map<String, String> headers, byte[] body,
      int chunkBytes) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body) {
          @Override
          public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, chunkBytes));
          }
        }));
    headers.forEach(request::header);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long inboxRows() {
    return engine.count("SELECT count(*) FROM channel_inbox");
  }

  @Test
  void aBodyDeclaredOverTheLimitIsRefusedWith413AndRecordsNothing() {
    long before = inboxRows();
    byte[] body = ("a=" + "x".repeat((int) CallbackRoutes.BODY_SIZE_MAX_BYTES)).getBytes(StandardCharsets.UTF_8);

    ApiCaller.Answer answer = new ApiCaller(engine.baseUrl(), null).raw("POST", "/callbacks/alipay", body,
        Map.of("Content-Type", FORM));

    assertEquals(413, answer.status(), answer.text());
    assertEquals(before, inboxRows());
  }

  @Test
  void aStreamedBodyThatGrowsOverTheLimitIsRefusedWith413() throws Exception {
    long before = inboxRows();
    byte[] body = ("a=" + "x".repeat((int) CallbackRoutes.BODY_SIZE_MAX_BYTES)).getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> answer = postChunked(engine.baseUrl() + "/callbacks/unionpay",
        Map.of("Content-Type", FORM), body, 8 * 1024);

    assertEquals(413, answer.statusCode(), answer.body());
    assertEquals(before, inboxRows());
  }

  @Test
  void aGenuineCallbackArrivingInSmallPiecesIsReadWholeAndBooked() throws Exception {
    JsonObject order = engine.as(Role.REGISTRATION).post("/api/v1/orders",
        OrderBodies.typical("BODY-1").encode(), "body-1").json();
    String orderNo = order.getString("order_no");
    new Browser(Browser.DESKTOP).open(order.getJsonObject("qr").getString("url") + "/pay/alipay");
    String outTradeNo = OutTradeNumbers.of(Channel.ALIPAY, orderNo);
    ApiCaller.Answer paid = new ApiCaller(engine.sandboxUrl(Channel.ALIPAY), null).raw("POST", "/sandbox/pay",
        new JsonObject().put("out_trade_no", outTradeNo).put("notify", "return").encode()
            .getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", "application/json"));
    CallbackDispatcher.Callback callback = CallbackDispatcher.Callback.fromJson(paid.json().getJsonObject("callback"));

    HttpResponse<String> answer = postChunked(callback.url(), callback.headers(), callback.body(), 100);

    assertEquals(200, answer.statusCode());
    assertEquals("success", answer.body());
    assertEquals(1, engine.count("SELECT count(*) FROM channel_inbox WHERE out_trade_no = '" + outTradeNo
        + "' AND outcome = 'APPLIED'"));
  }

  @Test
  void aFormBodyThatIsNoChannelsNotificationIsRefusedInTheChannelsForm() {
    long before = inboxRows();
    byte[] junk = "a=%ZZ&&=&b".getBytes(StandardCharsets.UTF_8);
    ApiCaller engineCaller = new ApiCaller(engine.baseUrl(), null);

    ApiCaller.Answer alipay = engineCaller.raw("POST", "/callbacks/alipay", junk, Map.of("Content-Type", FORM));
    ApiCaller.Answer unionpay = engineCaller.raw("POST", "/callbacks/unionpay", junk, Map.of("Content-Type", FORM));

    assertEquals(200, alipay.status());
    assertEquals("fail", alipay.text());
    assertEquals(400, unionpay.status());
    assertEquals(before, inboxRows());
  }
}
