package org.clearing.payment;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.PaymentNotification;
import org.clearing.journal.JournalAccount;
import org.clearing.journal.JournalEntry;
import org.clearing.order.OrderEvent;
import org.clearing.order.OrderStatus;
import org.clearing.order.OrderTransitions;
import org.clearing.split.Leg;

/**
 * Decides, for a group of verified payments committed together, what each one books: its
 * outcome, the order's next status, its balanced journal entry and its outbox event. Pure: the
 * caller has locked the orders and read which transactions are already recorded.
 *
 * <p>Every successful payment is money that reached the channel, so every booking debits
 * {@code clearing:{channel}}; what is credited says where the money belongs: the payee accounts
 * (the order is paid), the refund side (a second or late payment, to be given back), or
 * suspense (an unknown order or a wrong amount, for a person to place).
 */
public final class PaymentBooking {

  private PaymentBooking() {}

  /** An order as locked for the group: its status, total and split plan. */
  public record OrderState(String orderNo, OrderStatus status, long totalFen, List<Leg> legs) {}

  /** An event for the registration system, written in the same transaction. */
  public record OutboxEvent(String type, String orderNo, Map<String, Object> payload) {}

  /** What one payment books; {@code duplicate} and {@code FOREIGN} bookings book nothing. */
  public record Booking(
      PaymentNotification payment,
      boolean duplicate,
      String orderNo,
      PaymentDecision.Outcome outcome,
      OrderStatus fromStatus,
      OrderStatus toStatus,
      JournalEntry entry,
      OutboxEvent event) {

    public String inboxKey() {
      return payment.transactionId();
    }
  }

  /**
   * @param payments successful, verified payments in arrival order
   * @param orderNos for each payment, the order it names (null when its number is not ours)
   * @param orders the named orders that exist, locked
   * @param recorded {@code channel|transactionId} keys already in the inbox
   * @param payees the payee each channel order was opened with, by {@link #channelOrderKey}
   */
  public static List<Booking> book(List<PaymentNotification> payments, List<String> orderNos,
      Map<String, OrderState> orders, Set<String> recorded, Map<String, PayeeIdentity> payees) {
    Map<String, OrderStatus> status = new HashMap<>();
    orders.forEach((no, state) -> status.put(no, state.status()));
    Set<String> seen = new HashSet<>(recorded);
    List<Booking> bookings = new ArrayList<>(payments.size());
    for (int i = 0; i < payments.size(); i++) {
      PaymentNotification payment = payments.get(i);
      OrderState order = orderNos.get(i) == null ? null : orders.get(orderNos.get(i));
      if (!seen.add(key(payment))) {
        bookings.add(new Booking(payment, true, order == null ? null : order.orderNo(), null,
            null, null, null, null));
        continue;
      }
      OrderStatus current = order == null ? null : status.get(order.orderNo());
      PaymentDecision.Outcome outcome = PaymentDecision.decide(current,
          order == null ? 0 : order.totalFen(),
          Optional.ofNullable(payees.get(channelOrderKey(payment))), payment);
      if (outcome == PaymentDecision.Outcome.FOREIGN) {
        // Not recorded, so a resend (or a second copy in this group) is refused again rather
        // than acknowledged as a duplicate.
        seen.remove(key(payment));
        bookings.add(new Booking(payment, false, order == null ? null : order.orderNo(), outcome,
            null, null, null, null));
        continue;
      }
      OrderStatus next = switch (outcome) {
        case APPLIED -> OrderTransitions.next(current, OrderEvent.PAY).orElseThrow();
        case AMOUNT_MISMATCH -> OrderTransitions.next(current, OrderEvent.FAULT).orElseThrow();
        default -> null;
      };
      if (next != null) {
        status.put(order.orderNo(), next);
      }
      bookings.add(new Booking(payment, false, order == null ? null : order.orderNo(), outcome,
          next == null ? null : current, next, entry(payment, order, outcome), event(payment, order, outcome)));
    }
    return bookings;
  }

  public static String key(PaymentNotification payment) {
    return payment.channel().code() + "|" + payment.transactionId();
  }

  /** The channel order a payment names: {@code channel|outTradeNo}. */
  public static String channelOrderKey(PaymentNotification payment) {
    return payment.channel().code() + "|" + payment.outTradeNo();
  }

  private static JournalEntry entry(PaymentNotification payment, OrderState order,
      PaymentDecision.Outcome outcome) {
    long fen = payment.amount().fen();
    String clearing = JournalAccount.clearing(payment.channel());
    List<JournalEntry.Posting> postings = new ArrayList<>();
    postings.add(JournalEntry.Posting.debit(clearing, fen));
    String kind;
    switch (outcome) {
      case APPLIED -> {
        kind = "PAYMENT";
        for (Leg leg : order.legs()) {
          postings.add(JournalEntry.Posting.credit(JournalAccount.payee(leg.payeeAccountId()), leg.amount().fen()));
        }
      }
      case NOT_PAYABLE -> {
        kind = "DUPLICATE_PAYMENT";
        postings.add(JournalEntry.Posting.credit(JournalAccount.refund(payment.channel()), fen));
      }
      case UNKNOWN_ORDER, AMOUNT_MISMATCH -> {
        kind = "SUSPENSE";
        postings.add(JournalEntry.Posting.credit(JournalAccount.SUSPENSE, fen));
      }
      default -> throw new IllegalStateException("nothing to book for " + outcome);
    }
    return new JournalEntry("PAYMENT:" + payment.channel().code() + ":" + payment.transactionId(),
        kind, order == null ? null : order.orderNo(), payment.channel().code(), postings);
  }

  private static OutboxEvent event(PaymentNotification payment, OrderState order,
      PaymentDecision.Outcome outcome) {
    String type = switch (outcome) {
      case APPLIED -> "order.paid";
      case AMOUNT_MISMATCH -> "order.exception";
      case NOT_PAYABLE -> "payment.duplicate";
      case UNKNOWN_ORDER -> "payment.suspense";
      default -> null;
    };
    if (type == null) {
      return null;
    }
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("type", type);
    payload.put("order_no", order == null ? null : order.orderNo());
    payload.put("channel", payment.channel().code());
    payload.put("transaction_id", payment.transactionId());
    payload.put("amount_fen", payment.amount().fen());
    payload.put("paid_at", payment.paidAt().toString());
    return new OutboxEvent(type, order == null ? null : order.orderNo(), payload);
  }
}
