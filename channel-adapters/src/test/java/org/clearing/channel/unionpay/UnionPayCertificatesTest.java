package org.clearing.channel.unionpay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.clearing.channel.unionpay.UnionPayCertificates.Pki;
import org.clearing.crypto.Pem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The sandbox PKI issues a proper CA chain and UnionPay-style certificates that survive PEM. */
class UnionPayCertificatesTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T04:00:00Z"), ZoneOffset.UTC);
  static Pki pki;

  @BeforeAll
  static void issue() {
    pki = Pki.generate(CLOCK, UnionPayCertificates.SANDBOX_SIGNING_CN, "777290058110048");
  }

  @Test
  void caCertificatesMayIssueAndSigningCertificatesMayOnlySign() {
    X509Certificate root = pki.root().certificate();
    X509Certificate intermediate = pki.intermediate().certificate();
    X509Certificate signing = pki.unionPaySigning().certificate();
    assertEquals(Integer.MAX_VALUE, root.getBasicConstraints());
    assertEquals(0, intermediate.getBasicConstraints());
    assertEquals(-1, signing.getBasicConstraints());
    // keyUsage bits: 0 digitalSignature, 1 nonRepudiation, 5 keyCertSign, 6 cRLSign
    assertTrue(intermediate.getKeyUsage()[5] && intermediate.getKeyUsage()[6]);
    assertTrue(signing.getKeyUsage()[0] && signing.getKeyUsage()[1] && !signing.getKeyUsage()[5]);
    assertEquals(intermediate.getSubjectX500Principal(), signing.getIssuerX500Principal());
    assertEquals(root.getSubjectX500Principal(), intermediate.getIssuerX500Principal());
    assertEquals("1.2.840.113549.1.1.11", signing.getSigAlgOID()); // sha256WithRSAEncryption
    assertEquals(2048, ((RSAPublicKey) signing.getPublicKey()).getModulus().bitLength());
    assertTrue(signing.getNotBefore().toInstant().isBefore(CLOCK.instant()));
    assertTrue(signing.getNotAfter().toInstant().isAfter(CLOCK.instant().plusSeconds(365 * 86400L)));
  }

  @Test
  void theSigningCnSurvivesPemAndSplitsAsAcpsdkSplitsIt() throws Exception {
    X509Certificate reread = Pem.readCertificate(pki.unionPaySigning().certificatePem());
    assertEquals(UnionPayCertificates.SANDBOX_SIGNING_CN, UnionPayCertificates.commonName(reread));
    assertEquals("00040000:SIGN", UnionPayCertificates.owner(reread));
    assertArrayEquals(
        pki.unionPaySigning().certificate().getEncoded(), reread.getEncoded());
  }

  @Test
  void certIdIsTheDecimalSerialAndDiffersPerCertificate() {
    String certId = pki.merchant().certId();
    assertTrue(certId.matches("[1-9][0-9]*"));
    assertEquals(pki.merchant().certificate().getSerialNumber(), new java.math.BigInteger(certId));
    assertNotEquals(certId, pki.unionPaySigning().certId());
    assertEquals(
        pki.merchant().keyPair().getPrivate(),
        Pem.readPrivateKey(pki.merchant().privateKeyPem()));
  }
}
