package org.clearing.channelconfig;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The SQL of channel configurations kept in the database, their sealed secrets and their audit. */
final class ChannelConfigRepository {

  /** A stored configuration: its settings and its secrets still sealed. */
  record Stored(String region, String channel, JsonObject settings, int version, String changedBy,
      OffsetDateTime changedAt, Map<String, SealedSecret> secrets) {}

  record SealedSecret(byte[] sealed, String masterKeyId, JsonObject facts, OffsetDateTime changedAt) {}

  private static final String STAMP =
      "SELECT coalesce(string_agg(region || '/' || channel || '@' || version, ',' ORDER BY region, channel), '')"
          + " AS stamp FROM channel_config";
  private static final String ALL = "SELECT region, channel, settings, version, changed_by, changed_at"
      + " FROM channel_config ORDER BY region, channel";
  private static final String ONE = "SELECT region, channel, settings, version, changed_by, changed_at"
      + " FROM channel_config WHERE region = $1 AND channel = $2";
  private static final String SECRETS = "SELECT region, channel, field, sealed, master_key_id, facts, changed_at"
      + " FROM channel_secret WHERE ($1::text IS NULL OR (region = $1 AND channel = $2))";
  private static final String REGION = "SELECT 1 FROM region WHERE code = $1";
  private static final String LOCK = "SELECT version FROM channel_config WHERE region = $1 AND channel = $2 FOR UPDATE";
  private static final String UPSERT = """
      INSERT INTO channel_config (region, channel, settings, version, changed_by)
      VALUES ($1, $2, $3::jsonb, $4, $5)
      ON CONFLICT (region, channel) DO UPDATE SET settings = EXCLUDED.settings, version = EXCLUDED.version,
        changed_by = EXCLUDED.changed_by, changed_at = now()
      """;
  private static final String UPSERT_SECRET = """
      INSERT INTO channel_secret (region, channel, field, sealed, master_key_id, facts)
      VALUES ($1, $2, $3, $4, $5, $6::jsonb)
      ON CONFLICT (region, channel, field) DO UPDATE SET sealed = EXCLUDED.sealed,
        master_key_id = EXCLUDED.master_key_id, facts = EXCLUDED.facts, changed_at = now()
      """;
  private static final String AUDIT = "INSERT INTO channel_config_audit (region, channel, version, client_id, fields,"
      + " secret_fields) VALUES ($1, $2, $3, $4, $5, $6)";
  private static final String AUDIT_OF = "SELECT version, client_id, changed_at, fields, secret_fields"
      + " FROM channel_config_audit WHERE region = $1 AND channel = $2 ORDER BY version";

  private final Pool pool;

  ChannelConfigRepository(Pool pool) {
    this.pool = pool;
  }

  Future<String> stamp() {
    return pool.query(STAMP).execute().map(rows -> rows.iterator().next().getString("stamp"));
  }

  Future<Boolean> regionExists(String region) {
    return pool.preparedQuery(REGION).execute(Tuple.of(region)).map(rows -> rows.size() == 1);
  }

  Future<List<Stored>> all() {
    return pool.query(ALL).execute().compose(rows -> secrets(null, null).map(secrets -> {
      List<Stored> all = new ArrayList<>();
      rows.forEach(row -> all.add(stored(row, secrets.getOrDefault(key(row), Map.of()))));
      return all;
    }));
  }

  Future<Optional<Stored>> find(String region, String channel) {
    return pool.preparedQuery(ONE).execute(Tuple.of(region, channel)).compose(rows -> rows.size() == 0
        ? Future.succeededFuture(Optional.<Stored>empty())
        : secrets(region, channel).map(secrets -> Optional.of(stored(rows.iterator().next(),
            secrets.getOrDefault(region + "/" + channel, Map.of())))));
  }

  private Future<Map<String, Map<String, SealedSecret>>> secrets(String region, String channel) {
    return pool.preparedQuery(SECRETS).execute(Tuple.of(region, channel)).map(rows -> {
      Map<String, Map<String, SealedSecret>> all = new LinkedHashMap<>();
      for (Row row : rows) {
        all.computeIfAbsent(key(row), k -> new LinkedHashMap<>()).put(row.getString("field"),
            new SealedSecret(row.getBuffer("sealed").getBytes(), row.getString("master_key_id"),
                (JsonObject) row.getValue("facts"), row.getOffsetDateTime("changed_at")));
      }
      return all;
    });
  }

  private static String key(Row row) {
    return row.getString("region") + "/" + row.getString("channel");
  }

  private static Stored stored(Row row, Map<String, SealedSecret> secrets) {
    return new Stored(row.getString("region"), row.getString("channel"), (JsonObject) row.getValue("settings"),
        row.getInteger("version"), row.getString("changed_by"), row.getOffsetDateTime("changed_at"), secrets);
  }

  /** A secret sealed for its row, with what may be shown of it. */
  record NewSecret(String field, byte[] sealed, String masterKeyId, JsonObject facts) {}

  /**
   * Writes the configuration as version {@code basedOn + 1}, the given secrets and the audit line
   * in one transaction; fails on a concurrent change (the version moved since it was read).
   */
  Future<Integer> save(String region, String channel, JsonObject settings, List<NewSecret> secrets,
      int basedOn, String clientId, List<String> fields) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK).execute(Tuple.of(region, channel))
        .compose(rows -> {
          int current = rows.size() == 0 ? 0 : rows.iterator().next().getInteger("version");
          if (current != basedOn) {
            return Future.failedFuture(new IllegalStateException("changed concurrently"));
          }
          int version = current + 1;
          return conn.preparedQuery(UPSERT).execute(Tuple.of(region, channel, settings, version, clientId))
              .compose(v -> writeSecrets(conn, region, channel, secrets))
              .compose(v -> conn.preparedQuery(AUDIT).execute(Tuple.of(region, channel, version, clientId,
                  fields.toArray(String[]::new), secrets.stream().map(NewSecret::field).toArray(String[]::new))))
              .map(version);
        }));
  }

  private static Future<Void> writeSecrets(SqlConnection conn, String region, String channel, List<NewSecret> secrets) {
    if (secrets.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> batch = new ArrayList<>();
    secrets.forEach(s -> batch.add(Tuple.of(region, channel, s.field(), io.vertx.core.buffer.Buffer.buffer(s.sealed()),
        s.masterKeyId(), s.facts())));
    return conn.preparedQuery(UPSERT_SECRET).executeBatch(batch).mapEmpty();
  }

  Future<JsonArray> audit(String region, String channel) {
    return pool.preparedQuery(AUDIT_OF).execute(Tuple.of(region, channel)).map(rows -> {
      JsonArray changes = new JsonArray();
      rows.forEach(row -> changes.add(new JsonObject().put("version", row.getInteger("version"))
          .put("by", row.getString("client_id")).put("at", row.getOffsetDateTime("changed_at").toString())
          .put("fields", new JsonArray(List.of(row.getArrayOfStrings("fields"))))
          .put("secret_fields", new JsonArray(List.of(row.getArrayOfStrings("secret_fields"))))));
      return changes;
    });
  }
}
