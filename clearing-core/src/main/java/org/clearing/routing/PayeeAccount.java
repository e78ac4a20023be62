package org.clearing.routing;

/**
 * An account that receives split money: a treasury account (with its 10-digit treasury code) or a
 * non-tax settlement account ({@code treasuryCode} empty).
 */
public record PayeeAccount(
    String accountId,
    String region,
    PayeeSide side,
    String name,
    String bankName,
    String accountNo,
    String treasuryCode) {}
