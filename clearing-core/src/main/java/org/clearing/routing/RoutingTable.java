package org.clearing.routing;

import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.clearing.channel.Channel;

/**
 * The routing table held in memory: (region, kind) → route, the payee accounts, and each
 * account's receiver at each channel. One table is one consistent reading of the database; after
 * an administrator's change a new table replaces it whole ({@link LiveRouting}), so a request that
 * took a table sees no half-made change.
 */
public final class RoutingTable {

  private final Map<String, String> regionNames;
  private final Set<String> retiredRegions;
  private final Map<String, Map<ItemKind, Route>> routes;
  private final Map<String, PayeeAccount> accounts;
  private final Set<String> retiredAccounts;
  private final Map<Channel, Map<String, String>> receiverByAccount;
  private final Map<Channel, Map<String, String>> accountByReceiver;

  /** A table of active regions and accounts without receivers (a pure test's). */
  public RoutingTable(
      Map<String, String> regionNames,
      Map<String, Map<ItemKind, Route>> routes,
      Map<String, PayeeAccount> accounts) {
    this(regionNames, Set.of(), routes, accounts, Set.of(), Map.of());
  }

  /**
   * @param receiverByAccount channel → payee account id → the account's identity at the channel
   */
  public RoutingTable(
      Map<String, String> regionNames,
      Set<String> retiredRegions,
      Map<String, Map<ItemKind, Route>> routes,
      Map<String, PayeeAccount> accounts,
      Set<String> retiredAccounts,
      Map<Channel, Map<String, String>> receiverByAccount) {
    this.regionNames = Map.copyOf(regionNames);
    this.retiredRegions = Set.copyOf(retiredRegions);
    this.routes = Map.copyOf(routes);
    this.accounts = Map.copyOf(accounts);
    this.retiredAccounts = Set.copyOf(retiredAccounts);
    Map<Channel, Map<String, String>> forward = new EnumMap<>(Channel.class);
    Map<Channel, Map<String, String>> reverse = new EnumMap<>(Channel.class);
    receiverByAccount.forEach((channel, byAccount) -> {
      forward.put(channel, Map.copyOf(byAccount));
      Map<String, String> byReceiver = new HashMap<>();
      byAccount.forEach((account, receiver) -> byReceiver.put(receiver, account));
      reverse.put(channel, Map.copyOf(byReceiver));
    });
    this.receiverByAccount = forward;
    this.accountByReceiver = reverse;
  }

  public boolean knowsRegion(String region) {
    return regionNames.containsKey(region);
  }

  /** A retired region takes no new orders; its existing orders carry on. */
  public boolean isRetired(String region) {
    return retiredRegions.contains(region);
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

  /** The payee account's identity at the channel, if the account can be paid through it. */
  public Optional<String> receiver(Channel channel, String accountId) {
    return Optional.ofNullable(receiverByAccount.getOrDefault(channel, Map.of()).get(accountId));
  }

  /** The payee account a channel's receiver stands for (a settlement line names the receiver). */
  public Optional<String> accountOfReceiver(Channel channel, String receiver) {
    return Optional.ofNullable(accountByReceiver.getOrDefault(channel, Map.of()).get(receiver));
  }

  /**
   * The channels the region is offered through: those at which each of its active accounts has a
   * receiver, since an order may be routed to any of them. None for a region without accounts.
   */
  public Set<Channel> offeredChannels(String region) {
    Set<Channel> offered = EnumSet.allOf(Channel.class);
    boolean any = false;
    for (PayeeAccount account : accounts.values()) {
      if (account.region().equals(region) && !retiredAccounts.contains(account.accountId())) {
        any = true;
        offered.removeIf(channel -> receiver(channel, account.accountId()).isEmpty());
      }
    }
    return any ? offered : EnumSet.noneOf(Channel.class);
  }

  /**
   * The channels an order of the region, split to {@code accountIds}, can be paid through: those
   * the region is offered through and at which every one of the order's own accounts has a
   * receiver (an order created before a change may be split to an account since retired).
   */
  public Set<Channel> offeredChannels(String region, Collection<String> accountIds) {
    Set<Channel> offered = offeredChannels(region);
    offered.removeIf(channel -> accountIds.stream().anyMatch(id -> receiver(channel, id).isEmpty()));
    return offered;
  }
}
