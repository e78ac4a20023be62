package org.clearing.channel.wechat;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.clearing.channel.Rejection;

/**
 * The answer to a WeChat notification (WeChat Pay's documentation). Only the HTTP status counts: 2xx means
 * delivered, anything else is resent on the retry schedule; a failure carries {@code
 * {"code":"FAIL","message":"…"}}.
 */
public record WechatAck(int status, byte[] body) {

  /** Delivered and durably recorded: 204 with no body. */
  public static WechatAck success() {
    return new WechatAck(204, new byte[0]);
  }

  /**
   * Refused: 400 for a body we cannot read or one paying another merchant, 401 for anything whose
   * authenticity failed, a probe included (a probe must get a non-2xx answer, §1.4).
   */
  public static WechatAck rejected(Rejection rejection) {
    int status = rejection.reason() == Rejection.Reason.MALFORMED
        || rejection.reason() == Rejection.Reason.FOREIGN ? 400 : 401;
    return failure(status, rejection.reason().label());
  }

  /** Verified but not recorded (e.g. the database is down): 500 so that WeChat resends it. */
  public static WechatAck retryLater(String message) {
    return failure(500, message);
  }

  private static WechatAck failure(int status, String message) {
    String body = new JsonObject().put("code", "FAIL").put("message", message).encode();
    return new WechatAck(status, body.getBytes(StandardCharsets.UTF_8));
  }

  public boolean delivered() {
    return status >= 200 && status < 300;
  }
}
