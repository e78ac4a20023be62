package org.clearing.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;

/** SM2 and RSA signatures round-trip through PEM, and a one-byte change breaks them. */
class SignatureSchemeTest {

  private static final byte[] MESSAGE =
      SignatureBase.request("POST", "/api/v1/orders", "1700000000", "n1", "{}".getBytes());

  @Test
  void signatureBaseEndsEveryLineInNewline() {
    assertEquals(
        "POST\n/api/v1/orders\n1700000000\nn1\n{}\n", new String(MESSAGE, StandardCharsets.UTF_8));
    assertArrayEquals(
        "1\nn\n\n".getBytes(StandardCharsets.UTF_8), SignatureBase.notification("1", "n", null));
  }

  @Test
  void sm2SignatureVerifiesAfterPemRoundTrip() {
    KeyPair pair = Crypto.generateSm2();
    String signature =
        SignatureScheme.SM2_SM3.sign(Pem.readPrivateKey(Pem.write(pair.getPrivate())), MESSAGE);
    assertTrue(
        SignatureScheme.SM2_SM3.verify(
            Pem.readPublicKey(Pem.write(pair.getPublic())), MESSAGE, signature));
    assertTrue(SignatureScheme.SM2_SM3.accepts(pair.getPublic()));
  }

  @Test
  void tamperedMessageOrGarbageSignatureIsNotValid() {
    KeyPair pair = Crypto.generateSm2();
    String signature = SignatureScheme.SM2_SM3.sign(pair.getPrivate(), MESSAGE);
    byte[] tampered = MESSAGE.clone();
    tampered[0] ^= 1;
    assertFalse(SignatureScheme.SM2_SM3.verify(pair.getPublic(), tampered, signature));
    assertFalse(SignatureScheme.SM2_SM3.verify(pair.getPublic(), MESSAGE, "not base64!"));
    assertFalse(SignatureScheme.SM2_SM3.verify(pair.getPublic(), MESSAGE, "AAAA"));
  }

  @Test
  void rsaSignatureVerifiesAndRejectsSm2Key() {
    KeyPair rsa = Crypto.generateRsa(2048);
    String signature = SignatureScheme.SHA256_RSA.sign(rsa.getPrivate(), MESSAGE);
    assertTrue(SignatureScheme.SHA256_RSA.verify(rsa.getPublic(), MESSAGE, signature));
    assertFalse(SignatureScheme.SHA256_RSA.accepts(Crypto.generateSm2().getPublic()));
    assertFalse(SignatureScheme.SHA256_RSA.accepts(Crypto.generateRsa(1024).getPublic()));
  }

  @Test
  void aThreadsEngineReusedAcrossKeysAndAfterFailuresStillAnswersEachCheckAlone() {
    // One engine per thread and scheme serves every check: nothing of one check (its key, a
    // forged signature, a garbage one) may leak into the next.
    KeyPair alice = Crypto.generateSm2();
    KeyPair mallory = Crypto.generateSm2();
    String byAlice = SignatureScheme.SM2_SM3.sign(alice.getPrivate(), MESSAGE);
    KeyPair rsa = Crypto.generateRsa(2048);
    String byRsa = SignatureScheme.SHA256_RSA.sign(rsa.getPrivate(), MESSAGE);
    for (int round = 0; round < 3; round++) {
      assertFalse(SignatureScheme.SM2_SM3.verify(mallory.getPublic(), MESSAGE, byAlice));
      assertTrue(SignatureScheme.SM2_SM3.verify(alice.getPublic(), MESSAGE, byAlice));
      assertFalse(SignatureScheme.SM2_SM3.verify(alice.getPublic(), MESSAGE, "AAAA"));
      assertTrue(SignatureScheme.SM2_SM3.verify(alice.getPublic(), MESSAGE, byAlice));
      assertFalse(SignatureScheme.SHA256_RSA.verify(alice.getPublic(), MESSAGE, byRsa));
      assertTrue(SignatureScheme.SHA256_RSA.verify(rsa.getPublic(), MESSAGE, byRsa));
    }
  }

  @Test
  void checksOnManyThreadsAtOnceEachGetTheirOwnAnswer() throws Exception {
    KeyPair rsa = Crypto.generateRsa(2048);
    String good = SignatureScheme.SHA256_RSA.sign(rsa.getPrivate(), MESSAGE);
    byte[] tampered = MESSAGE.clone();
    tampered[3] ^= 1;
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      java.util.List<java.util.concurrent.Future<Boolean>> answers = new java.util.ArrayList<>();
      for (int i = 0; i < 400; i++) {
        byte[] message = i % 2 == 0 ? MESSAGE : tampered;
        answers.add(pool.submit(() -> SignatureScheme.SHA256_RSA.verify(rsa.getPublic(), message, good)));
      }
      for (int i = 0; i < answers.size(); i++) {
        assertEquals(i % 2 == 0, answers.get(i).get(), "check " + i);
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aVerifierFedPieceByPieceAgreesWithTheOneShotVerification() {
    byte[] body = "a bill streamed in pieces ".repeat(1_000).getBytes(StandardCharsets.UTF_8);
    byte[] whole = SignatureBase.request("POST", "/bill", "1700000000", "nonce-0001", body);
    for (KeyPair pair : new KeyPair[] {Crypto.generateSm2(), Crypto.generateRsa(2048)}) {
      SignatureScheme scheme = pair.getPublic().getAlgorithm().equals("RSA")
          ? SignatureScheme.SHA256_RSA : SignatureScheme.SM2_SM3;
      String signature = scheme.sign(pair.getPrivate(), whole);
      assertTrue(streamed(scheme, pair, body, signature, false), scheme.name());
      assertFalse(streamed(scheme, pair, body, signature, true), scheme.name() + " with one byte changed");
      SignatureScheme.Verifier garbage = scheme.verifier(pair.getPublic());
      garbage.update(whole);
      assertFalse(garbage.verify("not base64!"));
    }
  }

  private static boolean streamed(SignatureScheme scheme, KeyPair pair, byte[] body, String signature,
      boolean tamper) {
    SignatureScheme.Verifier verifier = scheme.verifier(pair.getPublic());
    verifier.update(SignatureBase.requestHead("POST", "/bill", "1700000000", "nonce-0001"));
    byte[] copy = body.clone();
    if (tamper) {
      copy[copy.length / 2] ^= 1;
    }
    for (int offset = 0; offset < copy.length; offset += 4_096) {
      verifier.update(copy, offset, Math.min(4_096, copy.length - offset));
    }
    verifier.update(new byte[] {SignatureBase.END});
    return verifier.verify(signature);
  }

  @Test
  void sm3MatchesTheStandardVector() {
    // GB/T 32905-2016 Appendix A.1: SM3("abc").
    assertEquals(
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
        Crypto.hex(Crypto.sm3("abc".getBytes(StandardCharsets.US_ASCII))));
  }

  private static String resource(String name) throws Exception {
    try (var in = SignatureSchemeTest.class.getResourceAsStream("/openssl/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  @Test
  void anSm2KeyWrittenByOpensslIsAcceptedAndSignsAndVerifies() throws Exception {
    java.security.PublicKey key = Pem.readPublicKey(resource("sm2-public.pem"));
    assertEquals(java.util.Optional.empty(), SignatureScheme.SM2_SM3.refusal(key));
    String signature = SignatureScheme.SM2_SM3.sign(Pem.readPrivateKey(resource("sm2-private.pem")), MESSAGE);
    assertTrue(SignatureScheme.SM2_SM3.verify(key, MESSAGE, signature));
  }

  @Test
  void anEcKeyOnAnotherCurveIsRefusedNamingTheCurve() throws Exception {
    java.security.PublicKey p256 = Pem.readPublicKey(resource("p256-public.pem"));
    assertFalse(SignatureScheme.SM2_SM3.accepts(p256));
    String reason = SignatureScheme.SM2_SM3.refusal(p256).orElseThrow();
    assertTrue(reason.contains("1.2.840.10045.3.1.7") && reason.contains("sm2p256v1"), reason);
    assertFalse(SignatureScheme.SHA256_RSA.accepts(Pem.readPublicKey(resource("sm2-public.pem"))));
  }
}
