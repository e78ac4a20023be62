package org.clearing.client;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.time.Clock;
import org.clearing.crypto.SignatureBase;
import org.clearing.crypto.SignatureScheme;

/**
 * Checks a signed request (DESIGN §8): a well-formed header, a known client, the scheme of its
 * key, a timestamp within ±5 minutes, a valid signature, and a nonce never seen before — in that
 * order, so that an unsigned request cannot burn a client's nonces. The checks up to the key's
 * scheme need only the headers ({@link #claim}) and come before the body is read at all; the
 * signature covers the body ({@link #verify}, or {@link #streamingVerifier} for a body streamed to
 * a file). Signature verification runs on a worker pool, never on an event loop.
 */
public final class Authenticator {

  public static final long TIMESTAMP_WINDOW_S = 300;

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
   * A request whose headers name a known client within the time window: who it claims to be,
   * not yet proven. Its body has not been read; the signature over it is checked next.
   */
  public record Claim(ApiClient client, AuthorizationHeader header) {}

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
   * known client, the scheme of its key — made before a byte of the body is read, so that a stranger
   * cannot make the engine read (and hold) a body at all.
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
    return clients.find(header.clientId()).map(found -> {
      if (found.isEmpty()) {
        return new Denied("unknown client_id");
      }
      ApiClient client = found.get();
      if (client.keyType() != header.keyType()) {
        return new Denied("client " + client.clientId() + " signs with "
            + client.keyType().authorizationScheme() + ", not " + header.keyType().authorizationScheme());
      }
      return new Claimed(new Claim(client, header));
    });
  }

  /** Proves a claim with the signature over a body held in memory (small bodies), then the nonce. */
  public Future<Result> verify(Claim claim, String method, String pathWithQuery, byte[] body) {
    AuthorizationHeader header = claim.header();
    byte[] message = SignatureBase.request(method, pathWithQuery, header.timestamp(), header.nonce(), body);
    return cryptoPool
        .executeBlocking(() -> claim.client().keyType().signatureScheme()
            .verify(claim.client().publicKey(), message, header.signature()), false)
        .compose(valid -> conclude(claim, valid));
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
        ? checkNonce(claim.client(), claim.header().nonce())
        : Future.succeededFuture(new Denied("signature does not verify"));
  }

  private Future<Result> checkNonce(ApiClient client, String nonce) {
    return clients.recordNonce(client.clientId(), nonce).map(first -> first
        ? new Authenticated(client)
        : new Denied("nonce has been used before"));
  }
}
