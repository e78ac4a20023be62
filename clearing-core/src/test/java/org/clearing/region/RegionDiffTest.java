package org.clearing.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.routing.ItemKind;
import org.clearing.routing.Lifecycle;
import org.clearing.routing.PayeeSide;
import org.junit.jupiter.api.Test;

/**
 * The audit names exactly the fields a change touched, and the rules refuse exactly the changes
 * that would move what an existing order points at: an account's details, its receivers, the
 * account itself.
 */
class RegionDiffTest {

  private static final RegionSpec.Account TREASURY = new RegionSpec.Account("TRE-9", PayeeSide.TREASURY,
      "国库", "人行", "270341502000001", "3415020000", Lifecycle.ACTIVE, Map.of(Channel.WECHAT, "1934150201"));
  private static final RegionSpec.Account NON_TAX = new RegionSpec.Account("NTX-9", PayeeSide.NON_TAX,
      "非税", "建行", "3405341502000002", null, Lifecycle.ACTIVE, Map.of(Channel.WECHAT, "1934150202"));
  private static final RegionSpec.RouteSpec DEED_TAX =
      new RegionSpec.RouteSpec(ItemKind.DEED_TAX, "TRE-9", null, "10119", "4", null, null);
  private static final RegionSpec.RouteSpec FEE =
      new RegionSpec.RouteSpec(ItemKind.REGISTRATION_FEE, "NTX-9", null, null, null, "0150201", "103043211");
  private static final RegionSpec BEFORE = new RegionSpec("341502", "金安区",
      List.of(ItemKind.DEED_TAX, ItemKind.REGISTRATION_FEE), List.of(TREASURY, NON_TAX), List.of(DEED_TAX, FEE));

  @Test
  void theSameRegionListedInAnotherOrderIsNoChange() {
    RegionSpec reordered = new RegionSpec("341502", "金安区", List.of(ItemKind.REGISTRATION_FEE, ItemKind.DEED_TAX),
        List.of(NON_TAX, TREASURY), List.of(FEE, DEED_TAX));

    assertEquals(List.of(), RegionDiff.between(BEFORE, reordered));
    assertEquals(List.of(), RegionRules.checkChange(BEFORE, reordered));
  }

  @Test
  void aNewAccountARetiredOneAReceiverAddedAndARouteMovedAreEachOneField() {
    RegionSpec.Account added = new RegionSpec.Account("NTX-10", PayeeSide.NON_TAX, "新非税", "建行",
        "3405341502000003", null, Lifecycle.ACTIVE, Map.of(Channel.WECHAT, "1934150203"));
    RegionSpec.Account retired = new RegionSpec.Account("NTX-9", PayeeSide.NON_TAX, "非税", "建行",
        "3405341502000002", null, Lifecycle.RETIRED, Map.of(Channel.WECHAT, "1934150202"));
    RegionSpec.Account withAlipay = new RegionSpec.Account("TRE-9", PayeeSide.TREASURY, "国库", "人行",
        "270341502000001", "3415020000", Lifecycle.ACTIVE,
        Map.of(Channel.WECHAT, "1934150201", Channel.ALIPAY, "2088003415020001"));
    RegionSpec after = new RegionSpec("341502", "金安区", List.of(ItemKind.DEED_TAX, ItemKind.REGISTRATION_FEE),
        List.of(withAlipay, retired, added), List.of(DEED_TAX,
            new RegionSpec.RouteSpec(ItemKind.REGISTRATION_FEE, "NTX-10", null, null, null, "0150201", "103043211")));

    List<RegionDiff.Change> changes = RegionDiff.between(BEFORE, after);

    assertEquals(List.of("accounts.TRE-9.receivers.alipay", "accounts.NTX-9.status", "accounts.NTX-10",
        "routes.REGISTRATION_FEE.account_id"), changes.stream().map(RegionDiff.Change::field).toList());
    assertEquals("NTX-9", changes.get(3).from());
    assertEquals("NTX-10", changes.get(3).to());
    assertEquals(List.of(), RegionRules.checkChange(BEFORE, after));
  }

  @Test
  void changingAnAccountsDetailsOrReceiverOrDroppingItIsRefused() {
    RegionSpec.Account renumbered = new RegionSpec.Account("NTX-9", PayeeSide.NON_TAX, "非税", "建行",
        "3405341502999999", null, Lifecycle.ACTIVE, Map.of(Channel.WECHAT, "1934150299"));
    RegionSpec changed = new RegionSpec("341502", "金安区", BEFORE.kinds(), List.of(TREASURY, renumbered), BEFORE.routes());
    RegionSpec dropped = new RegionSpec("341502", "金安区", List.of(ItemKind.DEED_TAX), List.of(TREASURY), List.of(DEED_TAX));

    assertEquals(List.of("accounts[1].account_no", "accounts[1].receivers.wechat"),
        RegionRules.checkChange(BEFORE, changed).stream().map(e -> e.field()).toList());
    assertEquals(List.of("accounts"), RegionRules.checkChange(BEFORE, dropped).stream().map(e -> e.field()).toList());
    assertTrue(RegionRules.checkChange(BEFORE, dropped).get(0).reason().contains("NTX-9"));
  }
}
