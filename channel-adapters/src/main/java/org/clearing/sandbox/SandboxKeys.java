package org.clearing.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SecretFiles;

/**
 * RSA-2048 keys a sandbox keeps for itself, made on its first start and read on later ones (owner
 * only): the key its forged-signature fault signs with, which no merchant trusts, and the root a
 * demo hands its merchant certificates from. Making one takes hundreds of milliseconds of CPU,
 * which every restart paid before.
 */
public final class SandboxKeys {

  /** The file of a sandbox's forger's key, beside its other keys. */
  public static final String FORGER_KEY_FILE = "forger-key.pem";

  private SandboxKeys() {}

  /** The private key in {@code file}, made and written there if the file does not exist yet. */
  public static PrivateKey rsa(Path file) throws IOException {
    return rsaPair(file).getPrivate();
  }

  /** The key pair whose private key is in {@code file} (made there if absent); the public half is derived. */
  public static KeyPair rsaPair(Path file) throws IOException {
    if (!Files.exists(file)) {
      KeyPair made = Crypto.generateRsa(2048);
      SecretFiles.writeString(file, Pem.write(made.getPrivate()));
      return made;
    }
    PrivateKey key = Pem.readPrivateKey(SecretFiles.readString(file));
    if (!(key instanceof RSAPrivateCrtKey crt)) {
      throw new IllegalStateException(file + " does not hold an RSA private key with its public exponent");
    }
    try {
      PublicKey publicKey = KeyFactory.getInstance("RSA")
          .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
      return new KeyPair(publicKey, key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA is always available", e);
    }
  }
}
