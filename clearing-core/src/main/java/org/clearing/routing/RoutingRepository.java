package org.clearing.routing;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.clearing.channel.Channel;

/** Loads the routing table from the database. */
public final class RoutingRepository {

  private static final String SELECT_REGIONS = "SELECT code, name, status FROM region";
  private static final String SELECT_ACCOUNTS =
      "SELECT account_id, region, side, name, bank_name, account_no, treasury_code, status FROM payee_account";
  private static final String SELECT_ROUTES =
      "SELECT region, kind, payee_account_id, tax_office_code, budget_subject_code, budget_level,"
          + " collecting_unit_code, income_item_code FROM route";
  private static final String SELECT_RECEIVERS =
      "SELECT payee_account_id, channel, channel_account FROM payee_channel_account";
  /**
   * What changes whenever a region is added or changed: every change raises its region's version,
   * so the pair only grows. An engine compares it to notice another engine's change.
   */
  private static final String SELECT_STAMP =
      "SELECT count(*) || ':' || coalesce(sum(version), 0) AS stamp FROM region";

  private final Pool pool;

  public RoutingRepository(Pool pool) {
    this.pool = pool;
  }

  /** The current stamp of the regions (see {@link LiveRouting}). */
  public Future<String> stamp() {
    return pool.query(SELECT_STAMP).execute().map(rows -> rows.iterator().next().getString("stamp"));
  }

  /** One consistent reading: the four queries run in one repeatable-read transaction. */
  public Future<RoutingTable> load() {
    return pool.withTransaction(tx -> tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute().compose(v -> load(tx)));
  }

  private static Future<RoutingTable> load(SqlClient client) {
    Map<String, String> regions = new HashMap<>();
    Set<String> retiredRegions = new HashSet<>();
    Map<String, PayeeAccount> accounts = new HashMap<>();
    Set<String> retiredAccounts = new HashSet<>();
    Map<String, Map<ItemKind, Route>> routes = new HashMap<>();
    Map<Channel, Map<String, String>> receivers = new EnumMap<>(Channel.class);
    return client.query(SELECT_REGIONS).execute()
        .compose(rows -> {
          rows.forEach(row -> {
            regions.put(row.getString("code"), row.getString("name"));
            if (Lifecycle.valueOf(row.getString("status")) == Lifecycle.RETIRED) {
              retiredRegions.add(row.getString("code"));
            }
          });
          return client.query(SELECT_ACCOUNTS).execute();
        })
        .compose(rows -> {
          rows.forEach(row -> {
            accounts.put(row.getString("account_id"), account(row));
            if (Lifecycle.valueOf(row.getString("status")) == Lifecycle.RETIRED) {
              retiredAccounts.add(row.getString("account_id"));
            }
          });
          return client.query(SELECT_RECEIVERS).execute();
        })
        .compose(rows -> {
          for (Row row : rows) {
            Channel channel = Channel.fromCode(row.getString("channel")).orElseThrow();
            receivers.computeIfAbsent(channel, c -> new HashMap<>())
                .put(row.getString("payee_account_id"), row.getString("channel_account"));
          }
          return client.query(SELECT_ROUTES).execute();
        })
        .map(rows -> {
          for (Row row : rows) {
            ItemKind kind = ItemKind.parse(row.getString("kind"))
                .orElseThrow(() -> new IllegalStateException(
                    "routing table names an unknown kind: " + row.getString("kind")));
            PayeeAccount account = accounts.get(row.getString("payee_account_id"));
            routes.computeIfAbsent(row.getString("region"), r -> new EnumMap<>(ItemKind.class))
                .put(kind, new Route(
                    row.getString("region"), kind, account,
                    row.getString("tax_office_code"), row.getString("budget_subject_code"),
                    row.getString("budget_level"), row.getString("collecting_unit_code"),
                    row.getString("income_item_code")));
          }
          return new RoutingTable(regions, retiredRegions, routes, accounts, retiredAccounts, receivers);
        });
  }

  private static PayeeAccount account(Row row) {
    return new PayeeAccount(
        row.getString("account_id"),
        row.getString("region"),
        PayeeSide.valueOf(row.getString("side")),
        row.getString("name"),
        row.getString("bank_name"),
        row.getString("account_no"),
        row.getString("treasury_code") == null ? "" : row.getString("treasury_code"));
  }
}
