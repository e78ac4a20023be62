package org.clearing.client;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.time.Clock;
import java.util.Optional;
import org.clearing.crypto.SignatureBase;
import org.clearing.crypto.SignatureScheme;

/**
 * Checks a signed request: a well-formed header, a timestamp within ±5 minutes, a
 * known and active client, the scheme of its key, a valid signature, and a nonce never seen
 * before — in that order, so that an unsigned request cannot burn a client's nonces. The checks up
 * to the key's scheme need only the headers ({@link #claim}) and come before the body is read at
 * all; the signature covers the body ({@link #verify}, or {@link #streamingVerifier} for a body
 * streamed to a file). Signature verification runs on the named crypto worker pool, never on an
 * event loop.
 */
public final class Authenticator {

  public static final long TIMESTAMP_WINDOW_S = 300;
  /**
   * A nonce is kept until its own request's timestamp + the window + this margin: until then a
   * replay could still pass the timestamp check. The margin covers the whole-second truncation of
   * timestamps and clocks of engines sharing one database that differ by up to a minute, since
   * the engine that sweeps may not be the one that accepted the request.
   */
  public static final long NONCE_RETENTION_MARGIN_S = 60;

  private final ClientRepository clients;
  private final WorkerExecutor cryptoPool;
  private final Clock clock;

  public Authenticator(ClientRepository clients, WorkerExecutor cryptoPool, Clock clock) {
    this.clients = clients;
    this.cryptoPool = cryptoPool;
    this.clock = clock;
  }

  /** The outcome of authentication. */
  public sealed interface Result permits Authenticated, Denied {}

  public record Authenticated(ApiClient client) implements Result {}

  /** Refused; {@code reason} is safe to show the caller and names no secret. */
  public record Denied(String reason) implements Result, ClaimResult {}

  /**
   * A request whose headers name a known, active client within the time window: who it claims to
   * be, not yet proven. Its body has not been read; the signature over it is checked next.
   */
  public record Claim(ApiClient client, AuthorizationHeader header) {
    long nonceExpiresEpochS() {
      return Long.parseLong(header.timestamp()) + TIMESTAMP_WINDOW_S + NONCE_RETENTION_MARGIN_S;
    }
  }

  /** The outcome of the header checks: a {@link Claim} to prove, or a refusal. */
  public sealed interface ClaimResult permits Claimed, Denied {}

  public record Claimed(Claim claim) implements ClaimResult {}

  public Future<Result> authenticate(
      String method, String pathWithQuery, String authorization, byte[] body) {
    return claim(authorization).compose(claimed -> claimed instanceof Claimed ok
        ? verify(ok.claim(), method, pathWithQuery, body)
        : Future.succeededFuture((Denied) claimed));
  }

  /**
   * The checks the headers alone allow — a well-formed header, a timestamp within the window, a
   * known and active client, the scheme of its key — made before a byte of the body is read, so
   * that a stranger cannot make the engine read (and hold) a body at all.
   */
  public Future<ClaimResult> claim(String authorization) {
    AuthorizationHeader.Result parsed = AuthorizationHeader.parse(authorization);
    if (parsed instanceof AuthorizationHeader.Malformed malformed) {
      return Future.succeededFuture(new Denied(malformed.reason()));
    }
    AuthorizationHeader header = ((AuthorizationHeader.Parsed) parsed).header();
    long skewS = Math.abs(clock.instant().getEpochSecond() - Long.parseLong(header.timestamp()));
    if (skewS > TIMESTAMP_WINDOW_S) {
      return Future.succeededFuture(
          new Denied("timestamp is more than " + TIMESTAMP_WINDOW_S + " s from the server's clock"));
    }
    return clients.find(header.clientId()).map(found -> claimOf(found, header));
  }

  private static ClaimResult claimOf(Optional<ApiClient> found, AuthorizationHeader header) {
    if (found.isEmpty()) {
      return new Denied("unknown client_id");
    }
    ApiClient client = found.get();
    if (client.status() != ClientStatus.ACTIVE) {
      return inactive(client);
    }
    if (client.keyType() != header.keyType()) {
      return new Denied("client " + client.clientId() + " signs with "
          + client.keyType().authorizationScheme() + ", not " + header.keyType().authorizationScheme());
    }
    return new Claimed(new Claim(client, header));
  }

  /**
   * Proves a claim with the signature over a body held in memory (small bodies), then the nonce. A
   * signature that does not verify against a cached key is checked once more against the key the
   * database has now: another engine may have replaced it.
   */
  public Future<Result> verify(Claim claim, String method, String pathWithQuery, byte[] body) {
    AuthorizationHeader header = claim.header();
    byte[] message = SignatureBase.request(method, pathWithQuery, header.timestamp(), header.nonce(), body);
    return verify(claim, message, true);
  }

  private Future<Result> verify(Claim claim, byte[] message, boolean mayReload) {
    AuthorizationHeader header = claim.header();
    return cryptoPool
        .executeBlocking(() -> claim.client().keyType().signatureScheme()
            .verify(claim.client().publicKey(), message, header.signature()), false)
        .compose(valid -> {
          if (valid || !mayReload) {
            return conclude(claim, valid);
          }
          return clients.reload(claim.client().clientId()).compose(now -> {
            if (now.isPresent() && now.get().keyVersion() != claim.client().keyVersion()
                && claimOf(now, header) instanceof Claimed fresh) {
              return verify(fresh.claim(), message, false);
            }
            return Future.succeededFuture(new Denied("signature does not verify"));
          });
        });
  }

  /**
   * A verifier for a body streamed elsewhere (an upload to a file), already fed the request line
   * and headers of the signature base; the caller feeds the body, then {@link SignatureBase#END},
   * and passes the verdict of {@link #signatureValid} to {@link #conclude}.
   */
  public SignatureScheme.Verifier streamingVerifier(Claim claim, String method, String pathWithQuery) {
    SignatureScheme.Verifier verifier = claim.client().keyType().signatureScheme().verifier(claim.client().publicKey());
    verifier.update(SignatureBase.requestHead(method, pathWithQuery, claim.header().timestamp(), claim.header().nonce()));
    return verifier;
  }

  /** Whether the streamed body verifies; blocking (crypto), so for a worker. */
  public static boolean signatureValid(Claim claim, SignatureScheme.Verifier fed) {
    return fed.verify(claim.header().signature());
  }

  /** After the signature: refused if it did not verify, else accepted once per nonce. */
  public Future<Result> conclude(Claim claim, boolean signatureValid) {
    return signatureValid
        ? checkNonce(claim.client(), claim.header().nonce(), claim.nonceExpiresEpochS())
        : Future.succeededFuture(new Denied("signature does not verify"));
  }

  /**
   * Records the nonce. A refused nonce is a replay — unless the client was disabled, revoked or
   * re-keyed meanwhile (perhaps on another engine), which the fresh read tells apart.
   */
  private Future<Result> checkNonce(ApiClient client, String nonce, long expiresEpochS) {
    return clients.recordNonce(client, nonce, expiresEpochS).compose(first -> {
      if (first) {
        return Future.succeededFuture(new Authenticated(client));
      }
      return clients.reload(client.clientId()).map(now -> {
        if (now.isEmpty() || now.get().status() != ClientStatus.ACTIVE) {
          return now.isEmpty() ? new Denied("unknown client_id") : inactive(now.get());
        }
        if (now.get().keyVersion() != client.keyVersion()) {
          return new Denied("client " + client.clientId() + "'s key has been replaced");
        }
        return new Denied("nonce has been used before");
      });
    });
  }

  private static Denied inactive(ApiClient client) {
    return new Denied("client " + client.clientId() + " is "
        + client.status().name().toLowerCase(java.util.Locale.ROOT));
  }
}
