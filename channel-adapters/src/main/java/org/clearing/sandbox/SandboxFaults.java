package org.clearing.sandbox;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A sandbox's fault switches, as the real channels misbehave: each callback delivered N times, out
 * of order, late, never, with a skewed timestamp, with a forged signature, or (WeChat) preceded by
 * a signature probe. Fixed switches apply to every callback; percentages pick callbacks at random
 * (load tests use them). Changed over HTTP ({@code PUT /sandbox/faults}) or in-process.
 *
 * @param deliveries how many copies of each callback are sent (1 = normal)
 * @param outOfOrderPercent share of callbacks held back by a random extra delay so that later
 *     events overtake them
 * @param delayMs extra delay before the first delivery (late callbacks)
 * @param dropPercent share of callbacks never sent (100 = drop all)
 * @param skewSeconds added to the signed timestamp (stale callbacks)
 * @param forgePercent share of callbacks signed with a key the merchant does not trust
 * @param probe whether a WeChat signature probe precedes each callback
 * @param failRequestsPercent share of API requests answered with a 5xx (a flaky channel)
 * @param responseDelayMs delay before answering each API request (a slow channel)
 * @param amountDeltaFen added to what the wallet pays (0 = the trade's total): a payment of the
 *     wrong amount, as when a channel lets the payer change it or a merchant misconfigures a
 *     trade. Honoured by the Alipay sandbox.
 * @param loseAnswerPercent share of API requests the channel carries out whose answer never reaches
 *     the merchant (the connection drops as the answer is sent): the call is unknown to the
 *     merchant, though the refund or payment happened
 * @param refuseRefundsPercent share of refund requests the channel refuses outright, as Alipay
 *     does when the merchant's balance cannot cover the refund (ACQ.SELLER_BALANCE_NOT_ENOUGH):
 *     nothing is refunded and the merchant may ask again. Honoured by the Alipay sandbox.
 */
public record SandboxFaults(
    int deliveries,
    int outOfOrderPercent,
    long delayMs,
    int dropPercent,
    long skewSeconds,
    int forgePercent,
    boolean probe,
    int failRequestsPercent,
    long responseDelayMs,
    long amountDeltaFen,
    int loseAnswerPercent,
    int refuseRefundsPercent) {

  public static final SandboxFaults NONE = new SandboxFaults(1, 0, 0, 0, 0, 0, false, 0, 0, 0, 0, 0);
  /** A bound on copies so a mistyped switch cannot flood the engine. */
  public static final int DELIVERIES_MAX = 20;

  public SandboxFaults {
    if (deliveries < 1 || deliveries > DELIVERIES_MAX) {
      throw new IllegalArgumentException("deliveries must be 1.." + DELIVERIES_MAX);
    }
    for (int percent : new int[] {outOfOrderPercent, dropPercent, forgePercent, failRequestsPercent,
        loseAnswerPercent, refuseRefundsPercent}) {
      if (percent < 0 || percent > 100) {
        throw new IllegalArgumentException("percentages must be 0..100");
      }
    }
    if (delayMs < 0 || responseDelayMs < 0) {
      throw new IllegalArgumentException("delays must not be negative");
    }
  }

  public static SandboxFaults fromJson(JsonObject json) {
    return new SandboxFaults(
        json.getInteger("deliveries", 1),
        json.getInteger("out_of_order_percent", 0),
        json.getLong("delay_ms", 0L),
        json.getInteger("drop_percent", 0),
        json.getLong("skew_seconds", 0L),
        json.getInteger("forge_percent", 0),
        json.getBoolean("probe", false),
        json.getInteger("fail_requests_percent", 0),
        json.getLong("response_delay_ms", 0L),
        json.getLong("amount_delta_fen", 0L),
        json.getInteger("lose_answer_percent", 0),
        json.getInteger("refuse_refunds_percent", 0));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("deliveries", deliveries)
        .put("out_of_order_percent", outOfOrderPercent)
        .put("delay_ms", delayMs)
        .put("drop_percent", dropPercent)
        .put("skew_seconds", skewSeconds)
        .put("forge_percent", forgePercent)
        .put("probe", probe)
        .put("fail_requests_percent", failRequestsPercent)
        .put("response_delay_ms", responseDelayMs)
        .put("amount_delta_fen", amountDeltaFen)
        .put("lose_answer_percent", loseAnswerPercent)
        .put("refuse_refunds_percent", refuseRefundsPercent);
  }

  public SandboxFaults withDeliveries(int count) {
    return new SandboxFaults(count, outOfOrderPercent, delayMs, dropPercent, skewSeconds,
        forgePercent, probe, failRequestsPercent, responseDelayMs, amountDeltaFen, loseAnswerPercent,
        refuseRefundsPercent);
  }

  public SandboxFaults withDropPercent(int percent) {
    return new SandboxFaults(deliveries, outOfOrderPercent, delayMs, percent, skewSeconds,
        forgePercent, probe, failRequestsPercent, responseDelayMs, amountDeltaFen, loseAnswerPercent,
        refuseRefundsPercent);
  }

  public SandboxFaults withForgePercent(int percent) {
    return new SandboxFaults(deliveries, outOfOrderPercent, delayMs, dropPercent, skewSeconds,
        percent, probe, failRequestsPercent, responseDelayMs, amountDeltaFen, loseAnswerPercent,
        refuseRefundsPercent);
  }

  public SandboxFaults withSkewSeconds(long seconds) {
    return new SandboxFaults(deliveries, outOfOrderPercent, delayMs, dropPercent, seconds,
        forgePercent, probe, failRequestsPercent, responseDelayMs, amountDeltaFen, loseAnswerPercent,
        refuseRefundsPercent);
  }

  public SandboxFaults withProbe(boolean on) {
    return new SandboxFaults(deliveries, outOfOrderPercent, delayMs, dropPercent, skewSeconds,
        forgePercent, on, failRequestsPercent, responseDelayMs, amountDeltaFen, loseAnswerPercent,
        refuseRefundsPercent);
  }

  public SandboxFaults withDelayMs(long ms) {
    return new SandboxFaults(deliveries, outOfOrderPercent, ms, dropPercent, skewSeconds,
        forgePercent, probe, failRequestsPercent, responseDelayMs, amountDeltaFen, loseAnswerPercent,
        refuseRefundsPercent);
  }

  public SandboxFaults withOutOfOrderPercent(int percent) {
    return new SandboxFaults(deliveries, percent, delayMs, dropPercent, skewSeconds,
        forgePercent, probe, failRequestsPercent, responseDelayMs, amountDeltaFen, loseAnswerPercent,
        refuseRefundsPercent);
  }

  public SandboxFaults withFailRequestsPercent(int percent) {
    return new SandboxFaults(deliveries, outOfOrderPercent, delayMs, dropPercent, skewSeconds,
        forgePercent, probe, percent, responseDelayMs, amountDeltaFen, loseAnswerPercent,
        refuseRefundsPercent);
  }

  public SandboxFaults withResponseDelayMs(long ms) {
    return new SandboxFaults(deliveries, outOfOrderPercent, delayMs, dropPercent, skewSeconds,
        forgePercent, probe, failRequestsPercent, ms, amountDeltaFen, loseAnswerPercent,
        refuseRefundsPercent);
  }

  public SandboxFaults withAmountDeltaFen(long deltaFen) {
    return new SandboxFaults(deliveries, outOfOrderPercent, delayMs, dropPercent, skewSeconds,
        forgePercent, probe, failRequestsPercent, responseDelayMs, deltaFen, loseAnswerPercent,
        refuseRefundsPercent);
  }

  public SandboxFaults withLoseAnswerPercent(int percent) {
    return new SandboxFaults(deliveries, outOfOrderPercent, delayMs, dropPercent, skewSeconds,
        forgePercent, probe, failRequestsPercent, responseDelayMs, amountDeltaFen, percent,
        refuseRefundsPercent);
  }

  public SandboxFaults withRefuseRefundsPercent(int percent) {
    return new SandboxFaults(deliveries, outOfOrderPercent, delayMs, dropPercent, skewSeconds,
        forgePercent, probe, failRequestsPercent, responseDelayMs, amountDeltaFen, loseAnswerPercent,
        percent);
  }

  /** Rolls a percentage: true in {@code percent} of calls. */
  public static boolean roll(int percent) {
    return percent > 0 && (percent >= 100 || ThreadLocalRandom.current().nextInt(100) < percent);
  }
}
