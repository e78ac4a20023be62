package org.clearing.channel.wechat;

import java.security.Key;
import java.security.interfaces.RSAKey;
import java.util.Optional;
import org.clearing.crypto.SignatureScheme;

/**
 * The two WeChat Pay v3 signature profiles: RSA (the default) and the 国密 SM profile. Each fixes
 * the schema name sent in {@code Authorization} and {@code Wechatpay-Signature-Type}, the
 * signature algorithm, and the AEAD algorithm of notification resources (WeChat Pay's documentation).
 */
public enum WechatSignatureType {
  RSA("WECHATPAY2-SHA256-RSA2048", SignatureScheme.SHA256_RSA, "AEAD_AES_256_GCM"),
  SM2("WECHATPAY2-SM2-WITH-SM3", SignatureScheme.SM2_SM3, "AEAD_SM4_GCM");

  private final String schema;
  private final SignatureScheme scheme;
  private final String aeadAlgorithm;

  WechatSignatureType(String schema, SignatureScheme scheme, String aeadAlgorithm) {
    this.schema = schema;
    this.scheme = scheme;
    this.aeadAlgorithm = aeadAlgorithm;
  }

  /** The name WeChat uses for it, e.g. {@code WECHATPAY2-SHA256-RSA2048}. */
  public String schema() {
    return schema;
  }

  public SignatureScheme scheme() {
    return scheme;
  }

  /** The {@code resource.algorithm} WeChat uses with this profile. */
  public String aeadAlgorithm() {
    return aeadAlgorithm;
  }

  public static Optional<WechatSignatureType> fromSchema(String schema) {
    for (WechatSignatureType type : values()) {
      if (type.schema.equals(schema)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }

  /**
   * The profile a key (public or private) belongs to.
   *
   * @throws IllegalArgumentException for a key that is neither RSA-2048+ nor SM2
   */
  public static WechatSignatureType of(Key key) {
    if (key instanceof RSAKey rsa && rsa.getModulus().bitLength() >= 2048) {
      return RSA;
    }
    if ("EC".equals(key.getAlgorithm()) || "SM2".equals(key.getAlgorithm())) {
      return SM2;
    }
    throw new IllegalArgumentException("neither an RSA-2048 nor an SM2 key: " + key.getAlgorithm());
  }
}
