package org.clearing.outbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import org.bouncycastle.asn1.gm.GMNamedCurves;
import org.bouncycastle.jce.interfaces.ECPrivateKey;
import org.bouncycastle.jce.spec.ECParameterSpec;
import org.bouncycastle.jce.spec.ECPublicKeySpec;
import org.bouncycastle.math.ec.ECPoint;
import org.clearing.client.KeyType;
import org.clearing.client.RequestSigner;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SecretFiles;

/**
 * The engine's own SM2 key, with which it signs its webhooks (DESIGN §8). Created on first start
 * at {@code <data-dir>/keys/engine-sm2.pem} (PKCS#8, owner-only) and loaded on every later start,
 * so receivers can pin the public key. Several engine instances must share this file, or a
 * receiver would see signatures from keys it does not know.
 */
public final class EngineKey {

  /** The client_id in the Authorization header of every webhook. */
  public static final String CLIENT_ID = "clearing-engine";
  static final String FILE_NAME = "engine-sm2.pem";

  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final String publicKeyPem;

  private EngineKey(PrivateKey privateKey, PublicKey publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.publicKeyPem = Pem.write(publicKey);
  }

  /**
   * Loads the key from {@code <dataDir>/keys/engine-sm2.pem}, creating it on first use; two
   * engines starting on one data directory end up with the same key, the first one written. Blocking
   * (file I/O, key generation, Bouncy Castle class loading): call it from a worker or before
   * Vert.x starts, never on an event loop.
   */
  public static EngineKey loadOrCreate(Path dataDir) {
    Path file = dataDir.resolve("keys").resolve(FILE_NAME);
    try {
      if (!Files.exists(file)) {
        SecretFiles.createIfAbsent(file, Pem.write(Crypto.generateSm2().getPrivate()));
      }
      return fromPrivateKeyPem(SecretFiles.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the engine key " + file, e);
    }
  }

  /** A key from PKCS#8 PEM text; the public key is derived from it. */
  static EngineKey fromPrivateKeyPem(String pem) {
    PrivateKey key = Pem.readPrivateKey(pem);
    if (!(key instanceof ECPrivateKey ec)
        || !ec.getParameters().getCurve().equals(GMNamedCurves.getByName("sm2p256v1").getCurve())) {
      throw new IllegalArgumentException("the engine key must be an SM2 private key");
    }
    return new EngineKey(key, publicOf(ec));
  }

  /** The public point d·G of the private key, so the file holds only the private key. */
  private static PublicKey publicOf(ECPrivateKey key) {
    ECParameterSpec spec = key.getParameters();
    ECPoint point = spec.getG().multiply(key.getD()).normalize();
    try {
      return KeyFactory.getInstance("EC", Crypto.provider()).generatePublic(new ECPublicKeySpec(point, spec));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot derive the engine's public key", e);
    }
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  /** The public key as SubjectPublicKeyInfo PEM, for receivers to verify webhooks with. */
  public String publicKeyPem() {
    return publicKeyPem;
  }

  /** Signs like a client of the engine's API would: {@code CLEARING-SM2-SM3 client_id="clearing-engine",…}. */
  public RequestSigner signer(Clock clock) {
    return new RequestSigner(CLIENT_ID, KeyType.SM2, privateKey, clock);
  }

  /** The private key, for signing what the engine publishes (webhooks, reports). */
  public PrivateKey privateKey() {
    return privateKey;
  }
}
