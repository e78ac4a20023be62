package org.clearing.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
 * Registered clients and the nonces they have used. Active clients are cached once read: they are
 * few and change only when an administrator changes them. Another engine on the same database
 * may have disabled, revoked or re-keyed a client this one still has cached, so the cache is never
 * the last word: a nonce is recorded only while the client is active with the key version the
 * request was checked against, in the same statement, and a refused nonce re-reads the client.
 */
public final class ClientRepository {

  private static final String COLUMNS =
      "client_id, role, key_type, public_key_pem, status, key_version, created_at, changed_at, changed_by";
  private static final String SELECT_CLIENT = "SELECT " + COLUMNS + " FROM api_client WHERE client_id = $1";
  private static final String SELECT_CLIENT_FOR_UPDATE = SELECT_CLIENT + " FOR UPDATE";
  private static final String LIST_CLIENTS =
      "SELECT " + COLUMNS + " FROM api_client ORDER BY client_id LIMIT " + ClientRepository.CACHE_SIZE_MAX;
  private static final String INSERT_CLIENT =
      "INSERT INTO api_client (client_id, role, key_type, public_key_pem) VALUES ($1, $2, $3, $4)"
          + " ON CONFLICT (client_id) DO NOTHING";
  private static final String UPDATE_CLIENT =
      "UPDATE api_client SET status = $2, key_type = $3, public_key_pem = $4, key_version = $5,"
          + " changed_at = now(), changed_by = $6 WHERE client_id = $1";
  /**
   * A group of nonces in one statement: the rows it returns are the nonces seen for the first
   * time (a nonce twice in one group is inserted once and returned once). A nonce is kept only
   * while its client is active with the key the request was verified with, so a client disabled
   * or re-keyed on any engine is refused at its very next request.
   */
  private static final String INSERT_NONCES = """
      INSERT INTO request_nonce (client_id, nonce, expires_at)
      SELECT x.client_id, x.nonce, to_timestamp(x.expires_s)
      FROM unnest($1::text[], $2::text[], $3::int8[], $4::int4[]) AS x(client_id, nonce, expires_s, key_version)
      JOIN api_client c ON c.client_id = x.client_id
      WHERE c.status = 'ACTIVE' AND c.key_version = x.key_version
      ON CONFLICT DO NOTHING RETURNING client_id, nonce
      """;
  private static final String DELETE_EXPIRED_NONCES = "DELETE FROM request_nonce WHERE expires_at < $1";

  /** Bounds the cache; a registry of more clients than this is not this engine's use. */
  private static final int CACHE_SIZE_MAX = 10_000;
  /** Nonces waiting for their group; beyond this, requests are refused with "try again". */
  public static final int NONCES_QUEUED_MAX = 4_096;
  private static final int NONCE_GROUP_SIZE_MAX = 256;
  private static final int NONCE_GROUPS_IN_FLIGHT_MAX = 2;

  private record NonceUse(String clientId, String nonce, long expiresEpochS, int keyVersion) {}

  private record Key(String clientId, String nonce) {}

  /**
   * A client as an administrator sees it; the key stays PEM text, unparsed, so listing many
   * clients costs no key decoding on the event loop.
   */
  public record Registered(String clientId, Role role, KeyType keyType, ClientStatus status, int keyVersion,
      String publicKeyPem, OffsetDateTime createdAt, OffsetDateTime changedAt, String changedBy) {}

  /** The outcome of an administrator's change. */
  public sealed interface Change permits Changed, NotFound, NotAllowed {}

  public record Changed(Registered client) implements Change {}

  public record NotFound() implements Change {}

  public record NotAllowed(ClientStatus current) implements Change {}

  private final Pool pool;
  private final ConcurrentMap<String, ApiClient> cache = new ConcurrentHashMap<>();
  private final GroupCommitter<NonceUse, Boolean> nonces;

  public ClientRepository(Vertx vertx, Pool pool) {
    this.pool = pool;
    this.nonces = new GroupCommitter<>(vertx, this::recordNonces, NONCES_QUEUED_MAX, NONCE_GROUP_SIZE_MAX,
        NONCE_GROUPS_IN_FLIGHT_MAX);
  }

  /** The client, from the cache when it is there and active; read afresh otherwise. */
  public Future<Optional<ApiClient>> find(String clientId) {
    ApiClient cached = cache.get(clientId);
    if (cached != null) {
      return Future.succeededFuture(Optional.of(cached));
    }
    return reload(clientId);
  }

  /** The client as the database has it now; the cache follows. */
  public Future<Optional<ApiClient>> reload(String clientId) {
    return pool.preparedQuery(SELECT_CLIENT).execute(Tuple.of(clientId)).map(rows -> {
      if (rows.size() == 0) {
        cache.remove(clientId);
        return Optional.empty();
      }
      ApiClient client = client(rows.iterator().next());
      remember(client);
      return Optional.of(client);
    });
  }

  private void remember(ApiClient client) {
    if (client.status() != ClientStatus.ACTIVE) {
      cache.remove(client.clientId());
    } else if (cache.size() < CACHE_SIZE_MAX || cache.containsKey(client.clientId())) {
      cache.put(client.clientId(), client);
    }
  }

  /** Registers a client; false if one with that id already exists. */
  public Future<Boolean> register(String clientId, Role role, KeyType keyType, String publicKeyPem) {
    return pool.preparedQuery(INSERT_CLIENT)
        .execute(Tuple.of(clientId, role.name(), keyType.name(), publicKeyPem))
        .map(rows -> rows.rowCount() == 1);
  }

  /** Every registered client, by id, whatever its status. */
  public Future<List<Registered>> list() {
    return pool.preparedQuery(LIST_CLIENTS).execute().map(rows -> {
      List<Registered> all = new ArrayList<>();
      rows.forEach(row -> all.add(registered(row)));
      return all;
    });
  }

  /**
   * Applies an administrator's action, by {@link ClientStatus#next}; {@code newKey} only for
   * {@link ClientStatus.Action#REPLACE_KEY}, whose new key gets the next key version.
   */
  public Future<Change> change(String clientId, ClientStatus.Action action, ClientRegistration.CheckedKey newKey,
      String by) {
    return change(clientId, action, newKey, by, (conn, changed) -> Future.succeededFuture());
  }

  /**
   * As above, with {@code record} (a person's audit of the change, told the client as changed) run
   * in the change's transaction when the change is made, so the two commit together or not at all.
   */
  public Future<Change> change(String clientId, ClientStatus.Action action, ClientRegistration.CheckedKey newKey,
      String by, java.util.function.BiFunction<io.vertx.sqlclient.SqlConnection, Registered, Future<Void>> record) {
    return pool.withTransaction(conn -> conn.preparedQuery(SELECT_CLIENT_FOR_UPDATE).execute(Tuple.of(clientId))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture((Change) new NotFound());
          }
          Registered client = registered(rows.iterator().next());
          Optional<ClientStatus> next = client.status().next(action);
          if (next.isEmpty()) {
            return Future.succeededFuture((Change) new NotAllowed(client.status()));
          }
          boolean rekey = action == ClientStatus.Action.REPLACE_KEY;
          return conn.preparedQuery(UPDATE_CLIENT).execute(Tuple.tuple()
                  .addString(clientId).addString(next.get().name())
                  .addString((rekey ? newKey.keyType() : client.keyType()).name())
                  .addString(rekey ? newKey.pem() : client.publicKeyPem())
                  .addInteger(rekey ? client.keyVersion() + 1 : client.keyVersion())
                  .addString(by))
              .compose(v -> conn.preparedQuery(SELECT_CLIENT).execute(Tuple.of(clientId)))
              .map(after -> registered(after.iterator().next()))
              .compose(changed -> record.apply(conn, changed).map((Change) new Changed(changed)));
        }))
        .onSuccess(change -> cache.remove(clientId));
  }

  /**
   * Records a nonce of a request verified against {@code client}, kept until
   * {@code expiresEpochS}; true the first time, false for a replay — or when the client is no
   * longer active with that key. Concurrent requests' nonces share one statement and one commit;
   * fails with {@link GroupCommitter.Overloaded} when too many wait.
   */
  public Future<Boolean> recordNonce(ApiClient client, String nonce, long expiresEpochS) {
    return nonces.submit(new NonceUse(client.clientId(), nonce, expiresEpochS, client.keyVersion()));
  }

  private Future<List<Boolean>> recordNonces(List<NonceUse> uses) {
    String[] clientIds = uses.stream().map(NonceUse::clientId).toArray(String[]::new);
    String[] values = uses.stream().map(NonceUse::nonce).toArray(String[]::new);
    Long[] expires = uses.stream().map(NonceUse::expiresEpochS).toArray(Long[]::new);
    Integer[] versions = uses.stream().map(NonceUse::keyVersion).toArray(Integer[]::new);
    return pool.preparedQuery(INSERT_NONCES).execute(Tuple.tuple().addArrayOfString(clientIds)
        .addArrayOfString(values).addArrayOfLong(expires).addArrayOfInteger(versions)).map(rows -> {
      Set<Key> firstSeen = new HashSet<>();
      rows.forEach(row -> firstSeen.add(new Key(row.getString(0), row.getString(1))));
      List<Boolean> results = new ArrayList<>(uses.size());
      for (NonceUse use : uses) {
        // remove: the same nonce twice in one group is new only the first time.
        results.add(firstSeen.remove(new Key(use.clientId(), use.nonce())));
      }
      return results;
    });
  }

  /**
   * Forgets the nonces whose requests can no longer pass the timestamp check at {@code now}: each
   * nonce carries its own expiry (its request's timestamp, the window and a margin), so the sweep
   * can run at any time and as often as it likes.
   */
  public Future<Integer> forgetExpiredNonces(Instant now) {
    return pool.preparedQuery(DELETE_EXPIRED_NONCES)
        .execute(Tuple.of(OffsetDateTime.ofInstant(now, ZoneOffset.UTC)))
        .map(rows -> rows.rowCount());
  }

  private static Registered registered(Row row) {
    return new Registered(row.getString("client_id"), Role.valueOf(row.getString("role")),
        KeyType.valueOf(row.getString("key_type")), ClientStatus.valueOf(row.getString("status")),
        row.getInteger("key_version"), row.getString("public_key_pem"), row.getOffsetDateTime("created_at"),
        row.getOffsetDateTime("changed_at"), row.getString("changed_by"));
  }

  private static ApiClient client(Row row) {
    Registered r = registered(row);
    return new ApiClient(r.clientId(), r.role(), r.keyType(), Pem.readPublicKey(r.publicKeyPem()), r.status(),
        r.keyVersion());
  }
}
