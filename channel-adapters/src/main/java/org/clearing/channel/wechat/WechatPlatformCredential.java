package org.clearing.channel.wechat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.clearing.crypto.Crypto;

/**
 * A WeChat platform signing key as the sandbox holds it: the key pair, the {@code Wechatpay-Serial}
 * it is announced under, and, in certificate mode, the self-signed certificate a merchant would
 * download (the channels' documentation).
 */
public record WechatPlatformCredential(
    String serial, KeyPair keyPair, Optional<X509Certificate> certificate) {

  /** Public-key ids are {@code PUB_KEY_ID_} plus 32 digits (the channels' documentation). */
  public static final String PUBLIC_KEY_ID_PREFIX = "PUB_KEY_ID_";

  private static final Duration CERTIFICATE_VALIDITY = Duration.ofDays(5 * 365);

  public WechatPlatformCredential {
    Objects.requireNonNull(serial, "serial");
    Objects.requireNonNull(keyPair, "keyPair");
    Objects.requireNonNull(certificate, "certificate");
  }

  /** A fresh key of the type (RSA-2048 or SM2) with a self-signed certificate, 40-hex serial. */
  public static WechatPlatformCredential withCertificate(WechatSignatureType type, Clock clock) {
    KeyPair pair = generate(type);
    X509Certificate certificate = selfSigned(pair, type, clock.instant());
    return new WechatPlatformCredential(
        WechatPlatformKeys.certificateSerial(certificate), pair, Optional.of(certificate));
  }

  /** A fresh key of the type announced under a {@code PUB_KEY_ID_…} public-key id. */
  public static WechatPlatformCredential withPublicKeyId(WechatSignatureType type) {
    return new WechatPlatformCredential(
        PUBLIC_KEY_ID_PREFIX + WechatNonce.digits(32), generate(type), Optional.empty());
  }

  public PrivateKey privateKey() {
    return keyPair.getPrivate();
  }

  public PublicKey publicKey() {
    return keyPair.getPublic();
  }

  public WechatSignatureType type() {
    return WechatSignatureType.of(keyPair.getPublic());
  }

  /** The merchant's trust entries for this credential added to {@code keys}. */
  public WechatPlatformKeys addTo(WechatPlatformKeys keys) {
    return keys.with(serial, keyPair.getPublic());
  }

  private static KeyPair generate(WechatSignatureType type) {
    return type == WechatSignatureType.RSA ? Crypto.generateRsa(2048) : Crypto.generateSm2();
  }

  private static X509Certificate selfSigned(KeyPair pair, WechatSignatureType type, Instant now) {
    // 159 random bits with bit 158 set: a positive 20-byte serial whose hex form is always exactly
    // 40 digits with no leading zero, like 5157F09EFDC096DE15EBE81A47057A7232F1B8E1 (§1.4).
    BigInteger serial = new BigInteger(159, Crypto.random()).setBit(158);
    X500Name subject = new X500Name("CN=Tenpay.com Root CA (sandbox), O=Tenpay.com, C=CN");
    String algorithm = type == WechatSignatureType.RSA ? "SHA256withRSA" : "SM3withSM2";
    try {
      var holder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  serial,
                  Date.from(now.minus(Duration.ofDays(1))),
                  Date.from(now.plus(CERTIFICATE_VALIDITY)),
                  subject,
                  pair.getPublic())
              .build(
                  new JcaContentSignerBuilder(algorithm)
                      .setProvider(Crypto.provider())
                      .build(pair.getPrivate()));
      return new JcaX509CertificateConverter().setProvider(Crypto.provider()).getCertificate(holder);
    } catch (OperatorCreationException | CertificateException e) {
      throw new IllegalStateException("cannot self-sign a platform certificate", e);
    }
  }
}
