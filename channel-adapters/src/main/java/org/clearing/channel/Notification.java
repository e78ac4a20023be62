package org.clearing.channel;

/**
 * A channel's notification after its signature was verified and its body parsed. Payment and
 * refund notifications are values the engine books; a {@link Rejection} says why a notification
 * could not be trusted and is never booked.
 */
public sealed interface Notification
    permits PaymentNotification, RefundNotification, Rejection {

  Channel channel();
}
