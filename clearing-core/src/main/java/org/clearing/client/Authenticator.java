package org.clearing.client;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.time.Clock;
import java.util.Optional;
import org.clearing.crypto.SignatureBase;

/**
 * Checks a signed request (DESIGN §8): a well-formed header, a timestamp within ±5 minutes, a
 * known and active client, the scheme of its key, a valid signature, and a nonce never seen
 * before — in that order, so that an unsigned request cannot burn a client's nonces. Signature
 * verification runs on the named crypto worker pool, never on an event loop.
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
    byte[] message = SignatureBase.request(
        method, pathWithQuery, header.timestamp(), header.nonce(), body);
    long nonceExpiresEpochS =
        Long.parseLong(header.timestamp()) + TIMESTAMP_WINDOW_S + NONCE_RETENTION_MARGIN_S;
    return clients.find(header.clientId())
        .compose(found -> verify(found, header, message, true))
        .compose(checked -> checked instanceof Authenticated ok
            ? checkNonce(ok.client(), header.nonce(), nonceExpiresEpochS)
            : Future.succeededFuture(checked));
  }

  /**
   * Checks the client and the signature. A signature that does not verify against a cached key is
   * checked once more against the key the database has now: another engine may have replaced it.
   */
  private Future<Result> verify(
      Optional<ApiClient> found, AuthorizationHeader header, byte[] message, boolean mayReload) {
    if (found.isEmpty()) {
      return Future.succeededFuture(new Denied("unknown client_id"));
    }
    ApiClient client = found.get();
    if (client.status() != ClientStatus.ACTIVE) {
      return Future.succeededFuture(inactive(client));
    }
    if (client.keyType() != header.keyType()) {
      return Future.succeededFuture(new Denied("client " + client.clientId() + " signs with "
          + client.keyType().authorizationScheme() + ", not " + header.keyType().authorizationScheme()));
    }
    return cryptoPool
        .executeBlocking(() -> client.keyType().signatureScheme()
            .verify(client.publicKey(), message, header.signature()), false)
        .compose(valid -> {
          if (valid) {
            return Future.succeededFuture(new Authenticated(client));
          }
          if (!mayReload) {
            return Future.succeededFuture(new Denied("signature does not verify"));
          }
          return clients.reload(client.clientId()).compose(now ->
              now.isPresent() && now.get().keyVersion() != client.keyVersion()
                  ? verify(now, header, message, false)
                  : Future.succeededFuture(new Denied("signature does not verify")));
        });
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
