package org.clearing.crypto;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that seals the secrets the engine keeps in its database (its signing and payer-ID keys,
 * later channel secrets): a 128-bit SM4 key given as a file or an environment variable, never
 * stored in the database, so a copy of the database alone reveals no secret.
 *
 * <p>Sealing is SM4-GCM (GB/T 32907, GCM as in NIST SP 800-38D) with a fresh random 96-bit nonce.
 * The sealed form is {@code version(1) ‖ key id(4) ‖ nonce(12) ‖ ciphertext ‖ tag(16)}; the
 * associated data binds the value to its purpose and its row, so a sealed value copied into another
 * row, or used for another purpose, does not open. The key id (the first bytes of an SM3 check
 * value of the key, not the key) lets a wrong master key be named as such instead of looking like
 * tampering. Blocking only when read from a file; sealing is cheap (microseconds).
 */
public final class MasterKey {

  /** The environment variable that may hold the key: 32 hexadecimal digits, or 16 bytes in base64. */
  public static final String ENVIRONMENT_VARIABLE = "CLEARING_MASTER_KEY";
  static final byte VERSION = 1;
  static final int KEY_BYTES = 16;
  static final int KEY_ID_BYTES = 4;
  static final int NONCE_BYTES = 12;
  static final int TAG_BITS = 128;
  private static final int HEADER_BYTES = 1 + KEY_ID_BYTES + NONCE_BYTES;

  private final SecretKeySpec key;
  private final byte[] keyId;

  private MasterKey(byte[] key16) {
    if (key16.length != KEY_BYTES) {
      throw new IllegalArgumentException("a master key has 16 bytes (128-bit SM4), not " + key16.length);
    }
    this.key = new SecretKeySpec(key16.clone(), "SM4");
    byte[] check = Crypto.sm3(concat("clearing-master-key-id".getBytes(StandardCharsets.US_ASCII), key16));
    this.keyId = Arrays.copyOf(check, KEY_ID_BYTES);
  }

  /** A fresh random key (demo mode, tests). */
  public static MasterKey generate() {
    byte[] fresh = new byte[KEY_BYTES];
    Crypto.random().nextBytes(fresh);
    return new MasterKey(fresh);
  }

  /**
   * A key written as text: 32 hexadecimal digits or the standard base64 of 16 bytes, surrounding
   * white space ignored. {@code source} names where it came from in the error.
   */
  public static MasterKey fromText(String text, String source) {
    String trimmed = text == null ? "" : text.strip();
    if (trimmed.matches("[0-9A-Fa-f]{32}")) {
      return new MasterKey(HexFormat.of().parseHex(trimmed));
    }
    if (trimmed.matches("[A-Za-z0-9+/]{22}==")) {
      return new MasterKey(Base64.getDecoder().decode(trimmed));
    }
    throw new IllegalArgumentException(source
        + ": a master key is 32 hexadecimal digits or 16 bytes in base64 (24 characters ending in ==)");
  }

  /**
   * Reads the key from {@code file}, which only its owner may read or write (0600): a master key
   * readable by others is refused. Blocking (file I/O).
   */
  public static MasterKey fromFile(Path file) {
    try {
      return fromText(SecretFiles.readString(file), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the master key " + file, e);
    }
  }

  /**
   * Demo mode: reads the key from {@code file}, creating it owner-only with a fresh random key on
   * first use. Blocking (file I/O).
   */
  public static MasterKey loadOrCreate(Path file) {
    try {
      SecretFiles.createIfAbsent(file, HexFormat.of().formatHex(generate().key.getEncoded()) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the master key " + file, e);
    }
    return fromFile(file);
  }

  /** The key's id, {@code mk-} and 8 hexadecimal digits of its check value; safe to log. */
  public String id() {
    return "mk-" + HexFormat.of().formatHex(keyId);
  }

  /** The key as 32 hexadecimal digits, to write it to a file once (demo mode, tests). */
  public String toHex() {
    return HexFormat.of().formatHex(key.getEncoded());
  }

  /**
   * Seals {@code plaintext} for the row {@code rowId} of {@code purpose} (e.g. {@code
   * engine_key.secret} and the key's id); only {@link #open} with the same two opens it.
   */
  public byte[] seal(String purpose, String rowId, byte[] plaintext) {
    byte[] nonce = new byte[NONCE_BYTES];
    Crypto.random().nextBytes(nonce);
    byte[] header = new byte[HEADER_BYTES];
    header[0] = VERSION;
    System.arraycopy(keyId, 0, header, 1, KEY_ID_BYTES);
    System.arraycopy(nonce, 0, header, 1 + KEY_ID_BYTES, NONCE_BYTES);
    return concat(header, run(Cipher.ENCRYPT_MODE, nonce, aad(purpose, rowId), plaintext));
  }

  /**
   * Opens what {@link #seal} sealed for the same purpose and row. Throws {@link Refused} when the
   * value was sealed under another master key, for another row or purpose, or was changed.
   */
  public byte[] open(String purpose, String rowId, byte[] sealed) {
    if (sealed == null || sealed.length < HEADER_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
      throw new Refused("not a sealed value of version " + VERSION);
    }
    byte[] sealedKeyId = Arrays.copyOfRange(sealed, 1, 1 + KEY_ID_BYTES);
    if (!Arrays.equals(sealedKeyId, keyId)) {
      throw new Refused("sealed under master key mk-" + HexFormat.of().formatHex(sealedKeyId)
          + ", not under this engine's " + id());
    }
    byte[] nonce = Arrays.copyOfRange(sealed, 1 + KEY_ID_BYTES, HEADER_BYTES);
    try {
      return runChecked(Cipher.DECRYPT_MODE, nonce, aad(purpose, rowId),
          Arrays.copyOfRange(sealed, HEADER_BYTES, sealed.length));
    } catch (GeneralSecurityException e) {
      throw new Refused("the sealed value of " + purpose + " " + rowId
          + " does not open: changed, or sealed for another row or purpose");
    }
  }

  /**
   * The associated data: the version, the key id, then the purpose and the row id, each with its
   * length first, so that ("a", "bc") and ("ab", "c") differ.
   */
  private byte[] aad(String purpose, String rowId) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(VERSION);
    out.writeBytes(keyId);
    for (String part : new String[] {purpose, rowId}) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      out.write(bytes.length >>> 8);
      out.write(bytes.length);
      out.writeBytes(bytes);
    }
    return out.toByteArray();
  }

  private byte[] run(int mode, byte[] nonce, byte[] aad, byte[] input) {
    try {
      return runChecked(mode, nonce, aad, input);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SM4-GCM is not available", e);
    }
  }

  private byte[] runChecked(int mode, byte[] nonce, byte[] aad, byte[] input) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("SM4/GCM/NoPadding", Crypto.provider());
    cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
    cipher.updateAAD(aad);
    return cipher.doFinal(input);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** A sealed value that does not open under this key for this purpose and row. */
  public static final class Refused extends IllegalStateException {
    Refused(String message) {
      super(message);
    }
  }

  @Override
  public String toString() {
    return "MasterKey[" + id() + "]";
  }
}
