package org.clearing.order;

import java.time.Instant;
import java.util.List;
import org.clearing.channel.Money;
import org.clearing.split.Leg;

/** An order as stored: one registration case's bill, its routed lines and its split plan. */
public record Order(
    String orderNo,
    String caseNo,
    String region,
    String payerName,
    String payerIdMasked,
    Money total,
    OrderStatus status,
    String qrToken,
    Instant createdAt,
    Instant expiresAt,
    List<OrderLine> lines,
    List<Leg> legs) {

  public Order {
    lines = List.copyOf(lines);
    legs = List.copyOf(legs);
  }
}
