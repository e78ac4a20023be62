package org.clearing.routing;

/**
 * One row of the routing table: where money of {@code kind} in {@code region} goes, and the
 * standing codes the receiving body needs for it. Tax-side fields are empty on non-tax routes
 * and the other way round.
 */
public record Route(
    String region,
    ItemKind kind,
    PayeeAccount account,
    String taxOfficeCode,
    String budgetSubjectCode,
    String budgetLevel,
    String collectingUnitCode,
    String incomeItemCode) {

  public PayeeSide side() {
    return account.side();
  }
}
