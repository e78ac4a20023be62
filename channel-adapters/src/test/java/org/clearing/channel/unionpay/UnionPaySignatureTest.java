package org.clearing.channel.unionpay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.clearing.channel.Rejection.Reason;
import org.clearing.channel.unionpay.UnionPayCertificates.Issued;
import org.clearing.channel.unionpay.UnionPayCertificates.Pki;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SignatureScheme;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * signMethod 01 signs and verifies as §3.3 says, and the merchant-side verifier trusts only a
 * valid certificate of UnionPay's under the configured chain (also once it has remembered a
 * trusted one); the channel side only registered merchants.
 */
class UnionPaySignatureTest {

  static final Instant NOW = Instant.parse("2026-03-01T04:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final String MER_ID = "777290058110048";

  static Pki pki;
  static UnionPayRsaProfile unionPay;

  @BeforeAll
  static void issueCertificates() {
    pki = Pki.generate(CLOCK, UnionPayCertificates.STRICT_OWNER_SIGNING_CN, MER_ID);
    unionPay =
        UnionPayRsaProfile.forUnionPay(
            pki.unionPaySigning().keyPair().getPrivate(), pki.unionPaySigning().certificate());
  }

  static Map<String, String> notification() {
    Map<String, String> fields = new TreeMap<>();
    fields.put("version", "5.1.0");
    fields.put("encoding", "UTF-8");
    fields.put("txnType", "01");
    fields.put("orderId", "BDC20250101A");
    fields.put("queryId", "951807261002324791038");
    fields.put("txnAmt", "12345");
    fields.put("respMsg", "成功[0000000]");
    fields.put("reqReserved", "");
    return fields;
  }

  static UnionPayVerifier verifier(boolean strictOwner) {
    return new UnionPayVerifier(
        pki.root().certificate(), pki.intermediate().certificate(), CLOCK, strictOwner);
  }

  @Test
  void aSignedNotificationVerifiesAndCarriesTheCertificateAndDecimalCertId() {
    Map<String, String> signed = unionPay.sign(notification());
    assertEquals("01", signed.get("signMethod"));
    assertEquals(pki.unionPaySigning().certificate().getSerialNumber().toString(), signed.get("certId"));
    assertTrue(signed.get("certId").matches("[0-9]+"));
    assertEquals(pki.unionPaySigning().certificatePem(), signed.get("signPubKeyCert"));
    assertEquals(UnionPayVerification.ok(), verifier(true).verify(signed));
  }

  @Test
  void theSignatureCoversTheHexDigestStringNotTheMessage() {
    Map<String, String> signed = unionPay.sign(notification());
    String digestHex =
        UnionPayCanonical.digestHex(
            UnionPayCanonical.coverMap2String(signed), StandardCharsets.UTF_8);
    assertTrue(
        SignatureScheme.SHA256_RSA.verify(
            pki.unionPaySigning().keyPair().getPublic(),
            digestHex.getBytes(StandardCharsets.US_ASCII),
            signed.get("signature")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"orderId", "txnAmt", "respMsg", "reqReserved", "certId", "signPubKeyCert"})
  void changingAnyFieldEvenOnlyItsNewlinesIsABadSignature(String key) {
    Map<String, String> signed = new HashMap<>(unionPay.sign(notification()));
    String value = signed.get(key);
    String tampered =
        key.equals("signPubKeyCert") ? value.replace("\n", "\r\n") : value + "0";
    signed.put(key, tampered);
    assertEquals(Reason.BAD_SIGNATURE, verifier(true).verify(signed).failure());
  }

  @Test
  void aGbkMessageIsHashedInGbkAndStillVerifies() {
    Map<String, String> fields = notification();
    fields.put("encoding", "GBK");
    Map<String, String> signed = unionPay.sign(fields);
    assertTrue(verifier(true).verify(signed).isOk());
    String canonical = UnionPayCanonical.coverMap2String(signed);
    assertTrue(
        SignatureScheme.SHA256_RSA.verify(
            pki.unionPaySigning().keyPair().getPublic(),
            UnionPayCanonical.digestHex(canonical, java.nio.charset.Charset.forName("GBK"))
                .getBytes(StandardCharsets.US_ASCII),
            signed.get("signature")));
    assertFalse(
        SignatureScheme.SHA256_RSA.verify(
            pki.unionPaySigning().keyPair().getPublic(),
            UnionPayCanonical.digestHex(canonical, StandardCharsets.UTF_8)
                .getBytes(StandardCharsets.US_ASCII),
            signed.get("signature")));
  }

  @Test
  void aFlippedBitInTheSignatureIsABadSignature() {
    Map<String, String> signed = new HashMap<>(unionPay.sign(notification()));
    char[] signature = signed.get("signature").toCharArray();
    signature[10] = signature[10] == 'A' ? 'B' : 'A';
    signed.put("signature", new String(signature));
    assertEquals(Reason.BAD_SIGNATURE, verifier(true).verify(signed).failure());
  }

  @Test
  void aCertificateFromAnotherRootIsAnUnknownKey() {
    Pki other = Pki.generate(CLOCK, UnionPayCertificates.STRICT_OWNER_SIGNING_CN, MER_ID);
    Map<String, String> signed =
        UnionPayRsaProfile.forUnionPay(
                other.unionPaySigning().keyPair().getPrivate(),
                other.unionPaySigning().certificate())
            .sign(notification());
    UnionPayVerification result = verifier(true).verify(signed);
    assertEquals(Reason.UNKNOWN_KEY, result.failure());
    assertEquals(Reason.UNKNOWN_KEY, result.toRejection().reason());
  }

  @Test
  void aCertificateFromAnotherIntermediateUnderTheSameRootIsAnUnknownKey() {
    Issued sibling =
        UnionPayCertificates.intermediate(
            pki.root(), "Another Intermediate", NOW.minus(Duration.ofDays(1)), Duration.ofDays(30));
    Issued signing =
        UnionPayCertificates.signing(
            sibling,
            UnionPayCertificates.STRICT_OWNER_SIGNING_CN,
            NOW.minus(Duration.ofDays(1)),
            Duration.ofDays(30));
    Map<String, String> signed =
        UnionPayRsaProfile.forUnionPay(signing.keyPair().getPrivate(), signing.certificate())
            .sign(notification());
    assertEquals(Reason.UNKNOWN_KEY, verifier(true).verify(signed).failure());
  }

  @Test
  void theIntermediateItselfCannotSignMessages() {
    Issued intermediate = pki.intermediate();
    Map<String, String> signed =
        UnionPayRsaProfile.forUnionPay(
                intermediate.keyPair().getPrivate(), intermediate.certificate())
            .sign(notification());
    assertEquals(Reason.UNKNOWN_KEY, verifier(false).verify(signed).failure());
  }

  @Test
  void aTestEnvironmentOwnerIsRefusedStrictlyAndAcceptedWhenRelaxed() {
    Issued testCert =
        UnionPayCertificates.signing(
            pki.intermediate(),
            UnionPayCertificates.SANDBOX_SIGNING_CN,
            NOW.minus(Duration.ofDays(1)),
            Duration.ofDays(30));
    assertEquals("00040000:SIGN", UnionPayCertificates.owner(testCert.certificate()));
    Map<String, String> signed =
        UnionPayRsaProfile.forUnionPay(testCert.keyPair().getPrivate(), testCert.certificate())
            .sign(notification());
    assertEquals(Reason.UNKNOWN_KEY, verifier(true).verify(signed).failure());
    assertTrue(verifier(false).verify(signed).isOk());
  }

  @Test
  void anotherCompanysCertificateUnderTheTrustedChainIsRefusedEvenWhenRelaxed() {
    Issued stranger =
        UnionPayCertificates.signing(
            pki.intermediate(),
            "041@Z12@某某支付有限公司@00000001",
            NOW.minus(Duration.ofDays(1)),
            Duration.ofDays(30));
    Map<String, String> signed =
        UnionPayRsaProfile.forUnionPay(stranger.keyPair().getPrivate(), stranger.certificate())
            .sign(notification());
    assertEquals(Reason.UNKNOWN_KEY, verifier(true).verify(signed).failure());
    assertEquals(Reason.UNKNOWN_KEY, verifier(false).verify(signed).failure());
  }

  @Test
  void anExpiredOrNotYetValidCertificateIsAnUnknownKey() {
    Map<String, String> signed = unionPay.sign(notification());
    X509Window window = new X509Window(pki.unionPaySigning());
    for (Instant when : new Instant[] {window.notAfter.plusSeconds(1), window.notBefore.minusSeconds(1)}) {
      UnionPayVerifier later =
          new UnionPayVerifier(
              pki.root().certificate(),
              pki.intermediate().certificate(),
              Clock.fixed(when, ZoneOffset.UTC),
              true);
      assertEquals(Reason.UNKNOWN_KEY, later.verify(signed).failure(), when.toString());
    }
  }

  /** A clock a test moves forward or back. */
  private static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant now) {
      this.now = now;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @Test
  void aRememberedCertificateIsStillRefusedOnceItExpiresOrBeforeItIsValid() {
    MovableClock clock = new MovableClock(NOW);
    UnionPayVerifier verifier =
        new UnionPayVerifier(pki.root().certificate(), pki.intermediate().certificate(), clock, true);
    Map<String, String> signed = unionPay.sign(notification());
    assertTrue(verifier.verify(signed).isOk());
    assertEquals(1, verifier.trustedCount());
    X509Window window = new X509Window(pki.unionPaySigning());

    clock.now = window.notAfter.plusSeconds(1);
    UnionPayVerification expired = verifier.verify(signed);
    clock.now = window.notBefore.minusSeconds(1);
    UnionPayVerification early = verifier.verify(signed);
    clock.now = NOW;
    UnionPayVerification again = verifier.verify(signed);

    assertEquals(Reason.UNKNOWN_KEY, expired.failure());
    assertEquals(Reason.UNKNOWN_KEY, early.failure());
    assertTrue(again.isOk());
  }

  @Test
  void aRememberedCertificateIsRefusedOnceTheIntermediateHasExpired() {
    MovableClock clock = new MovableClock(NOW);
    Issued shortIntermediate = UnionPayCertificates.intermediate(
        pki.root(), "Short Intermediate", NOW.minus(Duration.ofDays(1)), Duration.ofDays(2));
    Issued signing = UnionPayCertificates.signing(shortIntermediate,
        UnionPayCertificates.STRICT_OWNER_SIGNING_CN, NOW.minus(Duration.ofDays(1)), Duration.ofDays(30));
    UnionPayVerifier verifier =
        new UnionPayVerifier(pki.root().certificate(), shortIntermediate.certificate(), clock, true);
    Map<String, String> signed = UnionPayRsaProfile.forUnionPay(signing.keyPair().getPrivate(),
        signing.certificate()).sign(notification());
    assertTrue(verifier.verify(signed).isOk());

    clock.now = NOW.plus(Duration.ofDays(2));

    assertEquals(Reason.UNKNOWN_KEY, verifier.verify(signed).failure());
  }

  @Test
  void afterTheTrustedCertificateIsRememberedAnotherRootsOrAnAlteredCertificateIsStillRefused() throws Exception {
    UnionPayVerifier verifier = verifier(true);
    assertTrue(verifier.verify(unionPay.sign(notification())).isOk());
    Pki other = Pki.generate(CLOCK, UnionPayCertificates.STRICT_OWNER_SIGNING_CN, MER_ID);
    Map<String, String> forged = UnionPayRsaProfile.forUnionPay(
        other.unionPaySigning().keyPair().getPrivate(), other.unionPaySigning().certificate())
        .sign(notification());
    byte[] der = pki.unionPaySigning().certificate().getEncoded().clone();
    der[der.length - 1] ^= 1;
    Map<String, String> altered = new HashMap<>(unionPay.sign(notification()));
    altered.put("signPubKeyCert", "-----BEGIN CERTIFICATE-----\n"
        + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END CERTIFICATE-----\n");

    assertEquals(Reason.UNKNOWN_KEY, verifier.verify(forged).failure());
    assertEquals(Reason.UNKNOWN_KEY, verifier.verify(altered).failure());
    assertEquals(1, verifier.trustedCount(), "refused certificates are never remembered");
  }

  @Test
  void aRememberedCertificateDoesNotVouchForASignatureMadeWithAnotherKey() {
    UnionPayVerifier verifier = verifier(true);
    assertTrue(verifier.verify(unionPay.sign(notification())).isOk());
    Pki other = Pki.generate(CLOCK, UnionPayCertificates.STRICT_OWNER_SIGNING_CN, MER_ID);
    Map<String, String> signedByAnother = new HashMap<>(UnionPayRsaProfile.forUnionPay(
        other.unionPaySigning().keyPair().getPrivate(), pki.unionPaySigning().certificate())
        .sign(notification()));

    assertEquals(Reason.BAD_SIGNATURE, verifier.verify(signedByAnother).failure());
  }

  @Test
  void theRememberedCertificatesAreBounded() {
    UnionPayVerifier verifier = verifier(true);
    for (int i = 0; i < UnionPayVerifier.TRUSTED_CERTIFICATES_MAX + 2; i++) {
      Issued signing = UnionPayCertificates.signing(pki.intermediate(),
          UnionPayCertificates.STRICT_OWNER_SIGNING_CN, NOW.minus(Duration.ofDays(1)), Duration.ofDays(30));
      assertTrue(verifier.verify(UnionPayRsaProfile.forUnionPay(signing.keyPair().getPrivate(),
          signing.certificate()).sign(notification())).isOk());
    }

    assertEquals(UnionPayVerifier.TRUSTED_CERTIFICATES_MAX, verifier.trustedCount());
    assertTrue(verifier.verify(unionPay.sign(notification())).isOk(), "an evicted certificate is checked in full again");
  }

  private record X509Window(Instant notBefore, Instant notAfter) {
    X509Window(Issued issued) {
      this(
          issued.certificate().getNotBefore().toInstant(),
          issued.certificate().getNotAfter().toInstant());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"signature", "signPubKeyCert", "signMethod", "version"})
  void aMissingRequiredFieldIsMalformed(String key) {
    Map<String, String> signed = new HashMap<>(unionPay.sign(notification()));
    signed.remove(key);
    assertEquals(Reason.MALFORMED, verifier(true).verify(signed).failure());
  }

  @Test
  void anUnparsableCertificateOrUnknownEncodingIsMalformed() {
    Map<String, String> signed = new HashMap<>(unionPay.sign(notification()));
    signed.put("signPubKeyCert", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----");
    assertEquals(Reason.MALFORMED, verifier(true).verify(signed).failure());
    Map<String, String> badEncoding = new HashMap<>(unionPay.sign(notification()));
    badEncoding.put("encoding", "EBCDIC");
    assertEquals(Reason.MALFORMED, verifier(true).verify(badEncoding).failure());
  }

  @Test
  void aVerifyOnlyProfileRefusesToSign() {
    assertThrows(IllegalStateException.class, () -> UnionPayRsaProfile.verifying().sign(notification()));
  }

  @Test
  void theChannelSideAcceptsOnlyRegisteredMerchantsForTheirOwnMerId() {
    Issued merchant = pki.merchant();
    UnionPayRsaProfile signer =
        UnionPayRsaProfile.forMerchant(merchant.keyPair().getPrivate(), merchant.certificate());
    Map<String, String> request = notification();
    request.put("merId", MER_ID);
    Map<String, String> signed = signer.sign(request);
    assertFalse(signed.containsKey("signPubKeyCert"));

    UnionPayRequestVerifier channel = new UnionPayRequestVerifier();
    assertEquals(Reason.UNKNOWN_KEY, channel.verify(signed).failure());
    channel.register(MER_ID, Pem.readCertificate(merchant.certificatePem()));
    assertTrue(channel.verify(signed).isOk());

    Map<String, String> otherMerchant = new HashMap<>(signer.sign(withMerId(request, "777290058110049")));
    assertEquals(Reason.UNKNOWN_KEY, channel.verify(otherMerchant).failure());
    Map<String, String> tampered = new HashMap<>(signed);
    tampered.put("txnAmt", "12346");
    assertEquals(Reason.BAD_SIGNATURE, channel.verify(tampered).failure());
    tampered.remove("certId");
    assertEquals(Reason.MALFORMED, channel.verify(tampered).failure());
  }

  private static Map<String, String> withMerId(Map<String, String> fields, String merId) {
    Map<String, String> copy = new TreeMap<>(fields);
    copy.put("merId", merId);
    return copy;
  }
}
