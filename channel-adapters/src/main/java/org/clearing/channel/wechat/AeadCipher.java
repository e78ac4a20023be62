package org.clearing.channel.wechat;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.clearing.crypto.Crypto;

/**
 * The AEAD ciphers of WeChat notification resources (WeChat Pay's documentation): the
 * APIv3 key's 32 ASCII characters are the AES-256 key, or the first 16 bytes of their SM3 digest
 * are the SM4 key; the IV is the 12-character {@code nonce} as UTF-8 bytes (not base64); the AAD
 * is {@code associated_data}; the text is base64 of the encrypted bytes followed by the 16-byte tag.
 */
public final class AeadCipher {

  /** WeChat's resource nonce: 12 characters used as 12 bytes. */
  public static final int NONCE_LENGTH = 12;

  private static final int TAG_BITS = 128;

  private final String algorithm;
  private final String transformation;
  private final SecretKeySpec key;
  /**
   * Each thread's decrypting engine, made once (a provider lookup and a new engine per
   * notification cost more than decrypting its resource). Only for decryption: an engine may
   * refuse to encrypt twice under one nonce, and encryption always takes a fresh one.
   */
  private final ThreadLocal<Cipher> decrypting = new ThreadLocal<>();

  private AeadCipher(String algorithm, String transformation, SecretKeySpec key) {
    this.algorithm = algorithm;
    this.transformation = transformation;
    this.key = key;
  }

  /** {@code AEAD_AES_256_GCM} keyed with the APIv3 key. */
  public static AeadCipher aes256Gcm(String apiV3Key) {
    return new AeadCipher(
        "AEAD_AES_256_GCM", "AES/GCM/NoPadding", new SecretKeySpec(keyBytes(apiV3Key), "AES"));
  }

  /** {@code AEAD_SM4_GCM} keyed with the first 128 bits of SM3(APIv3 key). */
  public static AeadCipher sm4Gcm(String apiV3Key) {
    byte[] digest = Crypto.sm3(keyBytes(apiV3Key));
    return new AeadCipher(
        "AEAD_SM4_GCM", "SM4/GCM/NoPadding", new SecretKeySpec(Arrays.copyOf(digest, 16), "SM4"));
  }

  /** The cipher named by a resource's {@code algorithm} field, if it is one WeChat uses. */
  public static Optional<AeadCipher> forAlgorithm(String algorithm, String apiV3Key) {
    return switch (algorithm) {
      case "AEAD_AES_256_GCM" -> Optional.of(aes256Gcm(apiV3Key));
      case "AEAD_SM4_GCM" -> Optional.of(sm4Gcm(apiV3Key));
      default -> Optional.empty();
    };
  }

  /** The value of {@code resource.algorithm} for this cipher. */
  public String algorithm() {
    return algorithm;
  }

  /** Encrypts and returns base64(ciphertext ‖ tag). */
  public String encrypt(String associatedData, String nonce, byte[] plaintext) {
    try {
      Cipher cipher = init(Cipher.ENCRYPT_MODE, associatedData, checkNonce(nonce));
      return Base64.getEncoder().encodeToString(cipher.doFinal(plaintext));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(transformation + " unavailable", e);
    }
  }

  /**
   * Decrypts base64(ciphertext ‖ tag). Empty when the text is not base64, is shorter than a tag, or
   * the tag does not verify (altered ciphertext, nonce or AAD, or another key): all outside input.
   *
   * @throws IllegalArgumentException if the nonce is not 12 bytes (callers check it first)
   */
  public Optional<byte[]> decrypt(String associatedData, String nonce, String ciphertextBase64) {
    byte[] sealed;
    try {
      sealed = Base64.getDecoder().decode(ciphertextBase64);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (sealed.length < TAG_BITS / 8) {
      return Optional.empty();
    }
    byte[] iv = checkNonce(nonce);
    try {
      Cipher cipher = decrypting.get();
      if (cipher == null) {
        cipher = Cipher.getInstance(transformation, Crypto.provider());
        decrypting.set(cipher);
      }
      // init resets whatever an earlier call left, a failed one included.
      return Optional.of(init(cipher, Cipher.DECRYPT_MODE, associatedData, iv).doFinal(sealed));
    } catch (javax.crypto.AEADBadTagException e) {
      return Optional.empty();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(transformation + " unavailable", e);
    }
  }

  /** Whether a nonce has the 12 bytes every WeChat resource nonce has. */
  public static boolean isValidNonce(String nonce) {
    return nonce != null && nonce.getBytes(StandardCharsets.UTF_8).length == NONCE_LENGTH;
  }

  private Cipher init(int mode, String associatedData, byte[] iv) throws GeneralSecurityException {
    return init(Cipher.getInstance(transformation, Crypto.provider()), mode, associatedData, iv);
  }

  private Cipher init(Cipher cipher, int mode, String associatedData, byte[] iv) throws GeneralSecurityException {
    cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, iv));
    if (associatedData != null && !associatedData.isEmpty()) {
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
    }
    return cipher;
  }

  private static byte[] checkNonce(String nonce) {
    if (!isValidNonce(nonce)) {
      throw new IllegalArgumentException("a resource nonce is 12 bytes");
    }
    return nonce.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] keyBytes(String apiV3Key) {
    byte[] bytes = apiV3Key == null ? new byte[0] : apiV3Key.getBytes(StandardCharsets.US_ASCII);
    if (bytes.length != 32) {
      throw new IllegalArgumentException("the APIv3 key is 32 ASCII characters");
    }
    return bytes;
  }
}
