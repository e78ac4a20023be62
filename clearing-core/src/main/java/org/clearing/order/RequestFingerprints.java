package org.clearing.order;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.SecretFiles;

/**
 * The idempotency fingerprint of an order request (stored as {@code orders.request_hash}): an
 * HMAC-SM3 under a secret key of the engine. The request includes the payer's full ID number;
 * an unkeyed hash of it, with the first three and last four digits shown on the order, let
 * anyone who could read the table recover the number by trying the few missing digits. Without
 * the key there is nothing to try against.
 *
 * <p>The key belongs to the engine identity: kept in the database sealed under the master key,
 * so every engine on one database fingerprints a request alike and a replay reaching another
 * engine is recognised as one ({@code identity.EngineIdentity} supplies it at start, through
 * {@link #keyedLater()}). Only an engine without a master key (every other key from files) still
 * keeps it in its data directory.
 */
public final class RequestFingerprints {

  /** The key's file under {@code <data-dir>/keys/}: 32 random bytes as hex, owner-only. */
  public static final String FILE_NAME = "request-fingerprint.key";
  private static final int KEY_BYTES = 32;
  /** Hex digits of an SM3 check value in a key id: enough to tell keys apart, nothing to recover. */
  private static final int KEY_ID_BYTES = 8;

  /** How a stored fingerprint was made; the number is {@code orders.request_hash_scheme}. */
  public enum Scheme {
    /** SM3 of the canonical form, without a key: rows stored before V13, until the engine re-keys them at start. */
    UNKEYED_SM3(0),
    /** HMAC-SM3 of that old unkeyed SM3: the rows stored before V13, re-keyed. */
    KEYED_LEGACY(1),
    /** HMAC-SM3 of the canonical form: every row stored since. */
    KEYED(2);

    public final int code;

    Scheme(int code) {
      this.code = code;
    }

    public static Scheme of(int code) {
      for (Scheme scheme : values()) {
        if (scheme.code == code) {
          return scheme;
        }
      }
      throw new IllegalStateException("unknown request_hash_scheme " + code);
    }
  }

  /** Null only until the engine identity supplies it, before the engine serves. */
  private volatile byte[] key;

  public RequestFingerprints(byte[] key) {
    this.key = checked(key).clone();
  }

  private RequestFingerprints() {
    this.key = null;
  }

  /**
   * Fingerprints whose key is supplied once it has been read ({@link #useKey}): the engine's
   * repositories are made before its identity has opened the key in the database. Using it before
   * is a bug.
   */
  public static RequestFingerprints keyedLater() {
    return new RequestFingerprints();
  }

  /**
   * Puts the key in use. It never changes once set: another key would answer the replay of every
   * earlier order as a conflict.
   */
  public synchronized void useKey(byte[] next) {
    checked(next);
    if (key != null && !MessageDigest.isEqual(key, next)) {
      throw new IllegalStateException("the request fingerprint key " + keyId(key) + " cannot be replaced by "
          + keyId(next) + ": replays of the orders it fingerprinted would conflict");
    }
    key = next.clone();
  }

  private static byte[] checked(byte[] key) {
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException("a fingerprint key has " + KEY_BYTES + " bytes, not " + key.length);
    }
    return key;
  }

  /** A new random key. */
  public static byte[] freshKey() {
    byte[] fresh = new byte[KEY_BYTES];
    Crypto.random().nextBytes(fresh);
    return fresh;
  }

  /**
   * A key's id, {@code hmac-} and 16 hexadecimal digits of an SM3 check value: it names the key in
   * the database and in logs without revealing it.
   */
  public static String keyId(byte[] key) {
    checked(key);
    byte[] prefix = "clearing-request-fingerprint-key-id".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] input = java.util.Arrays.copyOf(prefix, prefix.length + KEY_BYTES);
    System.arraycopy(key, 0, input, prefix.length, KEY_BYTES);
    return "hmac-" + HexFormat.of().formatHex(Crypto.sm3(input), 0, KEY_ID_BYTES);
  }

  /**
   * The key of {@code <keysDirectory>/request-fingerprint.key}, the file engines kept it in before
   * it was shared, if there is one. Blocking.
   */
  public static java.util.Optional<byte[]> readKeyFile(Path keysDirectory) throws IOException {
    Path file = keysDirectory.resolve(FILE_NAME);
    if (!java.nio.file.Files.exists(file)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(checked(HexFormat.of().parseHex(SecretFiles.readString(file).trim())));
  }

  /**
   * Reads the key from {@code <dataDir>/keys/request-fingerprint.key}, creating it on first use:
   * for an engine without a master key, which keeps no key in the database. Engines sharing a
   * database must then share this file, or they would not recognise each other's replays.
   * Blocking: call before Vert.x starts or on a worker.
   */
  public static RequestFingerprints loadOrCreate(Path dataDir) {
    Path file = dataDir.resolve("keys").resolve(FILE_NAME);
    try {
      SecretFiles.createIfAbsent(file, Crypto.hex(freshKey()) + "\n");
      return new RequestFingerprints(HexFormat.of().parseHex(SecretFiles.readString(file).trim()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the request fingerprint key " + file, e);
    }
  }

  /** The fingerprint a new order is stored with ({@link Scheme#KEYED}). */
  public byte[] of(NewOrder request) {
    return hmac(request.canonicalForm());
  }

  /** Re-keys a fingerprint stored as {@link Scheme#UNKEYED_SM3}; the result is {@link Scheme#KEYED_LEGACY}. */
  public byte[] rekey(byte[] unkeyedSm3) {
    return hmac(unkeyedSm3);
  }

  /** Whether {@code stored}, made by {@code scheme}, is the fingerprint of {@code request}. */
  public boolean matches(byte[] stored, Scheme scheme, NewOrder request) {
    byte[] expected = switch (scheme) {
      case UNKEYED_SM3 -> Crypto.sm3(request.canonicalForm());
      case KEYED_LEGACY -> hmac(Crypto.sm3(request.canonicalForm()));
      case KEYED -> of(request);
    };
    return MessageDigest.isEqual(stored, expected);
  }

  private byte[] hmac(byte[] data) {
    byte[] current = key;
    if (current == null) {
      throw new IllegalStateException("the request fingerprint key is not loaded yet");
    }
    HMac mac = new HMac(new SM3Digest());
    mac.init(new KeyParameter(current));
    mac.update(data, 0, data.length);
    byte[] out = new byte[mac.getMacSize()];
    mac.doFinal(out, 0);
    return out;
  }
}
