package org.clearing.order;

import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.Money;
import org.clearing.input.FieldError;
import org.clearing.routing.PayeeSide;
import org.clearing.routing.Route;
import org.clearing.routing.RoutingTable;
import org.clearing.split.Leg;
import org.clearing.split.SplitPlan;

/**
 * An order routed and split, ready to store; or the reasons it cannot be. The caller never
 * chooses a payee account: each line goes where the routing table sends its (region, kind).
 */
public record OrderDraft(NewOrder request, List<OrderLine> lines, List<Leg> legs, Money total) {

  /** The outcome of drafting: a draft, or the field errors that stop it. */
  public sealed interface Result permits Drafted, Invalid {}

  public record Drafted(OrderDraft draft) implements Result {}

  public record Invalid(List<FieldError> errors) implements Result {}

  public static Result of(NewOrder request, RoutingTable routing) {
    List<FieldError> errors = new ArrayList<>();
    if (!routing.knowsRegion(request.region())) {
      return new Invalid(List.of(new FieldError("region", "unknown region " + request.region())));
    }
    if (routing.isRetired(request.region())) {
      return new Invalid(List.of(new FieldError("region",
          "region " + request.region() + " is retired and takes no new orders")));
    }
    List<OrderLine> lines = new ArrayList<>();
    List<SplitPlan.Share> shares = new ArrayList<>();
    long totalFen = 0;
    for (int i = 0; i < request.lines().size(); i++) {
      NewOrder.NewLine line = request.lines().get(i);
      String field = "lines[" + i + "]";
      Route route = routing.route(request.region(), line.kind()).orElse(null);
      if (route == null) {
        errors.add(new FieldError(field + ".kind",
            "no route for " + line.kind() + " in region " + request.region()));
        continue;
      }
      checkCodesApply(line, route.side(), field, errors);
      lines.add(routed(i + 1, line, route));
      shares.add(new SplitPlan.Share(route.account().accountId(), line.amount()));
      totalFen += line.amount().fen();
      if (totalFen > NewOrder.TOTAL_FEN_MAX) {
        errors.add(new FieldError("lines", "total exceeds the maximum of "
            + NewOrder.TOTAL_FEN_MAX + " fen"));
        return new Invalid(errors);
      }
    }
    if (!errors.isEmpty()) {
      return new Invalid(errors);
    }
    return new Drafted(new OrderDraft(request, lines, SplitPlan.legsOf(shares), Money.ofFen(totalFen)));
  }

  private static void checkCodesApply(
      NewOrder.NewLine line, PayeeSide side, String field, List<FieldError> errors) {
    if (side == PayeeSide.NON_TAX) {
      if (line.taxVoucherNo() != null) {
        errors.add(new FieldError(field + ".tax_voucher_no",
            line.kind() + " is routed to a non-tax account here; tax codes do not apply"));
      }
      if (line.taxOfficeCode() != null) {
        errors.add(new FieldError(field + ".tax_office_code",
            line.kind() + " is routed to a non-tax account here; tax codes do not apply"));
      }
    } else if (line.paymentCode() != null) {
      errors.add(new FieldError(field + ".payment_code",
          line.kind() + " is routed to the treasury here; a non-tax payment code does not apply"));
    }
  }

  private static OrderLine routed(int lineNo, NewOrder.NewLine line, Route route) {
    boolean tax = route.side() == PayeeSide.TREASURY;
    return new OrderLine(
        lineNo,
        line.kind(),
        line.amount(),
        route.account().accountId(),
        route.side(),
        tax ? firstNonNull(line.taxOfficeCode(), route.taxOfficeCode()) : null,
        tax ? line.taxVoucherNo() : null,
        tax ? route.budgetSubjectCode() : null,
        tax ? route.budgetLevel() : null,
        tax ? route.account().treasuryCode() : null,
        tax ? null : route.collectingUnitCode(),
        tax ? null : route.incomeItemCode(),
        tax ? null : line.paymentCode());
  }

  private static String firstNonNull(String first, String second) {
    return first != null ? first : second;
  }
}
