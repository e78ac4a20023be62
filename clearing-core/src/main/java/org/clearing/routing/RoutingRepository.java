package org.clearing.routing;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/** Loads the routing table from the database. */
public final class RoutingRepository {

  private static final String SELECT_REGIONS = "SELECT code, name FROM region";
  private static final String SELECT_ACCOUNTS =
      "SELECT account_id, region, side, name, bank_name, account_no, treasury_code FROM payee_account";
  private static final String SELECT_ROUTES =
      "SELECT region, kind, payee_account_id, tax_office_code, budget_subject_code, budget_level,"
          + " collecting_unit_code, income_item_code FROM route";

  private final Pool pool;

  public RoutingRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<RoutingTable> load() {
    Map<String, String> regions = new HashMap<>();
    Map<String, PayeeAccount> accounts = new HashMap<>();
    Map<String, Map<ItemKind, Route>> routes = new HashMap<>();
    return pool.query(SELECT_REGIONS).execute()
        .compose(rows -> {
          rows.forEach(row -> regions.put(row.getString("code"), row.getString("name")));
          return pool.query(SELECT_ACCOUNTS).execute();
        })
        .compose(rows -> {
          rows.forEach(row -> accounts.put(row.getString("account_id"), account(row)));
          return pool.query(SELECT_ROUTES).execute();
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
          return new RoutingTable(regions, routes, accounts);
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
