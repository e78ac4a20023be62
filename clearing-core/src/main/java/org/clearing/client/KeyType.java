package org.clearing.client;

import java.util.Optional;
import org.clearing.crypto.SignatureScheme;

/** The key a client signs with, and the Authorization scheme name that goes with it. */
public enum KeyType {
  SM2("CLEARING-SM2-SM3", SignatureScheme.SM2_SM3),
  RSA("CLEARING-SHA256-RSA2048", SignatureScheme.SHA256_RSA);

  private final String authorizationScheme;
  private final SignatureScheme signatureScheme;

  KeyType(String authorizationScheme, SignatureScheme signatureScheme) {
    this.authorizationScheme = authorizationScheme;
    this.signatureScheme = signatureScheme;
  }

  public String authorizationScheme() {
    return authorizationScheme;
  }

  public SignatureScheme signatureScheme() {
    return signatureScheme;
  }

  public static Optional<KeyType> fromAuthorizationScheme(String scheme) {
    for (KeyType type : values()) {
      if (type.authorizationScheme.equals(scheme)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }

  public static Optional<KeyType> parse(String name) {
    for (KeyType type : values()) {
      if (type.name().equals(name)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }
}
