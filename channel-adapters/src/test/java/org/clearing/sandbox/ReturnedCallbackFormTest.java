package org.clearing.sandbox;

// Proves the "notify" values POST /sandbox/pay understands and that a returned callback survives its JSON form byte for byte.

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReturnedCallbackFormTest {

  @Test
  void anAbsentNotifyMeansSendAndOnlySendOrReturnAreUnderstood() {
    assertEquals(Optional.of(CallbackDispatcher.Notify.SEND), CallbackDispatcher.Notify.of(null));
    assertEquals(Optional.of(CallbackDispatcher.Notify.SEND), CallbackDispatcher.Notify.of("send"));
    assertEquals(Optional.of(CallbackDispatcher.Notify.RETURN), CallbackDispatcher.Notify.of("return"));
    assertEquals(Optional.empty(), CallbackDispatcher.Notify.of("RETURN"));
    assertEquals(Optional.empty(), CallbackDispatcher.Notify.of(""));
    assertEquals(Optional.empty(), CallbackDispatcher.Notify.of(1));
  }

  @Test
  void aCallbackKeepsItsUrlHeadersAndExactBodyThroughJson() {
    byte[] body = "a=1&b=支付&c=%2B\n".getBytes(StandardCharsets.UTF_8);
    var callback = new CallbackDispatcher.Callback("http://127.0.0.1:1/callbacks/alipay",
        Map.of("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), body);

    var back = CallbackDispatcher.Callback.fromJson(new JsonObject(callback.toJson().encode()));

    assertEquals(callback.url(), back.url());
    assertEquals(callback.headers(), back.headers());
    assertArrayEquals(body, back.body());
  }

  @Test
  void aCallbackWithoutItsBodyIsRefused() {
    JsonObject incomplete = new JsonObject().put("url", "http://x/callbacks/wechat").put("headers", new JsonObject());

    assertThrows(NullPointerException.class, () -> CallbackDispatcher.Callback.fromJson(incomplete));
  }
}
