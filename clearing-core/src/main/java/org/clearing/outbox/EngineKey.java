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
 * An SM2 key of the engine's own, with which it signs its webhooks and reports. Which key signs
 * is decided by {@code identity/EngineIdentity} (a key file, or the keys every engine shares
 * through the database); {@link #loadOrCreate} is the key file of engines before that, which an
 * engine imports into the database on its first start so receivers keep the key they pinned.
 */
public final class EngineKey {

  /** The client_id in the Authorization header of every webhook. */
  public static final String CLIENT_ID = org.clearing.client.ClientRegistration.ENGINE_CLIENT_ID;
  static final String FILE_NAME = "engine-sm2.pem";

  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final String publicKeyPem;
  private final String keyId;

  private EngineKey(PrivateKey privateKey) {
    if (!(privateKey instanceof ECPrivateKey ec)
        || !ec.getParameters().getCurve().equals(GMNamedCurves.getByName("sm2p256v1").getCurve())) {
      throw new IllegalArgumentException("the engine key must be an SM2 private key");
    }
    this.privateKey = privateKey;
    this.publicKey = publicOf(ec);
    this.publicKeyPem = Pem.write(publicKey);
    this.keyId = keyIdOf(publicKey);
  }

  /**
   * The id receivers know a key by: {@code sm2-} and the first 16 hexadecimal digits of the SM3
   * digest of its public key (SubjectPublicKeyInfo DER), so every engine derives the same id from
   * the same key, and a receiver can recompute it from the published PEM.
   */
  public static String keyIdOf(PublicKey publicKey) {
    return "sm2-" + java.util.HexFormat.of().formatHex(Crypto.sm3(publicKey.getEncoded()), 0, 8);
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

  /** A fresh key. Blocking (key generation): call it from a worker, never on an event loop. */
  public static EngineKey generate() {
    return new EngineKey(Crypto.generateSm2().getPrivate());
  }

  /** A key from PKCS#8 PEM text; the public key is derived from it. */
  public static EngineKey fromPrivateKeyPem(String pem) {
    PrivateKey key = Pem.readPrivateKey(pem);
    return new EngineKey(key);
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

  /** This key's id ({@link #keyIdOf}), named in every signature it makes. */
  public String keyId() {
    return keyId;
  }

  /** The private key as PKCS#8 PEM, to seal it into the database or write it to a key file. */
  public String privateKeyPem() {
    return Pem.write(privateKey);
  }

  /**
   * Signs like a client of the engine's API would, naming the key:
   * {@code CLEARING-SM2-SM3 client_id="clearing-engine",key_id="sm2-…",timestamp=…}.
   */
  public RequestSigner signer(Clock clock) {
    return new RequestSigner(CLIENT_ID, keyId, KeyType.SM2, privateKey, clock);
  }

  /** The private key, for signing what the engine publishes (webhooks, reports). */
  public PrivateKey privateKey() {
    return privateKey;
  }
}
