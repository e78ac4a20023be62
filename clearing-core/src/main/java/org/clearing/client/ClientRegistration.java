package org.clearing.client;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.clearing.crypto.Pem;
import org.clearing.input.FieldError;

/**
 * The checks a new client or a replacement key passes, the same for the admin API and the offline
 * {@code clients add} command: an id of the allowed form that is not the engine's own, and a
 * public key the Authorization scheme of its type can verify with — an SM2 key on the sm2p256v1
 * curve (as OpenSSL's {@code genpkey -algorithm SM2} writes it, or Bouncy Castle) or an RSA key
 * of at least 2048 bits.
 */
public final class ClientRegistration {

  /** The id the engine signs its webhooks and reports with; a client by that name could pass for it. */
  public static final String ENGINE_CLIENT_ID = "clearing-engine";
  public static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9_.-]{3,64}");
  public static final int PEM_LENGTH_MAX = 4096;

  private ClientRegistration() {}

  /** A checked public key: its type, and the key as the engine stores it (normalised PEM). */
  public record CheckedKey(KeyType keyType, PublicKey publicKey, String pem) {}

  /** Why the client id cannot be registered, or empty when it can. */
  public static Optional<FieldError> checkClientId(String field, String clientId) {
    if (clientId == null || !CLIENT_ID.matcher(clientId).matches()) {
      return Optional.of(new FieldError(field, "must be 3 to 64 characters of A-Z a-z 0-9 _ . -"));
    }
    if (clientId.equalsIgnoreCase(ENGINE_CLIENT_ID)) {
      return Optional.of(new FieldError(field, "is reserved: the engine signs its own webhooks as "
          + ENGINE_CLIENT_ID));
    }
    return Optional.empty();
  }

  /**
   * Reads and checks a public key. {@code declared} is the key type the caller named, or null to
   * take it from the key; errors name {@code field}.
   */
  public static Checked checkKey(String field, String pem, KeyType declared) {
    if (pem == null || pem.isBlank() || pem.length() > PEM_LENGTH_MAX) {
      return invalid(field, "must be a PEM public key of at most " + PEM_LENGTH_MAX + " characters");
    }
    PublicKey key;
    try {
      key = Pem.readPublicKey(pem);
    } catch (IllegalArgumentException e) {
      return invalid(field, "is not a readable PEM public key (-----BEGIN PUBLIC KEY----- or a certificate)");
    }
    KeyType type = declared != null ? declared
        : key.getAlgorithm().equals("RSA") ? KeyType.RSA : KeyType.SM2;
    Optional<String> refusal = type.signatureScheme().refusal(key);
    if (refusal.isPresent()) {
      return invalid(field, refusal.get() + (declared == null ? "" : " (key_type is " + declared + ")"));
    }
    return new Valid(new CheckedKey(type, key, Pem.write(key)));
  }

  private static Checked invalid(String field, String reason) {
    List<FieldError> errors = new ArrayList<>();
    errors.add(new FieldError(field, reason));
    return new Invalid(errors);
  }

  /** The outcome of a key check. */
  public sealed interface Checked permits Valid, Invalid {}

  public record Valid(CheckedKey key) implements Checked {}

  public record Invalid(List<FieldError> errors) implements Checked {}
}
