package org.clearing.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.order.NewOrder;
import org.clearing.order.OrderDraft;
import org.junit.jupiter.api.Test;

/**
 * The routing table derives what it offers from data: a channel is offered for a region only
 * where each of its active accounts has a receiver, and for an order only where each of its own
 * accounts has one too; a retired region drafts no order.
 */
class RoutingTableTest {

  private static final PayeeAccount TREASURY = new PayeeAccount(
      "TRE-9", "341502", PayeeSide.TREASURY, "国库", "人行", "1", "3415020000");
  private static final PayeeAccount NON_TAX = new PayeeAccount(
      "NTX-9", "341502", PayeeSide.NON_TAX, "非税", "建行", "2", "");
  private static final PayeeAccount OLD_NON_TAX = new PayeeAccount(
      "NTX-8", "341502", PayeeSide.NON_TAX, "旧非税", "建行", "3", "");

  private static RoutingTable table(Set<String> retiredRegions, Set<String> retiredAccounts,
      Map<Channel, Map<String, String>> receivers) {
    Map<ItemKind, Route> routes = new EnumMap<>(ItemKind.class);
    routes.put(ItemKind.DEED_TAX, new Route("341502", ItemKind.DEED_TAX, TREASURY, null, "10119", "4", null, null));
    routes.put(ItemKind.REGISTRATION_FEE,
        new Route("341502", ItemKind.REGISTRATION_FEE, NON_TAX, null, null, null, "0150201", "103043211"));
    return new RoutingTable(Map.of("341502", "金安区"), retiredRegions, Map.of("341502", routes),
        Map.of("TRE-9", TREASURY, "NTX-9", NON_TAX, "NTX-8", OLD_NON_TAX), retiredAccounts, receivers);
  }

  private static final Map<Channel, Map<String, String>> NO_UNIONPAY_FOR_NTX9 = Map.of(
      Channel.WECHAT, Map.of("TRE-9", "1900000901", "NTX-9", "1900000902", "NTX-8", "1900000903"),
      Channel.ALIPAY, Map.of("TRE-9", "2088000000000901", "NTX-9", "2088000000000902"),
      Channel.UNIONPAY, Map.of("TRE-9", "898340100000901", "NTX-8", "898340100000903"));

  @Test
  void aChannelIsOfferedOnlyWhereEveryActiveAccountOfTheRegionHasAReceiver() {
    RoutingTable table = table(Set.of(), Set.of("NTX-8"), NO_UNIONPAY_FOR_NTX9);

    assertEquals(EnumSet.of(Channel.WECHAT, Channel.ALIPAY), table.offeredChannels("341502"));
    assertEquals(EnumSet.noneOf(Channel.class), table.offeredChannels("341599"));
    assertEquals("NTX-9", table.accountOfReceiver(Channel.WECHAT, "1900000902").orElseThrow());
  }

  @Test
  void anActiveAccountWithoutAReceiverWithdrawsTheChannelFromTheRegion() {
    RoutingTable table = table(Set.of(), Set.of(), NO_UNIONPAY_FOR_NTX9);

    assertEquals(EnumSet.of(Channel.WECHAT), table.offeredChannels("341502"),
        "NTX-8 is active and has no Alipay receiver; NTX-9 has no UnionPay receiver");
  }

  @Test
  void anOrderIsOfferedOnlyTheChannelsAtWhichEachOfItsOwnAccountsHasAReceiver() {
    RoutingTable table = table(Set.of(), Set.of("NTX-8"), NO_UNIONPAY_FOR_NTX9);

    assertEquals(EnumSet.of(Channel.WECHAT), table.offeredChannels("341502", List.of("TRE-9", "NTX-8")),
        "an old order split to the retired NTX-8, which has no Alipay receiver");
    assertEquals(EnumSet.of(Channel.WECHAT, Channel.ALIPAY), table.offeredChannels("341502", List.of("TRE-9")));
  }

  @Test
  void aRetiredRegionDraftsNoOrderAndSaysWhy() {
    NewOrder request = new NewOrder("C1", "341502", "张三", "341500199001011234",
        List.of(new NewOrder.NewLine(ItemKind.DEED_TAX, Money.ofFen(100), null, null, null)), 3600);

    assertInstanceOf(OrderDraft.Drafted.class, OrderDraft.of(request, table(Set.of(), Set.of(), Map.of())));
    OrderDraft.Invalid refused = assertInstanceOf(OrderDraft.Invalid.class,
        OrderDraft.of(request, table(Set.of("341502"), Set.of(), Map.of())));
    assertEquals("region", refused.errors().get(0).field());
    assertEquals("region 341502 is retired and takes no new orders", refused.errors().get(0).reason());
  }
}
