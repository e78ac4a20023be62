package org.clearing.client;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.clearing.crypto.Pem;

/**
 * Registered clients and the nonces they have used. Clients are cached once read: they are few
 * and change only when an administrator registers one, through this same repository.
 */
public final class ClientRepository {

  private static final String SELECT_CLIENT =
      "SELECT client_id, role, key_type, public_key_pem FROM api_client WHERE client_id = $1";
  private static final String INSERT_CLIENT =
      "INSERT INTO api_client (client_id, role, key_type, public_key_pem) VALUES ($1, $2, $3, $4)"
          + " ON CONFLICT (client_id) DO NOTHING";
  private static final String INSERT_NONCE =
      "INSERT INTO request_nonce (client_id, nonce) VALUES ($1, $2) ON CONFLICT DO NOTHING";
  private static final String DELETE_OLD_NONCES =
      "DELETE FROM request_nonce WHERE seen_at < now() - make_interval(secs => $1)";

  /** Bounds the cache; a registry of more clients than this is not this engine's use. */
  private static final int CACHE_SIZE_MAX = 10_000;

  private final Pool pool;
  private final ConcurrentMap<String, ApiClient> cache = new ConcurrentHashMap<>();

  public ClientRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<Optional<ApiClient>> find(String clientId) {
    ApiClient cached = cache.get(clientId);
    if (cached != null) {
      return Future.succeededFuture(Optional.of(cached));
    }
    return pool.preparedQuery(SELECT_CLIENT).execute(Tuple.of(clientId)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      ApiClient client = client(rows.iterator().next());
      if (cache.size() < CACHE_SIZE_MAX) {
        cache.put(clientId, client);
      }
      return Optional.of(client);
    });
  }

  /** Registers a client; false if one with that id already exists. */
  public Future<Boolean> register(String clientId, Role role, KeyType keyType, String publicKeyPem) {
    return pool.preparedQuery(INSERT_CLIENT)
        .execute(Tuple.of(clientId, role.name(), keyType.name(), publicKeyPem))
        .map(rows -> rows.rowCount() == 1);
  }

  /** Records a nonce; true the first time, false for a replay. */
  public Future<Boolean> recordNonce(String clientId, String nonce) {
    return pool.preparedQuery(INSERT_NONCE).execute(Tuple.of(clientId, nonce))
        .map(rows -> rows.rowCount() == 1);
  }

  /** Forgets nonces older than the timestamp window; requests that old are refused as stale. */
  public Future<Integer> forgetNoncesOlderThan(long seconds) {
    return pool.preparedQuery(DELETE_OLD_NONCES).execute(Tuple.of((double) seconds))
        .map(rows -> rows.rowCount());
  }

  private static ApiClient client(Row row) {
    return new ApiClient(
        row.getString("client_id"),
        Role.valueOf(row.getString("role")),
        KeyType.valueOf(row.getString("key_type")),
        Pem.readPublicKey(row.getString("public_key_pem")));
  }
}
