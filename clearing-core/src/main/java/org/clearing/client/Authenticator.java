package org.clearing.client;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.time.Clock;
import org.clearing.crypto.SignatureBase;

/**
 * Checks a signed request (DESIGN §8): a well-formed header, a known client, the scheme of its
 * key, a timestamp within ±5 minutes, a valid signature, and a nonce never seen before — in that
 * order, so that an unsigned request cannot burn a client's nonces. Signature verification runs
 * on the named crypto worker pool, never on an event loop.
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
  public record Denied(String reason) implements Result {}

  public Future<Result> authenticate(
      String method, String pathWithQuery, String authorization, byte[] body) {
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
    return clients.find(header.clientId()).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture(new Denied("unknown client_id"));
      }
      ApiClient client = found.get();
      if (client.keyType() != header.keyType()) {
        return Future.succeededFuture(new Denied("client " + client.clientId() + " signs with "
            + client.keyType().authorizationScheme() + ", not " + header.keyType().authorizationScheme()));
      }
      byte[] message = SignatureBase.request(
          method, pathWithQuery, header.timestamp(), header.nonce(), body);
      return cryptoPool
          .executeBlocking(() -> client.keyType().signatureScheme()
              .verify(client.publicKey(), message, header.signature()), false)
          .compose(valid -> valid
              ? checkNonce(client, header.nonce())
              : Future.succeededFuture(new Denied("signature does not verify")));
    });
  }

  private Future<Result> checkNonce(ApiClient client, String nonce) {
    return clients.recordNonce(client.clientId(), nonce).map(first -> first
        ? new Authenticated(client)
        : new Denied("nonce has been used before"));
  }
}
