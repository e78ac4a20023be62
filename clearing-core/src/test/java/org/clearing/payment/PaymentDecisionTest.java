package org.clearing.payment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.PaymentNotification;
import org.clearing.order.OrderStatus;
import org.clearing.split.Leg;
import org.clearing.split.LegStatus;
import org.junit.jupiter.api.Test;

/**
 * Pure: a payment naming another payee than its channel order was opened with is FOREIGN before
 * anything else is decided, books nothing, and a second copy in the same group is refused again
 * rather than acknowledged as a duplicate.
 */
class PaymentDecisionTest {

  private static final String ORDER_NO = "TF202612060000000001";
  private static final PayeeIdentity SENT =
      new PayeeIdentity("898340100000001", "0", "", List.of("898340100000101", "898340100000102"));

  private static PaymentNotification payment(String txn, PayeeIdentity payee) {
    return new PaymentNotification(Channel.UNIONPAY, "EV-" + txn, OutTradeNumbers.of(Channel.UNIONPAY, ORDER_NO),
        txn, Money.ofFen(1_509_000), "CNY", true, Instant.parse("2026-12-06T05:00:00Z"), "", payee);
  }

  @Test
  void anotherPayeeIsForeignWhateverTheOrderCouldTake() {
    PaymentNotification other = payment("1", PayeeIdentity.of("898340100000999", "0", ""));
    assertEquals(PaymentDecision.Outcome.FOREIGN,
        PaymentDecision.decide(OrderStatus.OPEN, 1_509_000, Optional.of(SENT), other));
    assertEquals(PaymentDecision.Outcome.FOREIGN,
        PaymentDecision.decide(OrderStatus.PAID, 1_509_000, Optional.of(SENT), other));
    assertEquals(PaymentDecision.Outcome.APPLIED, PaymentDecision.decide(OrderStatus.OPEN, 1_509_000,
        Optional.of(SENT), payment("2", PayeeIdentity.of("898340100000001", "0", ""))));
  }

  @Test
  void aForeignPaymentBooksNothingAndItsSecondCopyIsNotADuplicate() {
    PaymentNotification other = payment("3", PayeeIdentity.of("898340100000999", "0", ""));
    PaymentBooking.OrderState order = new PaymentBooking.OrderState(ORDER_NO, OrderStatus.OPEN, 1_509_000,
        List.of(new Leg(1, "treasury", Money.ofFen(1_500_000), LegStatus.PLANNED),
            new Leg(2, "non-tax", Money.ofFen(9_000), LegStatus.PLANNED)));

    List<PaymentBooking.Booking> bookings = PaymentBooking.book(List.of(other, other),
        List.of(ORDER_NO, ORDER_NO), Map.of(ORDER_NO, order), Set.of(),
        Map.of(PaymentBooking.channelOrderKey(other), SENT));

    for (PaymentBooking.Booking booking : bookings) {
      assertFalse(booking.duplicate());
      assertEquals(PaymentDecision.Outcome.FOREIGN, booking.outcome());
      assertNull(booking.toStatus());
      assertNull(booking.entry());
      assertNull(booking.event());
    }
  }
}
