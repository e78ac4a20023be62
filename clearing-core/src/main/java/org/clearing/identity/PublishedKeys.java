package org.clearing.identity;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.PublicKey;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.client.AuthorizationHeader;
import org.clearing.client.ClientRegistration;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SignatureBase;
import org.clearing.crypto.SignatureScheme;
import org.clearing.outbox.EngineKey;

/**
 * A receiver's check of what the engine signs, against the keys it publishes
 * ({@code GET /api/v1/engine/public-keys}): a signature verifies only when it names a published key
 * by its id, that key is valid at the moment of checking (a retired key until its overlap ends),
 * and the signature over the exact bytes verifies with that key. A key the list does not hold, an
 * expired one, or a key id whose published key did not make the signature is refused. Used by the
 * {@code verify-report} command and by tests; a receiver in another language does the same.
 */
public final class PublishedKeys {

  /** A published key: its id (recomputed from the PEM, never taken on trust) and its validity. */
  public record Key(String keyId, PublicKey publicKey, Instant validFrom, Instant validUntil) {}

  /** What a check came to. */
  public sealed interface Verdict permits Verified, Refused {}

  public record Verified(String keyId) implements Verdict {}

  public record Refused(String reason) implements Verdict {}

  private static final Pattern REPORT_SIGNATURE =
      Pattern.compile("CLEARING-SM2-SM3 key_id=\"([^\"]{1,64})\",signature=\"([A-Za-z0-9+/=]{1,200})\"");

  private final Map<String, Key> byId;

  private PublishedKeys(Map<String, Key> byId) {
    this.byId = Map.copyOf(byId);
  }

  /**
   * The keys of a {@code GET /api/v1/engine/public-keys} answer. Throws
   * {@link IllegalArgumentException} for a list that is not one, or whose key id does not match its
   * key.
   */
  public static PublishedKeys fromJson(String json) {
    JsonArray keys;
    try {
      keys = new JsonObject(json).getJsonArray("keys");
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("not a public-key list: " + e.getMessage(), e);
    }
    if (keys == null) {
      throw new IllegalArgumentException("not a public-key list: no \"keys\"");
    }
    Map<String, Key> byId = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      JsonObject entry = keys.getJsonObject(i);
      PublicKey publicKey = Pem.readPublicKey(entry.getString("public_key_pem"));
      String keyId = EngineKey.keyIdOf(publicKey);
      if (!keyId.equals(entry.getString("key_id"))) {
        throw new IllegalArgumentException("key " + i + ": key_id " + entry.getString("key_id")
            + " is not the id of its public key (" + keyId + ")");
      }
      String until = entry.getString("valid_until");
      byId.put(keyId, new Key(keyId, publicKey, OffsetDateTime.parse(entry.getString("valid_from")).toInstant(),
          until == null ? null : OffsetDateTime.parse(until).toInstant()));
    }
    return new PublishedKeys(byId);
  }

  /** The key {@code keyId} names, if published. */
  public Optional<Key> key(String keyId) {
    return Optional.ofNullable(byId.get(keyId));
  }

  /**
   * Checks a report: {@code signatureHeader} is its {@code X-Clearing-Signature}, {@code body} the
   * bytes as downloaded.
   */
  public Verdict verifyReport(String signatureHeader, byte[] body, Instant now) {
    Matcher matcher = signatureHeader == null ? null : REPORT_SIGNATURE.matcher(signatureHeader.strip());
    if (matcher == null || !matcher.matches()) {
      return new Refused("not a signature of the form CLEARING-SM2-SM3 key_id=\"…\",signature=\"…\"");
    }
    return verify(matcher.group(1), body, matcher.group(2), now);
  }

  /**
   * Checks a webhook: the request's method, path with query, {@code Authorization} header and
   * body as received. (A receiver also checks the timestamp is recent and the nonce new, as the
   * engine does for its own clients.)
   */
  public Verdict verifyWebhook(String method, String pathWithQuery, String authorization, byte[] body, Instant now) {
    if (!(AuthorizationHeader.parse(authorization) instanceof AuthorizationHeader.Parsed parsed)
        || !parsed.header().clientId().equals(ClientRegistration.ENGINE_CLIENT_ID)) {
      return new Refused("not signed by " + ClientRegistration.ENGINE_CLIENT_ID);
    }
    Optional<String> keyId = AuthorizationHeader.parameter(authorization, "key_id");
    if (keyId.isEmpty()) {
      return new Refused("the signature names no key_id");
    }
    AuthorizationHeader header = parsed.header();
    byte[] message = SignatureBase.request(method, pathWithQuery, header.timestamp(), header.nonce(), body);
    return verify(keyId.get(), message, header.signature(), now);
  }

  private Verdict verify(String keyId, byte[] message, String signature, Instant now) {
    Key key = byId.get(keyId);
    if (key == null) {
      return new Refused("key " + keyId + " is not published");
    }
    // valid_from is not checked: a key is published only once it exists, and a receiver's clock
    // a little behind the database's would otherwise refuse a key minutes old.
    if (key.validUntil() != null && !now.isBefore(key.validUntil())) {
      return new Refused("key " + keyId + " expired at " + key.validUntil());
    }
    return SignatureScheme.SM2_SM3.verify(key.publicKey(), message, signature)
        ? new Verified(keyId) : new Refused("the signature does not verify with key " + keyId);
  }
}
