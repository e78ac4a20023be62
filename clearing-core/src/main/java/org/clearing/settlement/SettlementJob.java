package org.clearing.settlement;

import io.vertx.core.Future;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.lease.LeasedJob;
import org.clearing.payment.ChannelSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches each channel's bill for a business day and settles the legs it reports. Leased, so one
 * engine instance does it at a time; it looks at today and yesterday (Beijing time), which covers
 * channels that publish bills the next morning.
 */
public final class SettlementJob implements LeasedJob {

  private static final Logger LOG = LoggerFactory.getLogger(SettlementJob.class);
  public static final String JOB = "settlement";
  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);

  private final ChannelSet channels;
  private final SettlementIntake intake;
  private final long intervalMs;

  /** @param intervalMs how often the bills of today and yesterday are read (the engine's setting) */
  public SettlementJob(ChannelSet channels, SettlementIntake intake, long intervalMs) {
    this.channels = channels;
    this.intake = intake;
    this.intervalMs = intervalMs;
  }

  /** Settles from every configured channel's bill of {@code day}; one channel's failure is logged, not fatal. */
  public Future<SettlementIntake.Result> run(LocalDate day) {
    List<Future<SettlementIntake.Result>> runs = new ArrayList<>();
    for (Channel channel : Channel.values()) {
      ChannelAdapter adapter = channels.adapter(channel).orElse(null);
      if (adapter == null) {
        continue;
      }
      runs.add(adapter.downloadBill(day)
          .compose(bill -> intake.settle(adapter, bill))
          .onSuccess(result -> {
            if (result.legsSettled() > 0) {
              LOG.info("event=settlement.run channel={} day={} lines={} legs_settled={} orders_settled={}",
                  channel.code(), day, result.linesRead(), result.legsSettled(), result.ordersSettled());
            }
          })
          .recover(error -> {
            LOG.info("event=settlement.bill_unavailable channel={} day={} reason=\"{}\"",
                channel.code(), day, error.getMessage());
            return Future.succeededFuture(new SettlementIntake.Result(0, 0, 0));
          }));
    }
    return Future.all(runs).map(all -> {
      SettlementIntake.Result total = new SettlementIntake.Result(0, 0, 0);
      for (int i = 0; i < all.size(); i++) {
        total = total.plus(all.resultAt(i));
      }
      return total;
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

  /** One run of the job: yesterday's bills, then today's. */
  @Override
  public Future<SettlementIntake.Result> runOnce() {
    LocalDate today = LocalDate.now(BEIJING);
    return run(today.minusDays(1)).compose(v -> run(today));
  }
}
