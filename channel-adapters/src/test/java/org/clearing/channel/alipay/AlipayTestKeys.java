package org.clearing.channel.alipay;

import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.clearing.crypto.Crypto;

/** Keys and a fixed clock shared by the Alipay tests; generated once per test run. */
final class AlipayTestKeys {

  static final KeyPair MERCHANT = Crypto.generateRsa(2048);
  static final KeyPair ALIPAY = Crypto.generateRsa(2048);
  static final KeyPair STRANGER = Crypto.generateRsa(2048);

  static final String APP_ID = "2021000000000001";
  static final String SELLER_ID = "2088102119685838";

  /** 2026-06-05 10:00:00 in Beijing. */
  static final Instant NOW = Instant.parse("2026-06-05T02:00:00Z");

  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private AlipayTestKeys() {}

  /** The base64 DER text the Alipay SDK takes for keys (PKCS#8 private, X.509 public). */
  static String base64(java.security.Key key) {
    return Base64.getEncoder().encodeToString(key.getEncoded());
  }
}
