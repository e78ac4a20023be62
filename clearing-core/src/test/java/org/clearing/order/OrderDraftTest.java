package org.clearing.order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.clearing.channel.Money;
import org.clearing.routing.ItemKind;
import org.clearing.routing.PayeeAccount;
import org.clearing.routing.PayeeSide;
import org.clearing.routing.Route;
import org.clearing.routing.RoutingTable;
import org.clearing.split.Leg;
import org.junit.jupiter.api.Test;

/**
 * Routing and splitting are exact: whatever the lines, legs are one per payee account and sum to
 * the total to the fen; codes that do not apply to a line's side are refused.
 */
class OrderDraftTest {

  private static final PayeeAccount TREASURY = new PayeeAccount(
      "TRE-1", "341500", PayeeSide.TREASURY, "国库", "人行", "1", "3415000000");
  private static final PayeeAccount NON_TAX = new PayeeAccount(
      "NTX-1", "341500", PayeeSide.NON_TAX, "非税", "建行", "2", "");
  private static final RoutingTable ROUTING = routing();

  private static RoutingTable routing() {
    Map<ItemKind, Route> routes = new EnumMap<>(ItemKind.class);
    for (ItemKind kind : ItemKind.values()) {
      boolean tax = kind.ordinal() < ItemKind.REGISTRATION_FEE.ordinal();
      routes.put(kind, new Route("341500", kind, tax ? TREASURY : NON_TAX,
          tax ? "13415000000" : null, tax ? "10119" : null, tax ? "3" : null,
          tax ? null : "0150101", tax ? null : "103043211"));
    }
    return new RoutingTable(Map.of("341500", "六安市"), Map.of("341500", routes),
        Map.of("TRE-1", TREASURY, "NTX-1", NON_TAX));
  }

  @Provide
  Arbitrary<List<NewOrder.NewLine>> lines() {
    return Arbitraries.of(ItemKind.class).flatMap(kind ->
        Arbitraries.longs().between(1, NewOrder.LINE_AMOUNT_FEN_MAX / 50).map(fen ->
            new NewOrder.NewLine(kind, Money.ofFen(fen), null, null, null)))
        .list().ofMinSize(1).ofMaxSize(NewOrder.LINES_MAX);
  }

  @Property
  void legsSumToTheTotalAndAreOnePerAccount(
      @ForAll("lines") List<NewOrder.NewLine> lines) {
    NewOrder request = new NewOrder("C1", "341500", "张三", "341500199001011234", lines, 3600);

    OrderDraft draft = ((OrderDraft.Drafted) OrderDraft.of(request, ROUTING)).draft();

    long linesFen = lines.stream().mapToLong(l -> l.amount().fen()).sum();
    long legsFen = draft.legs().stream().mapToLong(l -> l.amount().fen()).sum();
    assertEquals(linesFen, draft.total().fen());
    assertEquals(linesFen, legsFen);
    assertEquals(draft.legs().stream().map(Leg::payeeAccountId).distinct().count(), draft.legs().size());
    for (Leg leg : draft.legs()) {
      long accountFen = draft.lines().stream()
          .filter(l -> l.payeeAccountId().equals(leg.payeeAccountId()))
          .mapToLong(l -> l.amount().fen()).sum();
      assertEquals(accountFen, leg.amount().fen());
    }
  }

  @Test
  void theRoutingTableSuppliesTheStandingCodes() {
    NewOrder request = new NewOrder("C1", "341500", "张三", "341500199001011234", List.of(
        new NewOrder.NewLine(ItemKind.DEED_TAX, Money.ofFen(100), null, "V1", null),
        new NewOrder.NewLine(ItemKind.REGISTRATION_FEE, Money.ofFen(8000), null, null, "34150026300000000001")),
        3600);

    OrderDraft draft = ((OrderDraft.Drafted) OrderDraft.of(request, ROUTING)).draft();

    OrderLine tax = draft.lines().get(0);
    assertEquals("13415000000", tax.taxOfficeCode());
    assertEquals("V1", tax.taxVoucherNo());
    assertEquals("3415000000", tax.treasuryCode());
    OrderLine fee = draft.lines().get(1);
    assertEquals("0150101", fee.collectingUnitCode());
    assertEquals("34150026300000000001", fee.paymentCode());
    assertEquals(null, fee.treasuryCode());
  }

  @Test
  void aTotalOverTheMaximumIsRefusedWithoutOverflow() {
    List<NewOrder.NewLine> lines = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      lines.add(new NewOrder.NewLine(ItemKind.VAT, Money.ofFen(NewOrder.LINE_AMOUNT_FEN_MAX), null, null, null));
    }
    NewOrder request = new NewOrder("C1", "341500", "张三", "341500199001011234", lines, 3600);

    OrderDraft.Invalid invalid = assertInstanceOf(OrderDraft.Invalid.class, OrderDraft.of(request, ROUTING));

    assertEquals("lines", invalid.errors().get(0).field());
  }

  @Test
  void theFingerprintIgnoresNothingThatMatters() {
    RequestFingerprints fingerprints = new RequestFingerprints(new byte[32]);
    NewOrder a = new NewOrder("C1", "341500", "张三", "X1", List.of(
        new NewOrder.NewLine(ItemKind.VAT, Money.ofFen(1), null, null, null)), 3600);
    NewOrder b = new NewOrder("C1", "341500", "张三", "X1", List.of(
        new NewOrder.NewLine(ItemKind.VAT, Money.ofFen(2), null, null, null)), 3600);
    NewOrder c = new NewOrder("C1", "341500", "张三", "X1", List.of(
        new NewOrder.NewLine(ItemKind.VAT, Money.ofFen(1), null, "", null)), 3600);
    byte[] stored = fingerprints.of(a);
    assertEquals(false, fingerprints.matches(stored, RequestFingerprints.Scheme.KEYED, b));
    assertEquals(false, fingerprints.matches(stored, RequestFingerprints.Scheme.KEYED, c));
    assertEquals(true, fingerprints.matches(stored, RequestFingerprints.Scheme.KEYED, new NewOrder("C1", "341500",
        "张三", "X1", List.of(new NewOrder.NewLine(ItemKind.VAT, Money.ofFen(1), null, null, null)), 3600)));
  }
}
