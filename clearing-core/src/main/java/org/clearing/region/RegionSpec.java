package org.clearing.region;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.clearing.channel.Channel;
import org.clearing.routing.ItemKind;
import org.clearing.routing.Lifecycle;
import org.clearing.routing.PayeeSide;

/**
 * A region as an administrator describes it, whole: the kinds it offers, its payee accounts with
 * their receivers at the channels, and a route for each kind. The same shape is read from a
 * request and from the database, so a change is checked and audited by comparing two of them.
 */
public record RegionSpec(
    String code,
    String name,
    List<ItemKind> kinds,
    List<Account> accounts,
    List<RouteSpec> routes) {

  public RegionSpec {
    kinds = List.copyOf(kinds);
    accounts = List.copyOf(accounts);
    routes = List.copyOf(routes);
  }

  /** A payee account; {@code treasuryCode} is null on the non-tax side. */
  public record Account(
      String accountId,
      PayeeSide side,
      String name,
      String bankName,
      String accountNo,
      String treasuryCode,
      Lifecycle status,
      Map<Channel, String> receivers) {

    public Account {
      receivers = receivers.isEmpty() ? Map.of() : new EnumMap<>(receivers);
    }

    public JsonObject toJson() {
      JsonObject byChannel = new JsonObject();
      receivers.forEach((channel, receiver) -> byChannel.put(channel.code(), receiver));
      JsonObject json = new JsonObject()
          .put("account_id", accountId)
          .put("side", side.name())
          .put("name", name)
          .put("bank_name", bankName)
          .put("account_no", accountNo);
      if (treasuryCode != null) {
        json.put("treasury_code", treasuryCode);
      }
      return json.put("status", status.name()).put("receivers", byChannel);
    }
  }

  /**
   * Where a kind goes, with the standing codes its receiving body needs: tax office, budget
   * subject and level on the treasury side; collecting unit and income item on the non-tax side.
   */
  public record RouteSpec(
      ItemKind kind,
      String accountId,
      String taxOfficeCode,
      String budgetSubjectCode,
      String budgetLevel,
      String collectingUnitCode,
      String incomeItemCode) {

    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("kind", kind.name()).put("account_id", accountId);
      putIfPresent(json, "tax_office_code", taxOfficeCode);
      putIfPresent(json, "budget_subject_code", budgetSubjectCode);
      putIfPresent(json, "budget_level", budgetLevel);
      putIfPresent(json, "collecting_unit_code", collectingUnitCode);
      putIfPresent(json, "income_item_code", incomeItemCode);
      return json;
    }
  }

  /**
   * The channels the region is offered through: those at which each of its active accounts has a
   * receiver. None without an active account.
   */
  public Set<Channel> offeredChannels() {
    Set<Channel> offered = EnumSet.allOf(Channel.class);
    boolean any = false;
    for (Account account : accounts) {
      if (account.status() == Lifecycle.ACTIVE) {
        any = true;
        offered.retainAll(account.receivers().keySet());
      }
    }
    return any ? offered : EnumSet.noneOf(Channel.class);
  }

  public JsonObject toJson() {
    JsonArray kindNames = new JsonArray();
    kinds.forEach(kind -> kindNames.add(kind.name()));
    JsonArray accountList = new JsonArray();
    accounts.forEach(account -> accountList.add(account.toJson()));
    JsonArray routeList = new JsonArray();
    routes.forEach(route -> routeList.add(route.toJson()));
    JsonArray channels = new JsonArray();
    offeredChannels().forEach(channel -> channels.add(channel.code()));
    return new JsonObject()
        .put("code", code)
        .put("name", name)
        .put("kinds", kindNames)
        .put("accounts", accountList)
        .put("routes", routeList)
        .put("offered_channels", channels);
  }

  private static void putIfPresent(JsonObject json, String name, String value) {
    if (value != null) {
      json.put(name, value);
    }
  }
}
