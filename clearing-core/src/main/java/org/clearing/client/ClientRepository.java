package org.clearing.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.clearing.crypto.Pem;
import org.clearing.store.GroupCommitter;

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
  /**
   * A group of nonces in one statement: the rows it returns are the nonces seen for the first
   * time (a nonce twice in one group is inserted once and returned once).
   */
  private static final String INSERT_NONCES =
      "INSERT INTO request_nonce (client_id, nonce) SELECT * FROM unnest($1::text[], $2::text[])"
          + " ON CONFLICT DO NOTHING RETURNING client_id, nonce";
  private static final String DELETE_OLD_NONCES =
      "DELETE FROM request_nonce WHERE seen_at < now() - make_interval(secs => $1)";

  /** Bounds the cache; a registry of more clients than this is not this engine's use. */
  private static final int CACHE_SIZE_MAX = 10_000;
  /** Nonces waiting for their group; beyond this, requests are refused with "try again". */
  public static final int NONCES_QUEUED_MAX = 4_096;
  private static final int NONCE_GROUP_SIZE_MAX = 256;
  private static final int NONCE_GROUPS_IN_FLIGHT_MAX = 2;

  private record NonceUse(String clientId, String nonce) {}

  private final Pool pool;
  private final ConcurrentMap<String, ApiClient> cache = new ConcurrentHashMap<>();
  private final GroupCommitter<NonceUse, Boolean> nonces;

  public ClientRepository(Vertx vertx, Pool pool) {
    this.pool = pool;
    this.nonces = new GroupCommitter<>(vertx, this::recordNonces, NONCES_QUEUED_MAX, NONCE_GROUP_SIZE_MAX,
        NONCE_GROUPS_IN_FLIGHT_MAX);
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

  /**
   * Records a nonce; true the first time, false for a replay. Concurrent requests' nonces share
   * one statement and one commit; fails with {@link GroupCommitter.Overloaded} when too many wait.
   */
  public Future<Boolean> recordNonce(String clientId, String nonce) {
    return nonces.submit(new NonceUse(clientId, nonce));
  }

  private Future<List<Boolean>> recordNonces(List<NonceUse> uses) {
    String[] clientIds = uses.stream().map(NonceUse::clientId).toArray(String[]::new);
    String[] values = uses.stream().map(NonceUse::nonce).toArray(String[]::new);
    return pool.preparedQuery(INSERT_NONCES).execute(Tuple.tuple().addArrayOfString(clientIds).addArrayOfString(values)).map(rows -> {
      Set<NonceUse> firstSeen = new HashSet<>();
      rows.forEach(row -> firstSeen.add(new NonceUse(row.getString(0), row.getString(1))));
      List<Boolean> results = new ArrayList<>(uses.size());
      for (NonceUse use : uses) {
        // remove: the same nonce twice in one group is new only the first time.
        results.add(firstSeen.remove(use));
      }
      return results;
    });
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
