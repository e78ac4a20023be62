package org.clearing.payer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.SecretFiles;

/**
 * Encrypts payers' ID numbers at rest with SM4-GCM (GB/T 32907), as a level-3 system's
 * cryptographic evaluation expects of personal data. The stored form is
 * {@code version(1)=2 ‖ key id(8) ‖ nonce(12) ‖ ciphertext ‖ tag(16)}: each ciphertext names the
 * key that made it, so after a rotation the new key encrypts and every older key still decrypts
 * what it encrypted, without re-encrypting anything. Values of version 1 (before key ids) are
 * decrypted by trying each key; GCM's tag tells the right one.
 *
 * <p>The keys can change while the engine runs ({@link #rekey}, when another engine rotated them);
 * each call works on one consistent set.
 */
public final class PayerIdCipher {

  private static final byte VERSION_WITHOUT_KEY_ID = 1;
  private static final byte VERSION = 2;
  private static final int KEY_ID_BYTES = 8;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final byte[] AAD = "payer_id_no".getBytes(StandardCharsets.US_ASCII);

  private record Key(String id, byte[] idBytes, SecretKeySpec spec) {}

  /** The key that encrypts, and every key that decrypts (the current one included), by id. */
  private record Ring(Key current, Map<String, Key> byId) {}

  private volatile Ring ring;

  public PayerIdCipher(byte[] key16) {
    this(List.of(key16));
  }

  /** @param keys16 the keys, 16 bytes each: the first encrypts, all decrypt */
  public PayerIdCipher(List<byte[]> keys16) {
    rekey(keys16);
  }

  /** Replaces the keys: the first of {@code keys16} encrypts from now on, all of them decrypt. */
  public void rekey(List<byte[]> keys16) {
    if (keys16.isEmpty()) {
      throw new IllegalArgumentException("the payer-ID cipher needs at least one key");
    }
    Map<String, Key> byId = new LinkedHashMap<>();
    for (byte[] key16 : keys16) {
      String id = keyId(key16);
      byId.put(id, new Key(id, HexFormat.of().parseHex(id.substring(4)), new SecretKeySpec(key16.clone(), "SM4")));
    }
    ring = new Ring(byId.get(keyId(keys16.get(0))), Map.copyOf(byId));
  }

  /**
   * A key's id, {@code sm4-} and 16 hexadecimal digits of an SM3 check value: it names the key in
   * ciphertexts and logs without revealing it.
   */
  public static String keyId(byte[] key16) {
    if (key16.length != 16) {
      throw new IllegalArgumentException("an SM4 key has 16 bytes, not " + key16.length);
    }
    byte[] prefix = "clearing-payer-key-id".getBytes(StandardCharsets.US_ASCII);
    byte[] input = Arrays.copyOf(prefix, prefix.length + 16);
    System.arraycopy(key16, 0, input, prefix.length, 16);
    return "sm4-" + HexFormat.of().formatHex(Crypto.sm3(input), 0, KEY_ID_BYTES);
  }

  /** The id of the key that encrypts now. */
  public String currentKeyId() {
    return ring.current().id();
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
      return new PayerIdCipher(readKeys(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the payer-ID key " + file, e);
    }
  }

  /**
   * The keys of a payer-ID key file (owner-only): one key of 32 hexadecimal digits per line, the
   * current one first, older ones after it so that what they encrypted stays readable; blank
   * lines and lines starting with {@code #} are skipped.
   */
  public static List<byte[]> readKeys(Path file) throws IOException {
    List<String> lines = SecretFiles.readString(file).lines().map(String::strip)
        .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    if (lines.isEmpty()) {
      throw new IllegalArgumentException(file + ": no payer-ID key (32 hexadecimal digits per line)");
    }
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).matches("[0-9A-Fa-f]{32}")) {
        throw new IllegalArgumentException(file + ": key " + (i + 1) + " is not 32 hexadecimal digits");
      }
    }
    return lines.stream().map(HexFormat.of()::parseHex).toList();
  }

  public byte[] encrypt(String idNo) {
    Key key = ring.current();
    byte[] nonce = new byte[NONCE_BYTES];
    Crypto.random().nextBytes(nonce);
    byte[] sealed = run(Cipher.ENCRYPT_MODE, key, nonce, aad(key), idNo.getBytes(StandardCharsets.UTF_8));
    byte[] out = new byte[1 + KEY_ID_BYTES + NONCE_BYTES + sealed.length];
    out[0] = VERSION;
    System.arraycopy(key.idBytes(), 0, out, 1, KEY_ID_BYTES);
    System.arraycopy(nonce, 0, out, 1 + KEY_ID_BYTES, NONCE_BYTES);
    System.arraycopy(sealed, 0, out, 1 + KEY_ID_BYTES + NONCE_BYTES, sealed.length);
    return out;
  }

  /**
   * The ID number; throws {@link IllegalStateException} when the value was changed or its key is
   * not one of this cipher's, {@link IllegalArgumentException} when it is no encrypted payer ID.
   */
  public String decrypt(byte[] stored) {
    Ring keys = ring;
    if (stored.length >= 1 + NONCE_BYTES + TAG_BITS / 8 && stored[0] == VERSION_WITHOUT_KEY_ID) {
      return decryptWithoutKeyId(keys, stored);
    }
    if (stored.length < 1 + KEY_ID_BYTES + NONCE_BYTES + TAG_BITS / 8 || stored[0] != VERSION) {
      throw new IllegalArgumentException("not an encrypted payer ID of version " + VERSION);
    }
    String id = "sm4-" + HexFormat.of().formatHex(stored, 1, 1 + KEY_ID_BYTES);
    Key key = keys.byId().get(id);
    if (key == null) {
      throw new IllegalStateException("the payer ID was encrypted under key " + id + ", which this engine does not have");
    }
    byte[] nonce = Arrays.copyOfRange(stored, 1 + KEY_ID_BYTES, 1 + KEY_ID_BYTES + NONCE_BYTES);
    byte[] sealed = Arrays.copyOfRange(stored, 1 + KEY_ID_BYTES + NONCE_BYTES, stored.length);
    return new String(run(Cipher.DECRYPT_MODE, key, nonce, aad(key), sealed), StandardCharsets.UTF_8);
  }

  private static String decryptWithoutKeyId(Ring keys, byte[] stored) {
    byte[] nonce = Arrays.copyOfRange(stored, 1, 1 + NONCE_BYTES);
    byte[] sealed = Arrays.copyOfRange(stored, 1 + NONCE_BYTES, stored.length);
    for (Key key : keys.byId().values()) {
      try {
        return new String(run(Cipher.DECRYPT_MODE, key, nonce, AAD, sealed), StandardCharsets.UTF_8);
      } catch (IllegalStateException wrongKey) {
        // GCM's tag did not match: another key made it, or it was changed; try the next key.
      }
    }
    throw new IllegalStateException("SM4-GCM failed (no key of this engine opens it, or it was changed)");
  }

  /** The ciphertext is bound to its column and to the key id it names. */
  private static byte[] aad(Key key) {
    byte[] aad = Arrays.copyOf(AAD, AAD.length + KEY_ID_BYTES);
    System.arraycopy(key.idBytes(), 0, aad, AAD.length, KEY_ID_BYTES);
    return aad;
  }

  /**
   * One cipher object per thread, initialised afresh for each value: looking the algorithm up in
   * the provider cost more than encrypting an ID number (every order encrypts one).
   */
  private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
    try {
      return Cipher.getInstance("SM4/GCM/NoPadding", Crypto.provider());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SM4-GCM is not available", e);
    }
  });

  private static byte[] run(int mode, Key key, byte[] nonce, byte[] aad, byte[] input) {
    try {
      Cipher cipher = CIPHERS.get();
      cipher.init(mode, key.spec(), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad);
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
