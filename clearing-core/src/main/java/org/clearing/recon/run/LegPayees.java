package org.clearing.recon.run;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The payee accounts of the engine's leg records just read, kept for the leg items the matcher
 * emits a moment later, so that the item writer need not look each one up in the database (a
 * day's million legs were two index probes each inside the insert).
 *
 * <p>The records arrive in out_trade_no order and the items in the same order a page behind, so
 * a leg is dropped once an item of a later out_trade_no is written: a page or two of legs is held,
 * never the day. A leg not found here (dropped early, or a leg the bill names that no record of
 * the day has) is simply not answered, and the writer lets the insert look it up as before: an
 * answer from here is always the one the lookup would give, so the items are the same either way.
 *
 * <p>Only legs whose payee the insert's own lookup would find are offered ({@link EngineRecords}
 * gives a leg's payee only when the channel order of its out_trade_no is the leg's order).
 */
final class LegPayees {

  /** Legs held at most; beyond this the oldest go (their items fall back to the lookup). */
  static final int HELD_MAX = 16_384;

  private record Leg(String outTradeNo, int legNo, String channelAccount, String payeeAccountId) {}

  private final ArrayDeque<Leg> legs = new ArrayDeque<>();

  /** A leg record just read; {@code payeeAccountId} null when the lookup must decide. */
  void add(String outTradeNo, int legNo, String channelAccount, String payeeAccountId) {
    if (payeeAccountId == null) {
      return;
    }
    if (legs.size() == HELD_MAX) {
      legs.poll();
    }
    legs.add(new Leg(outTradeNo, legNo, channelAccount, payeeAccountId));
  }

  /**
   * The payee of leg {@code legNo} of {@code outTradeNo}, or null when not held. Drops the legs of
   * every earlier out_trade_no: items come in out_trade_no order.
   */
  String byLegNo(String outTradeNo, int legNo) {
    dropBefore(outTradeNo);
    for (Leg leg : legs) {
      if (!leg.outTradeNo().equals(outTradeNo)) {
        return null;
      }
      if (leg.legNo() == legNo) {
        return leg.payeeAccountId();
      }
    }
    return null;
  }

  /** The payee of {@code outTradeNo}'s leg paid to the channel's {@code receiver}, or null when not held. */
  String byReceiver(String outTradeNo, String receiver) {
    dropBefore(outTradeNo);
    for (Leg leg : legs) {
      if (!leg.outTradeNo().equals(outTradeNo)) {
        return null;
      }
      if (!receiver.isEmpty() && leg.channelAccount().equals(receiver)) {
        return leg.payeeAccountId();
      }
    }
    return null;
  }

  /** An item of {@code outTradeNo} is being written: the legs of earlier out_trade_nos are done. */
  void dropBefore(String outTradeNo) {
    for (Iterator<Leg> it = legs.iterator(); it.hasNext(); ) {
      if (it.next().outTradeNo().compareTo(outTradeNo) >= 0) {
        return;
      }
      it.remove();
    }
  }

  int held() {
    return legs.size();
  }
}
