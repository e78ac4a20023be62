package org.clearing.channel.wechat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.clearing.crypto.Crypto;
import org.junit.jupiter.api.Test;

/** The resource ciphers reproduce the published test vector and refuse any altered input. */
class AeadCipherTest {

  static final String KEY = "0123456789abcdef0123456789abcdef";
  static final String NONCE = "abcdef123456";
  static final String AAD = "transaction";
  static final String PLAINTEXT =
      "{\"out_trade_no\":\"BDC20250101A\",\"transaction_id\":\"4200000000202501010000000001\","
          + "\"trade_state\":\"SUCCESS\",\"amount\":{\"total\":12345,\"payer_total\":12345,"
          + "\"currency\":\"CNY\"}}";
  static final String CIPHERTEXT =
      "i1is0ebmSkGKa2LQdcBD+t+IDwkC/OOvR3QoBaIqf5k0KsUsV6KIPSSip3Ri/Hq2VKzMRWeTVKwqqz6XKrFxQ9nYRRW2"
          + "uulVj+BdJI/GOUsdMVcfiQe78QWPzN25PeiiTJVwZTrU2cJPStiqMB/Q79e73SlfuLdukMhKnToSY2VweeUy20Eu"
          + "ypoiZgmKHyM7KoQINBfM4ZsR5gFzbQNHbAI564G/6t4ioX0AdAB3p3DQT4IIdA==";

  private final AeadCipher aes = AeadCipher.aes256Gcm(KEY);

  @Test
  void theVectorCiphertextDecryptsToTheVectorPlaintext() {
    byte[] plain = aes.decrypt(AAD, NONCE, CIPHERTEXT).orElseThrow();
    assertEquals(PLAINTEXT, new String(plain, StandardCharsets.UTF_8));
  }

  @Test
  void encryptingTheVectorPlaintextReproducesTheVectorCiphertext() {
    assertEquals(CIPHERTEXT, aes.encrypt(AAD, NONCE, PLAINTEXT.getBytes(StandardCharsets.UTF_8)));
    assertEquals("AEAD_AES_256_GCM", aes.algorithm());
  }

  @Test
  void aFlippedCiphertextByteDoesNotDecrypt() {
    byte[] sealed = Base64.getDecoder().decode(CIPHERTEXT);
    for (int index : new int[] {0, sealed.length / 2, sealed.length - 1}) {
      byte[] tampered = sealed.clone();
      tampered[index] ^= 0x01;
      assertTrue(aes.decrypt(AAD, NONCE, Base64.getEncoder().encodeToString(tampered)).isEmpty());
    }
  }

  @Test
  void aThreadsDecryptingEngineServesTheNextResourceAfterAFailedTag() {
    // The engine is kept per thread: a resource that failed its tag must not spoil the next one.
    byte[] tampered = Base64.getDecoder().decode(CIPHERTEXT);
    tampered[1] ^= 0x01;
    for (int round = 0; round < 3; round++) {
      assertTrue(aes.decrypt(AAD, NONCE, Base64.getEncoder().encodeToString(tampered)).isEmpty());
      assertEquals(PLAINTEXT, new String(aes.decrypt(AAD, NONCE, CIPHERTEXT).orElseThrow(), StandardCharsets.UTF_8));
      assertTrue(aes.decrypt("refund", NONCE, CIPHERTEXT).isEmpty());
    }
    // Encrypting the same nonce twice still works: encryption never shares the kept engine.
    assertEquals(CIPHERTEXT, aes.encrypt(AAD, NONCE, PLAINTEXT.getBytes(StandardCharsets.UTF_8)));
    assertEquals(CIPHERTEXT, aes.encrypt(AAD, NONCE, PLAINTEXT.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void anotherAssociatedDataNonceOrKeyDoesNotDecrypt() {
    assertTrue(aes.decrypt("refund", NONCE, CIPHERTEXT).isEmpty());
    assertTrue(aes.decrypt("", NONCE, CIPHERTEXT).isEmpty());
    assertTrue(aes.decrypt(AAD, "abcdef123457", CIPHERTEXT).isEmpty());
    assertTrue(
        AeadCipher.aes256Gcm("0123456789abcdef0123456789abcdeF")
            .decrypt(AAD, NONCE, CIPHERTEXT)
            .isEmpty());
  }

  @Test
  void garbageOrTooShortCiphertextIsNotDecryptedAndDoesNotThrow() {
    assertTrue(aes.decrypt(AAD, NONCE, "not base64 at all!").isEmpty());
    assertTrue(aes.decrypt(AAD, NONCE, "AAAA").isEmpty());
    assertTrue(aes.decrypt(AAD, NONCE, "").isEmpty());
  }

  @Test
  void aNonceOrKeyOfTheWrongLengthIsACallerBug() {
    assertThrows(IllegalArgumentException.class, () -> aes.decrypt(AAD, "abc", CIPHERTEXT));
    assertThrows(IllegalArgumentException.class, () -> aes.encrypt(AAD, "abcdef1234567", new byte[1]));
    assertThrows(IllegalArgumentException.class, () -> AeadCipher.aes256Gcm("short"));
    assertThrows(IllegalArgumentException.class, () -> AeadCipher.sm4Gcm(KEY + "x"));
    assertFalse(AeadCipher.isValidNonce("abcdef12345é"));
  }

  @Test
  void sm4RoundTripsAndIsKeyedWithTheFirst16BytesOfSm3OfTheApiV3Key() throws Exception {
    AeadCipher sm4 = AeadCipher.sm4Gcm(KEY);
    byte[] message = PLAINTEXT.getBytes(StandardCharsets.UTF_8);
    String sealed = sm4.encrypt(AAD, NONCE, message);
    assertEquals("AEAD_SM4_GCM", sm4.algorithm());
    assertArrayEquals(message, sm4.decrypt(AAD, NONCE, sealed).orElseThrow());
    assertNotEquals(CIPHERTEXT, sealed);

    byte[] sm4Key = Arrays.copyOf(Crypto.sm3(KEY.getBytes(StandardCharsets.US_ASCII)), 16);
    Cipher reference = Cipher.getInstance("SM4/GCM/NoPadding", Crypto.provider());
    reference.init(Cipher.DECRYPT_MODE, new SecretKeySpec(sm4Key, "SM4"),
        new GCMParameterSpec(128, NONCE.getBytes(StandardCharsets.UTF_8)));
    reference.updateAAD(AAD.getBytes(StandardCharsets.UTF_8));
    assertArrayEquals(message, reference.doFinal(Base64.getDecoder().decode(sealed)));
  }

  @Test
  void sm4CiphertextDoesNotDecryptWithAesOrWhenTampered() {
    AeadCipher sm4 = AeadCipher.sm4Gcm(KEY);
    String sealed = sm4.encrypt(AAD, NONCE, new byte[] {1, 2, 3});
    assertTrue(aes.decrypt(AAD, NONCE, sealed).isEmpty());
    byte[] raw = Base64.getDecoder().decode(sealed);
    raw[0] ^= 0x40;
    assertTrue(sm4.decrypt(AAD, NONCE, Base64.getEncoder().encodeToString(raw)).isEmpty());
  }

  @Test
  void forAlgorithmKnowsOnlyWechatsTwoAlgorithms() {
    assertEquals("AEAD_AES_256_GCM", AeadCipher.forAlgorithm("AEAD_AES_256_GCM", KEY).orElseThrow().algorithm());
    assertEquals("AEAD_SM4_GCM", AeadCipher.forAlgorithm("AEAD_SM4_GCM", KEY).orElseThrow().algorithm());
    assertTrue(AeadCipher.forAlgorithm("AES_128_CBC", KEY).isEmpty());
  }
}
