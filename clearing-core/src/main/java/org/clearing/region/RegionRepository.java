package org.clearing.region;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.clearing.channel.Channel;
import org.clearing.routing.ItemKind;
import org.clearing.routing.Lifecycle;
import org.clearing.routing.PayeeSide;

/** The statements behind {@link Regions}; each runs in the caller's transaction. */
final class RegionRepository {

  private static final String LOCK_REGION =
      "SELECT code, name, status, version, changed_at, changed_by FROM region WHERE code = $1 FOR UPDATE";
  private static final String SELECT_REGION =
      "SELECT code, name, status, version, changed_at, changed_by FROM region WHERE code = $1";
  private static final String SELECT_REGIONS =
      "SELECT code, name, status, version, changed_at, changed_by FROM region ORDER BY code";
  private static final String SELECT_ACCOUNTS = """
      SELECT account_id, side, name, bank_name, account_no, treasury_code, status
      FROM payee_account WHERE region = $1 ORDER BY account_id
      """;
  private static final String SELECT_RECEIVERS = """
      SELECT r.payee_account_id, r.channel, r.channel_account
      FROM payee_channel_account r JOIN payee_account a ON a.account_id = r.payee_account_id
      WHERE a.region = $1
      """;
  private static final String SELECT_ROUTES = """
      SELECT kind, payee_account_id, tax_office_code, budget_subject_code, budget_level,
             collecting_unit_code, income_item_code
      FROM route WHERE region = $1
      """;
  private static final String ACCOUNTS_ELSEWHERE =
      "SELECT account_id, region FROM payee_account WHERE account_id = ANY($1::text[]) AND region <> $2";
  private static final String RECEIVERS_ELSEWHERE = """
      SELECT r.channel, r.channel_account, r.payee_account_id
      FROM payee_channel_account r JOIN payee_account a ON a.account_id = r.payee_account_id
      JOIN unnest($1::text[], $2::text[]) AS x(channel, channel_account)
        ON x.channel = r.channel AND x.channel_account = r.channel_account
      WHERE a.region <> $3
      """;
  private static final String INSERT_REGION =
      "INSERT INTO region (code, name, version, changed_at, changed_by) VALUES ($1, $2, 1, now(), $3)";
  private static final String UPDATE_REGION = """
      UPDATE region SET name = $2, status = $3, version = version + 1, changed_at = now(), changed_by = $4
      WHERE code = $1 RETURNING version
      """;
  private static final String INSERT_ACCOUNT = """
      INSERT INTO payee_account (account_id, region, side, name, bank_name, account_no, treasury_code, status)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      """;
  private static final String UPDATE_ACCOUNT_STATUS =
      "UPDATE payee_account SET status = $2 WHERE account_id = $1 AND region = $3";
  private static final String INSERT_RECEIVER =
      "INSERT INTO payee_channel_account (payee_account_id, channel, channel_account) VALUES ($1, $2, $3)";
  private static final String DELETE_ROUTES_NOT_OFFERED =
      "DELETE FROM route WHERE region = $1 AND NOT (kind = ANY($2::text[]))";
  private static final String UPSERT_ROUTE = """
      INSERT INTO route (region, kind, payee_account_id, tax_office_code, budget_subject_code, budget_level,
                         collecting_unit_code, income_item_code)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (region, kind) DO UPDATE SET payee_account_id = EXCLUDED.payee_account_id,
        tax_office_code = EXCLUDED.tax_office_code, budget_subject_code = EXCLUDED.budget_subject_code,
        budget_level = EXCLUDED.budget_level, collecting_unit_code = EXCLUDED.collecting_unit_code,
        income_item_code = EXCLUDED.income_item_code
      """;
  private static final String INSERT_AUDIT = """
      INSERT INTO region_audit (region, version, action, client_id, changes)
      VALUES ($1, $2, $3, $4, $5::jsonb)
      """;
  /** A region's changes are few (a handful a year); the bound only keeps one answer bounded. */
  static final int AUDIT_ROWS_MAX = 1_000;
  private static final String SELECT_AUDIT = """
      SELECT version, action, client_id, changed_at, changes FROM region_audit
      WHERE region = $1 ORDER BY version LIMIT
      """ + AUDIT_ROWS_MAX;

  /** A region's row: its name, status, version and who changed it last. */
  record Header(String code, String name, Lifecycle status, int version, OffsetDateTime changedAt,
      String changedBy) {}

  /** One audit row. */
  record AuditRow(int version, String action, String clientId, OffsetDateTime changedAt, JsonArray changes) {}

  private RegionRepository() {}

  static Future<Optional<Header>> lock(SqlClient client, String code) {
    return client.preparedQuery(LOCK_REGION).execute(Tuple.of(code))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(header(rows.iterator().next())));
  }

  static Future<Optional<Header>> header(SqlClient client, String code) {
    return client.preparedQuery(SELECT_REGION).execute(Tuple.of(code))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(header(rows.iterator().next())));
  }

  static Future<List<Header>> headers(SqlClient client) {
    return client.query(SELECT_REGIONS).execute().map(rows -> {
      List<Header> all = new ArrayList<>();
      rows.forEach(row -> all.add(header(row)));
      return all;
    });
  }

  /** The region as stored, in the shape of a request; its kinds are the kinds it routes. */
  static Future<RegionSpec> read(SqlClient client, Header header) {
    Map<String, Map<Channel, String>> receivers = new HashMap<>();
    List<RegionSpec.Account> accounts = new ArrayList<>();
    return client.preparedQuery(SELECT_RECEIVERS).execute(Tuple.of(header.code()))
        .compose(rows -> {
          rows.forEach(row -> receivers.computeIfAbsent(row.getString("payee_account_id"),
                  id -> new EnumMap<>(Channel.class))
              .put(Channel.fromCode(row.getString("channel")).orElseThrow(), row.getString("channel_account")));
          return client.preparedQuery(SELECT_ACCOUNTS).execute(Tuple.of(header.code()));
        })
        .compose(rows -> {
          rows.forEach(row -> accounts.add(new RegionSpec.Account(
              row.getString("account_id"), PayeeSide.valueOf(row.getString("side")), row.getString("name"),
              row.getString("bank_name"), row.getString("account_no"), row.getString("treasury_code"),
              Lifecycle.valueOf(row.getString("status")),
              receivers.getOrDefault(row.getString("account_id"), Map.of()))));
          return client.preparedQuery(SELECT_ROUTES).execute(Tuple.of(header.code()));
        })
        .map(rows -> {
          Map<ItemKind, RegionSpec.RouteSpec> routes = new EnumMap<>(ItemKind.class);
          for (Row row : rows) {
            ItemKind kind = ItemKind.parse(row.getString("kind")).orElseThrow(() ->
                new IllegalStateException("route of region " + header.code() + " names an unknown kind"));
            routes.put(kind, new RegionSpec.RouteSpec(kind, row.getString("payee_account_id"),
                row.getString("tax_office_code"), row.getString("budget_subject_code"),
                row.getString("budget_level"), row.getString("collecting_unit_code"),
                row.getString("income_item_code")));
          }
          return new RegionSpec(header.code(), header.name(), List.copyOf(routes.keySet()), accounts,
              List.copyOf(routes.values()));
        });
  }

  /** Account id → the other region holding it, for the spec's accounts held outside its region. */
  static Future<Map<String, String>> accountsElsewhere(SqlClient client, RegionSpec spec) {
    String[] ids = spec.accounts().stream().map(RegionSpec.Account::accountId).toArray(String[]::new);
    return client.preparedQuery(ACCOUNTS_ELSEWHERE).execute(Tuple.tuple().addArrayOfString(ids).addString(spec.code()))
        .map(rows -> {
          Map<String, String> taken = new HashMap<>();
          rows.forEach(row -> taken.put(row.getString("account_id"), row.getString("region")));
          return taken;
        });
  }

  /** Channel → receiver → the other region's account holding it, for the spec's receivers. */
  static Future<Map<Channel, Map<String, String>>> receiversElsewhere(SqlClient client, RegionSpec spec) {
    List<String> channels = new ArrayList<>();
    List<String> receivers = new ArrayList<>();
    spec.accounts().forEach(account -> account.receivers().forEach((channel, receiver) -> {
      channels.add(channel.code());
      receivers.add(receiver);
    }));
    return client.preparedQuery(RECEIVERS_ELSEWHERE).execute(Tuple.tuple()
            .addArrayOfString(channels.toArray(String[]::new)).addArrayOfString(receivers.toArray(String[]::new))
            .addString(spec.code()))
        .map(rows -> {
          Map<Channel, Map<String, String>> taken = new EnumMap<>(Channel.class);
          rows.forEach(row -> taken.computeIfAbsent(Channel.fromCode(row.getString("channel")).orElseThrow(),
              c -> new HashMap<>()).put(row.getString("channel_account"), row.getString("payee_account_id")));
          return taken;
        });
  }

  static Future<Void> insertRegion(SqlClient client, RegionSpec spec, String clientId) {
    return client.preparedQuery(INSERT_REGION).execute(Tuple.of(spec.code(), spec.name(), clientId)).mapEmpty();
  }

  /** Sets the name and status and raises the version; the new version. */
  static Future<Integer> updateRegion(SqlClient client, String code, String name, Lifecycle status,
      String clientId) {
    return client.preparedQuery(UPDATE_REGION).execute(Tuple.of(code, name, status.name(), clientId))
        .map(rows -> rows.iterator().next().getInteger("version"));
  }

  /**
   * Writes what {@code after} adds to {@code before}: new accounts, accounts' new statuses, new
   * receivers, and the routes as they are now (routes of kinds no longer offered dropped). Nothing
   * else changes: {@link RegionRules} refused any other difference.
   */
  static Future<Void> writeAccountsAndRoutes(SqlClient client, RegionSpec before, RegionSpec after) {
    Map<String, RegionSpec.Account> old = new LinkedHashMap<>();
    before.accounts().forEach(account -> old.put(account.accountId(), account));
    List<Tuple> newAccounts = new ArrayList<>();
    List<Tuple> statuses = new ArrayList<>();
    List<Tuple> newReceivers = new ArrayList<>();
    for (RegionSpec.Account account : after.accounts()) {
      RegionSpec.Account was = old.get(account.accountId());
      if (was == null) {
        newAccounts.add(Tuple.of(account.accountId(), after.code(), account.side().name(), account.name(),
            account.bankName(), account.accountNo(), account.treasuryCode(), account.status().name()));
      } else if (was.status() != account.status()) {
        statuses.add(Tuple.of(account.accountId(), account.status().name(), after.code()));
      }
      account.receivers().forEach((channel, receiver) -> {
        if (was == null || !was.receivers().containsKey(channel)) {
          newReceivers.add(Tuple.of(account.accountId(), channel.code(), receiver));
        }
      });
    }
    List<Tuple> routes = after.routes().stream().map(route -> Tuple.of(after.code(), route.kind().name(),
        route.accountId(), route.taxOfficeCode(), route.budgetSubjectCode(), route.budgetLevel(),
        route.collectingUnitCode(), route.incomeItemCode())).toList();
    String[] offered = after.kinds().stream().map(ItemKind::name).toArray(String[]::new);
    return batch(client, INSERT_ACCOUNT, newAccounts)
        .compose(v -> batch(client, UPDATE_ACCOUNT_STATUS, statuses))
        .compose(v -> batch(client, INSERT_RECEIVER, newReceivers))
        .compose(v -> client.preparedQuery(DELETE_ROUTES_NOT_OFFERED)
            .execute(Tuple.tuple().addString(after.code()).addArrayOfString(offered)))
        .compose(v -> batch(client, UPSERT_ROUTE, routes));
  }

  static Future<Void> insertAudit(SqlClient client, String code, int version, String action,
      String clientId, JsonArray changes) {
    return client.preparedQuery(INSERT_AUDIT).execute(Tuple.of(code, version, action, clientId, changes))
        .mapEmpty();
  }

  static Future<List<AuditRow>> audit(SqlClient client, String code) {
    return client.preparedQuery(SELECT_AUDIT).execute(Tuple.of(code)).map(rows -> {
      List<AuditRow> all = new ArrayList<>();
      rows.forEach(row -> all.add(new AuditRow(row.getInteger("version"), row.getString("action"),
          row.getString("client_id"), row.getOffsetDateTime("changed_at"),
          (JsonArray) row.getValue("changes"))));
      return all;
    });
  }

  private static Future<Void> batch(SqlClient client, String sql, List<Tuple> tuples) {
    return tuples.isEmpty() ? Future.succeededFuture()
        : client.preparedQuery(sql).executeBatch(tuples).mapEmpty();
  }

  private static Header header(Row row) {
    return new Header(row.getString("code"), row.getString("name"), Lifecycle.valueOf(row.getString("status")),
        row.getInteger("version"), row.getOffsetDateTime("changed_at"), row.getString("changed_by"));
  }
}
