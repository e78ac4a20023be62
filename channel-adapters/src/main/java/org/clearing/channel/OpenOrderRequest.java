package org.clearing.channel;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the engine asks a channel to collect.
 *
 * @param orderNo the engine's order number
 * @param outTradeNo the merchant order number at this channel (derived from the order number,
 *     within the channel's character rules)
 * @param total the order total in fen; equals the sum of {@code legs}
 * @param description what the payer sees (e.g. "不动产登记税费 LA-2026-000123")
 * @param expiresAt after this the channel must refuse payment
 * @param legs the split plan, one leg per payee account
 * @param notifyUrl where the channel posts its notifications (no query string)
 * @param returnUrl where the payer's browser goes after paying (may be empty)
 * @param flow how the payer pays
 * @param payerId the payer's id at the channel when the flow needs one (WeChat JSAPI openid),
 *     empty otherwise
 */
public record OpenOrderRequest(
    String orderNo,
    String outTradeNo,
    Money total,
    String description,
    Instant expiresAt,
    List<SplitLeg> legs,
    String notifyUrl,
    String returnUrl,
    Flow flow,
    String payerId) {

  /** How the payer pays. */
  public enum Flow {
    /** Inside the channel's app, opened from our QR page (JSAPI, wap pay, front consume). */
    IN_APP,
    /** The payer scans a channel QR code (Native, precreate, QR apply 01/07). */
    CHANNEL_QR
  }

  public OpenOrderRequest {
    Objects.requireNonNull(orderNo, "orderNo");
    Objects.requireNonNull(outTradeNo, "outTradeNo");
    Objects.requireNonNull(total, "total");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(notifyUrl, "notifyUrl");
    Objects.requireNonNull(flow, "flow");
    legs = List.copyOf(legs);
    description = description == null ? "" : description;
    returnUrl = returnUrl == null ? "" : returnUrl;
    payerId = payerId == null ? "" : payerId;
    Money sum = legs.stream().map(SplitLeg::amount).reduce(Money.ZERO, Money::plus);
    if (!sum.equals(total)) {
      throw new IllegalArgumentException("legs sum to " + sum + ", total is " + total);
    }
  }
}
