package org.clearing.order;

import org.clearing.channel.Money;
import org.clearing.routing.ItemKind;
import org.clearing.routing.PayeeSide;

/**
 * One routed line of an order. Tax-side lines carry the tax office, tax voucher, budget subject,
 * budget level and treasury code; non-tax lines carry the collecting unit, income item and
 * payment code. Codes that do not apply, or have not arrived yet, are null.
 */
public record OrderLine(
    int lineNo,
    ItemKind kind,
    Money amount,
    String payeeAccountId,
    PayeeSide side,
    String taxOfficeCode,
    String taxVoucherNo,
    String budgetSubjectCode,
    String budgetLevel,
    String treasuryCode,
    String collectingUnitCode,
    String incomeItemCode,
    String paymentCode) {}
