package org.clearing.routing;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The routing table held in memory: (region, kind) → route. It is loaded from the database at
 * start; the table is configuration and changes only through migrations or an operator.
 */
public final class RoutingTable {

  private final Map<String, String> regionNames;
  private final Map<String, Map<ItemKind, Route>> routes;
  private final Map<String, PayeeAccount> accounts;

  public RoutingTable(
      Map<String, String> regionNames,
      Map<String, Map<ItemKind, Route>> routes,
      Map<String, PayeeAccount> accounts) {
    this.regionNames = Map.copyOf(regionNames);
    this.routes = Map.copyOf(routes);
    this.accounts = Map.copyOf(accounts);
  }

  public boolean knowsRegion(String region) {
    return regionNames.containsKey(region);
  }

  public Set<String> regions() {
    return regionNames.keySet();
  }

  public String regionName(String region) {
    return regionNames.getOrDefault(region, region);
  }

  public Optional<Route> route(String region, ItemKind kind) {
    return Optional.ofNullable(routes.getOrDefault(region, Map.of()).get(kind));
  }

  public Optional<PayeeAccount> account(String accountId) {
    return Optional.ofNullable(accounts.get(accountId));
  }
}
