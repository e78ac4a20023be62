package org.clearing.identity;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code engine_key} table: the engine's keys as every engine on the database shares them. */
final class EngineKeyRepository {

  /** A row: for a key sealed here its sealed secret; for a signing key its public half. */
  record StoredKey(String keyId, String purpose, String publicKeyPem, byte[] sealedSecret, String source,
      OffsetDateTime validFrom, OffsetDateTime retiredAt, OffsetDateTime validUntil) {

    boolean current() {
      return retiredAt == null;
    }

    /** What a refresh compares to see whether anything changed since it last looked. */
    String state() {
      return keyId + "/" + retiredAt + "/" + validUntil;
    }
  }

  /** What a rotation did: the key that now signs or encrypts, and the one it replaced. */
  record Rotation(String keyId, String previousKeyId, OffsetDateTime previousValidUntil) {}

  private static final String COLUMNS =
      "key_id, purpose, public_key_pem, sealed_secret, source, valid_from, retired_at, valid_until";
  private static final String ALL = "SELECT " + COLUMNS + " FROM engine_key ORDER BY valid_from DESC, key_id";
  private static final String PUBLISHED = "SELECT " + COLUMNS + " FROM engine_key"
      + " WHERE purpose = 'signing' AND (valid_until IS NULL OR valid_until > now())"
      + " ORDER BY retired_at DESC NULLS FIRST, valid_from DESC, key_id";
  private static final String FIND = "SELECT " + COLUMNS + " FROM engine_key WHERE key_id = $1";
  private static final String INSERT = "INSERT INTO engine_key"
      + " (key_id, purpose, public_key_pem, sealed_secret, source, created_by) VALUES ($1, $2, $3, $4, $5, $6)";
  /** Two engines making the first key at once: the second insert does nothing, both read the winner. */
  private static final String INSERT_FIRST = INSERT + " ON CONFLICT DO NOTHING";
  private static final String LOCK_CURRENT =
      "SELECT key_id FROM engine_key WHERE purpose = $1 AND retired_at IS NULL FOR UPDATE";
  private static final String RETIRE = "UPDATE engine_key SET retired_at = now(),"
      + " valid_until = CASE WHEN purpose = 'signing' THEN now() + make_interval(secs => $2) END"
      + " WHERE key_id = $1 RETURNING valid_until";

  private final Pool pool;

  EngineKeyRepository(Pool pool) {
    this.pool = pool;
  }

  /** Every key, newest first. */
  Future<List<StoredKey>> all() {
    return pool.preparedQuery(ALL).execute().map(rows -> {
      List<StoredKey> keys = new ArrayList<>();
      rows.forEach(row -> keys.add(map(row)));
      return keys;
    });
  }

  /** The signing keys a verifier should accept now: the current one, then retired ones in their overlap. */
  Future<List<StoredKey>> published() {
    return pool.preparedQuery(PUBLISHED).execute().map(rows -> {
      List<StoredKey> keys = new ArrayList<>();
      rows.forEach(row -> keys.add(map(row)));
      return keys;
    });
  }

  Future<Optional<StoredKey>> find(String keyId) {
    return pool.preparedQuery(FIND).execute(Tuple.of(keyId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(map(rows.iterator().next())));
  }

  /** Inserts {@code key} as the purpose's first current key unless another engine was quicker. */
  Future<Void> insertFirst(StoredKey key, String by) {
    return pool.preparedQuery(INSERT_FIRST).execute(insertTuple(key, by)).mapEmpty();
  }

  /**
   * Makes {@code next} the current key of its purpose, retiring the current one (a signing key
   * stays valid {@code overlapSeconds} longer), in one transaction: two rotations at once run
   * one after the other, each retiring what was current when it ran.
   */
  Future<Rotation> replaceCurrent(StoredKey next, long overlapSeconds, String by) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_CURRENT).execute(Tuple.of(next.purpose()))
        .compose(current -> {
          if (current.size() == 0) {
            return Future.succeededFuture(new Rotation(next.keyId(), null, null));
          }
          String previous = current.iterator().next().getString("key_id");
          return conn.preparedQuery(RETIRE).execute(Tuple.of(previous, (double) overlapSeconds))
              .map(retired -> new Rotation(next.keyId(), previous,
                  retired.iterator().next().getOffsetDateTime("valid_until")));
        })
        .compose(rotation -> conn.preparedQuery(INSERT).execute(insertTuple(next, by)).map(rotation)));
  }

  private static Tuple insertTuple(StoredKey key, String by) {
    return Tuple.of(key.keyId(), key.purpose(), key.publicKeyPem(),
        key.sealedSecret() == null ? null : Buffer.buffer(key.sealedSecret()), key.source(), by);
  }

  private static StoredKey map(Row row) {
    Buffer sealed = row.getBuffer("sealed_secret");
    return new StoredKey(row.getString("key_id"), row.getString("purpose"), row.getString("public_key_pem"),
        sealed == null ? null : sealed.getBytes(), row.getString("source"), row.getOffsetDateTime("valid_from"),
        row.getOffsetDateTime("retired_at"), row.getOffsetDateTime("valid_until"));
  }
}
