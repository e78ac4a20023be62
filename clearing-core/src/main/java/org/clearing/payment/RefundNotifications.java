package org.clearing.payment;

import io.vertx.core.Future;
import org.clearing.channel.RefundNotification;

/**
 * What the callback door does with a verified refund notification once the payment side has
 * recorded it. The refund package answers it ({@code refund.RefundService}); the door knows only
 * this interface because refunds are built on payments' channel orders, so payment must not
 * import refund back.
 */
@FunctionalInterface
public interface RefundNotifications {

  /** Finishes what the notification reports; idempotent, since a channel resends until acknowledged. */
  Future<Void> onNotification(RefundNotification notification);
}
