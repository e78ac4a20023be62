package org.clearing.payer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.SecretFiles;

/**
 * Encrypts payers' ID numbers at rest with SM4-GCM (GB/T 32907), as a level-3 system's
 * cryptographic evaluation expects of personal data. The stored form is
 * {@code version(1) ‖ nonce(12) ‖ ciphertext ‖ tag(16)}; the version byte lets the key rotate.
 */
public final class PayerIdCipher {

  private static final byte VERSION = 1;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final byte[] AAD = "payer_id_no".getBytes(StandardCharsets.US_ASCII);

  private final SecretKeySpec key;

  public PayerIdCipher(byte[] key16) {
    if (key16.length != 16) {
      throw new IllegalArgumentException("an SM4 key has 16 bytes, not " + key16.length);
    }
    this.key = new SecretKeySpec(key16.clone(), "SM4");
  }

  /**
   * Reads the key (32 hex digits) from {@code file}, creating it with a fresh random key and
   * owner-only permissions on first use. Refuses a key file other users can read.
   */
  public static PayerIdCipher fromKeyFile(Path file) {
    try {
      byte[] fresh = new byte[16];
      Crypto.random().nextBytes(fresh);
      SecretFiles.createIfAbsent(file, HexFormat.of().formatHex(fresh) + "\n");
      return new PayerIdCipher(HexFormat.of().parseHex(SecretFiles.readString(file).trim()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the payer-ID key " + file, e);
    }
  }

  public byte[] encrypt(String idNo) {
    byte[] nonce = new byte[NONCE_BYTES];
    Crypto.random().nextBytes(nonce);
    byte[] sealed = run(Cipher.ENCRYPT_MODE, nonce, idNo.getBytes(StandardCharsets.UTF_8));
    byte[] out = new byte[1 + NONCE_BYTES + sealed.length];
    out[0] = VERSION;
    System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
    System.arraycopy(sealed, 0, out, 1 + NONCE_BYTES, sealed.length);
    return out;
  }

  public String decrypt(byte[] stored) {
    if (stored.length < 1 + NONCE_BYTES + TAG_BITS / 8 || stored[0] != VERSION) {
      throw new IllegalArgumentException("not an encrypted payer ID of version " + VERSION);
    }
    byte[] nonce = Arrays.copyOfRange(stored, 1, 1 + NONCE_BYTES);
    byte[] sealed = Arrays.copyOfRange(stored, 1 + NONCE_BYTES, stored.length);
    return new String(run(Cipher.DECRYPT_MODE, nonce, sealed), StandardCharsets.UTF_8);
  }

  private byte[] run(int mode, byte[] nonce, byte[] input) {
    try {
      Cipher cipher = Cipher.getInstance("SM4/GCM/NoPadding", Crypto.provider());
      cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(AAD);
      return cipher.doFinal(input);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SM4-GCM failed (wrong key or tampered data)", e);
    }
  }

  /** Shows the first three and last four characters: {@code 340***********1234}. */
  public static String mask(String idNo) {
    if (idNo.length() <= 7) {
      return "*".repeat(idNo.length());
    }
    return idNo.substring(0, 3) + "*".repeat(idNo.length() - 7) + idNo.substring(idNo.length() - 4);
  }
}
