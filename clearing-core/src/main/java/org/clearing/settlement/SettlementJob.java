package org.clearing.settlement;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.lease.Fence;
import org.clearing.lease.LeasedJob;
import org.clearing.payment.ChannelSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the bill of each merchant of each channel for a business day and settles the legs it
 * reports of that merchant's orders. Leased, so one
 * engine instance does it at a time. Each run reads the bills of today and yesterday (Beijing
 * time), which covers channels that publish bills the next morning, and revisits the bills of
 * the days before, back to {@link #REVISIT_DAYS_MAX} days, that still have legs waiting for their
 * money: a leg left paid under a channel refund still open when its bill was read settles once the
 * refund is final, without anyone re-running that day by hand.
 */
public final class SettlementJob implements LeasedJob {

  private static final Logger LOG = LoggerFactory.getLogger(SettlementJob.class);
  public static final String JOB = "settlement";
  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);
  /**
   * How far back the job revisits bills. A channel refund is final within days (the refund-query
   * job stops asking after its last question); anything older is the daily reconciliation's
   * to report and a person's to settle.
   */
  public static final int REVISIT_DAYS_MAX = 7;
  /**
   * How often the older days are revisited. A leg whose bill disagrees with it stays paid until a
   * person acts, and its day would otherwise be downloaded again at every run for a week.
   */
  public static final long REVISIT_EVERY_MS = 15 * 60_000;

  private final ChannelSet channels;
  private final SettlementIntake intake;
  private final long intervalMs;
  private final Clock clock;
  /** When the older days were last revisited; the job runs on one instance at a time. */
  private Instant revisitedAt = Instant.MIN;

  /**
   * @param intervalMs how often the bills of today and yesterday are read (the engine's setting)
   * @param clock what today is, in Beijing, for the job
   */
  public SettlementJob(ChannelSet channels, SettlementIntake intake, long intervalMs, Clock clock) {
    this.channels = channels;
    this.intake = intake;
    this.intervalMs = intervalMs;
    this.clock = clock;
  }

  /** Settles from every configured channel's bill of {@code day}; one channel's failure is logged, not fatal. */
  public Future<SettlementIntake.Result> run(LocalDate day) {
    List<Future<SettlementIntake.Result>> runs = new ArrayList<>();
    for (Channel channel : Channel.values()) {
      runs.add(run(channel, day));
    }
    return Future.all(runs).map(all -> {
      SettlementIntake.Result total = new SettlementIntake.Result(0, 0, 0);
      for (int i = 0; i < all.size(); i++) {
        total = total.plus(all.resultAt(i));
      }
      return total;
    });
  }

  /**
   * Settles from the bills of {@code day} of every merchant of the channel (each merchant has a
   * bill of its own, and each settles only its own orders), one merchant after another; a
   * merchant's failure is logged and the others still settle.
   */
  private Future<SettlementIntake.Result> run(Channel channel, LocalDate day) {
    Future<SettlementIntake.Result> chain = Future.succeededFuture(new SettlementIntake.Result(0, 0, 0));
    for (ChannelSet.Merchant merchant : channels.merchants(channel)) {
      chain = chain.compose(soFar -> run(channel, merchant, day).map(soFar::plus));
    }
    return chain;
  }

  private Future<SettlementIntake.Result> run(Channel channel, ChannelSet.Merchant merchant, LocalDate day) {
    ChannelAdapter adapter = merchant.adapter();
    return adapter.downloadBill(day)
        .compose(bill -> intake.settle(channels.ordersOf(channel, merchant), adapter, bill))
        .onSuccess(result -> {
          if (result.legsSettled() > 0) {
            LOG.info("event=settlement.run channel={} merchant={} day={} lines={} legs_settled={} orders_settled={}",
                channel.code(), merchant.id(), day, result.linesRead(), result.legsSettled(), result.ordersSettled());
          }
        })
        .recover(error -> {
          if (error instanceof Fence.LeaseLost) {
            return Future.failedFuture(error); // another instance settles now: this run stops
          }
          LOG.info("event=settlement.bill_unavailable channel={} merchant={} day={} reason=\"{}\"",
              channel.code(), merchant.id(), day, error.getMessage());
          return Future.succeededFuture(new SettlementIntake.Result(0, 0, 0));
        });
  }

  @Override
  public String name() {
    return JOB;
  }

  @Override
  public long intervalMs() {
    return intervalMs;
  }

  /** One run of the job: the older days still waiting (now and then), then yesterday's bills and today's. */
  @Override
  public Future<SettlementIntake.Result> runOnce() {
    Instant now = clock.instant();
    LocalDate today = LocalDate.ofInstant(now, BEIJING);
    return revisit(now, today).compose(v -> run(today.minusDays(1))).compose(v -> run(today));
  }

  /** The bills of the days before yesterday that still have legs waiting, one after another. */
  private Future<Void> revisit(Instant now, LocalDate today) {
    if (now.isBefore(revisitedAt.plusMillis(REVISIT_EVERY_MS))) {
      return Future.succeededFuture();
    }
    revisitedAt = now;
    return intake.awaitingDays(today.minusDays(REVISIT_DAYS_MAX), today.minusDays(1),
            REVISIT_DAYS_MAX * Channel.values().length)
        .compose(days -> {
          Future<Void> chain = Future.succeededFuture();
          for (SettlementIntake.ChannelDay day : days) {
            chain = chain.compose(v -> run(day.channel(), day.day())).mapEmpty();
          }
          return chain;
        })
        // The older days wait for the next revisit; today's and yesterday's bills are read anyway.
        .recover(error -> {
          if (error instanceof Fence.LeaseLost) {
            return Future.failedFuture(error);
          }
          LOG.warn("event=settlement.revisit_failed reason=\"{}\"", error.getMessage());
          return Future.succeededFuture();
        });
  }
}
