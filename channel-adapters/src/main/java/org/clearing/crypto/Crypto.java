package org.clearing.crypto;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/** The Bouncy Castle provider, key generation and SM3 hashing used across the project. */
public final class Crypto {

  private static final Provider PROVIDER = install();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Crypto() {}

  private static Provider install() {
    Provider existing = Security.getProvider(BouncyCastleProvider.PROVIDER_NAME);
    if (existing != null) {
      return existing;
    }
    Provider provider = new BouncyCastleProvider();
    Security.addProvider(provider);
    return provider;
  }

  public static Provider provider() {
    return PROVIDER;
  }

  public static SecureRandom random() {
    return RANDOM;
  }

  /** A fresh SM2 key pair on the sm2p256v1 curve. */
  public static KeyPair generateSm2() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", PROVIDER);
      generator.initialize(new ECGenParameterSpec("sm2p256v1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SM2 key generation unavailable", e);
    }
  }

  /** A fresh RSA key pair of the given size in bits. */
  public static KeyPair generateRsa(int bits) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(bits, RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA key generation unavailable", e);
    }
  }

  /** SM3 digest (GB/T 32905) of the bytes. */
  public static byte[] sm3(byte[] data) {
    SM3Digest digest = new SM3Digest();
    digest.update(data, 0, data.length);
    byte[] out = new byte[digest.getDigestSize()];
    digest.doFinal(out, 0);
    return out;
  }

  /** {@code count} random bytes as unpadded URL-safe base64. */
  public static String randomToken(int count) {
    byte[] bytes = new byte[count];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Lowercase hexadecimal text of the bytes. */
  public static String hex(byte[] bytes) {
    return java.util.HexFormat.of().formatHex(bytes);
  }
}
