package org.clearing.channel.wechat;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Clock;
import java.util.Objects;
import org.clearing.crypto.SignatureBase;

/**
 * Signs the merchant's requests to WeChat Pay v3 (WeChat Pay's documentation) and the JSAPI front-end
 * parameters (§1.2) with the merchant API private key.
 */
public final class WechatRequestSigner {

  /** The SDK uses 32 random characters (WeChat Pay's documentation). */
  static final int NONCE_LENGTH = 32;

  private final String mchid;
  private final String serialNo;
  private final PrivateKey privateKey;
  private final WechatSignatureType type;
  private final Clock clock;

  /**
   * @param mchid the merchant id
   * @param serialNo the merchant API certificate's serial number (hex)
   * @param privateKey the merchant API private key; RSA, or SM2 for the 国密 profile
   * @param clock the source of the Unix-seconds timestamp
   */
  public WechatRequestSigner(
      String mchid, String serialNo, PrivateKey privateKey, Clock clock) {
    this.mchid = requireText(mchid, "mchid");
    this.serialNo = requireText(serialNo, "serialNo");
    this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
    this.type = WechatSignatureType.of(privateKey);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The {@code Authorization} header value for one request, e.g. {@code WECHATPAY2-SHA256-RSA2048
   * mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"}.
   *
   * @param pathWithQuery the raw path plus {@code ?query} when there is one, no scheme or host
   * @param body the exact bytes that will be sent; empty or null for a GET
   */
  public String authorization(String method, String pathWithQuery, byte[] body) {
    String timestamp = Long.toString(clock.instant().getEpochSecond());
    String nonce = WechatNonce.random(NONCE_LENGTH);
    byte[] message = SignatureBase.request(method, pathWithQuery, timestamp, nonce, body);
    String signature = type.scheme().sign(privateKey, message);
    return type.schema()
        + " mchid=\"" + mchid
        + "\",nonce_str=\"" + nonce
        + "\",timestamp=\"" + timestamp
        + "\",serial_no=\"" + serialNo
        + "\",signature=\"" + signature + "\"";
  }

  /**
   * The parameters a JSAPI page passes to {@code WeixinJSBridge.invoke('getBrandWCPayRequest')},
   * signed over {@code appId\ntimeStamp\nnonceStr\npackage\n} (WeChat Pay's documentation).
   */
  public JsapiPayParams jsapiPayParams(String appId, String prepayId) {
    if (type != WechatSignatureType.RSA) {
      // The JSAPI bridge documents only signType "RSA" (WeChat Pay's documentation).
      throw new IllegalStateException("JSAPI paySign needs an RSA merchant key");
    }
    String timeStamp = Long.toString(clock.instant().getEpochSecond());
    String nonceStr = WechatNonce.random(NONCE_LENGTH);
    String packageValue = "prepay_id=" + requireText(prepayId, "prepayId");
    String message = requireText(appId, "appId") + "\n" + timeStamp + "\n" + nonceStr + "\n"
        + packageValue + "\n";
    String paySign = type.scheme().sign(privateKey, message.getBytes(StandardCharsets.UTF_8));
    return new JsapiPayParams(appId, timeStamp, nonceStr, packageValue, "RSA", paySign);
  }

  /** The JSAPI front-end parameters; {@code packageValue} is sent as {@code package}. */
  public record JsapiPayParams(
      String appId,
      String timeStamp,
      String nonceStr,
      String packageValue,
      String signType,
      String paySign) {

    /** The exact string {@link #paySign} covers. */
    public String signedMessage() {
      return appId + "\n" + timeStamp + "\n" + nonceStr + "\n" + packageValue + "\n";
    }
  }

  static String requireText(String value, String name) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(name + " is required");
    }
    return value;
  }
}
