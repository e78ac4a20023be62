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
 * the key file there is nothing to try against.
 */
public final class RequestFingerprints {

  /** The key's file under {@code <data-dir>/keys/}: 32 random bytes as hex, owner-only. */
  public static final String FILE_NAME = "request-fingerprint.key";
  private static final int KEY_BYTES = 32;

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

  private final byte[] key;

  public RequestFingerprints(byte[] key) {
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException("a fingerprint key has " + KEY_BYTES + " bytes, not " + key.length);
    }
    this.key = key.clone();
  }

  /**
   * Reads the key from {@code <dataDir>/keys/request-fingerprint.key}, creating it on first use.
   * Engines sharing a database must share this file, or they would not recognise each other's
   * replays. Blocking: call before Vert.x starts or on a worker.
   */
  public static RequestFingerprints loadOrCreate(Path dataDir) {
    Path file = dataDir.resolve("keys").resolve(FILE_NAME);
    try {
      byte[] fresh = new byte[KEY_BYTES];
      Crypto.random().nextBytes(fresh);
      SecretFiles.createIfAbsent(file, Crypto.hex(fresh) + "\n");
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
    HMac mac = new HMac(new SM3Digest());
    mac.init(new KeyParameter(key));
    mac.update(data, 0, data.length);
    byte[] out = new byte[mac.getMacSize()];
    mac.doFinal(out, 0);
    return out;
  }
}
