package org.clearing.channel.wechat;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The WeChat platform keys a merchant trusts, by the value WeChat sends in {@code Wechatpay-Serial}:
 * platform-certificate serials (40 hex digits) and WeChat Pay public-key ids ({@code
 * PUB_KEY_ID_…}) side by side, because during the migration callbacks switch between the two day
 * by day and both must be accepted (WeChat Pay's documentation). Immutable.
 */
public final class WechatPlatformKeys {

  /** One trusted key and the signature profile it belongs to. */
  public record PlatformKey(String serial, PublicKey publicKey, WechatSignatureType type) {
    public PlatformKey {
      Objects.requireNonNull(serial, "serial");
      Objects.requireNonNull(publicKey, "publicKey");
      Objects.requireNonNull(type, "type");
    }
  }

  private final Map<String, PlatformKey> keysBySerial;

  private WechatPlatformKeys(Map<String, PlatformKey> keysBySerial) {
    this.keysBySerial = Map.copyOf(keysBySerial);
  }

  public static WechatPlatformKeys empty() {
    return new WechatPlatformKeys(Map.of());
  }

  /** These keys plus a platform certificate, filed under its serial as uppercase hex. */
  public WechatPlatformKeys withCertificate(X509Certificate certificate) {
    return with(certificateSerial(certificate), certificate.getPublicKey());
  }

  /** These keys plus a key filed under an id, e.g. a {@code PUB_KEY_ID_…} public-key id. */
  public WechatPlatformKeys with(String serial, PublicKey publicKey) {
    Map<String, PlatformKey> next = new HashMap<>(keysBySerial);
    next.put(serial, new PlatformKey(serial, publicKey, WechatSignatureType.of(publicKey)));
    return new WechatPlatformKeys(next);
  }

  public Optional<PlatformKey> find(String serial) {
    return Optional.ofNullable(keysBySerial.get(serial));
  }

  public int size() {
    return keysBySerial.size();
  }

  /**
   * A certificate's serial as WeChat writes it: uppercase hex of the serial number, the form the
   * SDK compares against {@code Wechatpay-Serial}.
   */
  public static String certificateSerial(X509Certificate certificate) {
    return certificate.getSerialNumber().toString(16).toUpperCase(Locale.ROOT);
  }
}
