package org.clearing.channel.alipay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.internal.util.AntCertificationUtil;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.sandbox.SandboxCertificates;
import org.junit.jupiter.api.Test;

// Proves app_cert_sn and alipay_root_cert_sn are computed exactly as the official Alipay SDK
// (AntCertificationUtil) computes them, including a root file that also holds an SM2 root, which
// the SDK leaves out of the root SN.
class AlipayCertificateSnTest {

  private static final Instant NOT_BEFORE = Instant.now().minus(Duration.ofDays(1));

  @Test
  void theAppCertificateSnIsTheSdksSn() throws Exception {
    KeyPair rootKeys = Crypto.generateRsa(2048);
    String rootName = "CN=Ant Financial Certification Authority Class 1 R1, OU=Certification Authority, O=Ant Financial, C=CN";
    X509Certificate app = SandboxCertificates.issue("CN=2021000000000001, OU=Alipay, O=某公司, C=CN",
        Crypto.generateRsa(2048).getPublic(), SandboxCertificates.randomSerial(), rootName,
        rootKeys.getPrivate(), NOT_BEFORE, Duration.ofDays(365), false);

    String sdk = AntCertificationUtil.getCertSN(AntCertificationUtil.getCertFromContent(Pem.write(app)));

    assertEquals(sdk, AlipayCertificateSn.certSn(app));
    assertEquals(32, sdk.length());
  }

  @Test
  void theRootSnJoinsTheRsaRootsAndLeavesTheSm2RootOutAsTheSdkDoes() throws Exception {
    X509Certificate first = SandboxCertificates.authority("CN=Ant Financial Certification Authority R1, C=CN",
        Crypto.generateRsa(2048), NOT_BEFORE, Duration.ofDays(3650));
    X509Certificate sm2 = sm2Root();
    X509Certificate second = SandboxCertificates.authority("CN=iTrusChina Class 2 Root CA - G3, C=CN",
        Crypto.generateRsa(2048), NOT_BEFORE, Duration.ofDays(3650));
    String bundle = Pem.write(first) + Pem.write(sm2) + Pem.write(second);

    String ours = AlipayCertificateSn.rootCertSn(List.of(first, sm2, second));

    assertEquals(AntCertificationUtil.getRootCertSN(bundle), ours);
    assertEquals(2, ours.split("_").length, ours);
    assertTrue(ours.startsWith(AlipayCertificateSn.certSn(first) + "_"), ours);
  }

  private static X509Certificate sm2Root() throws Exception {
    KeyPair keys = Crypto.generateSm2();
    X500Name name = new X500Name("CN=Ant Financial Certification Authority E1, C=CN");
    var holder = new JcaX509v3CertificateBuilder(name, SandboxCertificates.randomSerial(),
        java.util.Date.from(NOT_BEFORE), java.util.Date.from(NOT_BEFORE.plus(Duration.ofDays(3650))), name,
        keys.getPublic())
        .build(new JcaContentSignerBuilder("SM3withSM2").setProvider(Crypto.provider()).build(keys.getPrivate()));
    return new JcaX509CertificateConverter().setProvider(Crypto.provider()).getCertificate(holder);
  }
}
