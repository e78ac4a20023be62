package org.clearing.payment;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.Acknowledgement;
import org.clearing.channel.BillFile;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.ChannelOrder;
import org.clearing.channel.CloseResult;
import org.clearing.channel.IncomingNotification;
import org.clearing.channel.Notification;
import org.clearing.channel.OpenOrderRequest;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.QueryResult;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.RefundResult;
import org.clearing.channel.Rejection;
import org.clearing.channel.SplitLeg;
import org.clearing.channel.StatementReader;
import org.clearing.metrics.LatencyTimers;

/**
 * A channel adapter whose every network call is timed into
 * {@code clearing_channel_call_latency_seconds{channel,operation}}, a histogram, so a
 * slow channel shows as its p99 on the management port's {@code /metrics}. Wrapping the adapter
 * times every caller (cashier, active query, closer, refunds and their queries, settlement,
 * reconciliation) in one place. The timers are built once here, not per call; a call that fails or
 * times out is recorded too, since its wait is what a payer or a job felt.
 */
final class TimedChannelAdapter implements ChannelAdapter {

  static final String METRIC = "clearing_channel_call_latency";
  private final ChannelAdapter adapter;
  private final Timer openOrder;
  private final Timer query;
  private final Timer close;
  private final Timer refund;
  private final Timer queryRefund;
  private final Timer downloadBill;

  TimedChannelAdapter(ChannelAdapter adapter, MeterRegistry metrics) {
    this.adapter = adapter;
    Channel channel = adapter.channel();
    this.openOrder = timer(metrics, channel, "open_order");
    this.query = timer(metrics, channel, "query");
    this.close = timer(metrics, channel, "close");
    this.refund = timer(metrics, channel, "refund");
    this.queryRefund = timer(metrics, channel, "query_refund");
    this.downloadBill = timer(metrics, channel, "download_bill");
  }

  private static Timer timer(MeterRegistry metrics, Channel channel, String operation) {
    return LatencyTimers.histogram(METRIC,
            "Calls to a payment channel's API, from the request to its answer or failure")
        .tag("channel", channel.code())
        .tag("operation", operation)
        .register(metrics);
  }

  private static <T> Future<T> timed(Timer timer, java.util.function.Supplier<Future<T>> call) {
    long startNs = System.nanoTime();
    Future<T> answer;
    try {
      answer = call.get();
    } catch (RuntimeException e) {
      timer.record(System.nanoTime() - startNs, TimeUnit.NANOSECONDS);
      throw e;
    }
    return answer.andThen(done -> timer.record(System.nanoTime() - startNs, TimeUnit.NANOSECONDS));
  }

  @Override
  public Channel channel() {
    return adapter.channel();
  }

  @Override
  public Future<ChannelOrder> openOrder(OpenOrderRequest request) {
    return timed(openOrder, () -> adapter.openOrder(request));
  }

  @Override
  public PayeeIdentity payee(List<SplitLeg> legs) {
    return adapter.payee(legs);
  }

  @Override
  public Notification verify(IncomingNotification incoming) {
    return adapter.verify(incoming);
  }

  @Override
  public Acknowledgement accepted() {
    return adapter.accepted();
  }

  @Override
  public Acknowledgement retryLater(String reason) {
    return adapter.retryLater(reason);
  }

  @Override
  public Acknowledgement rejected(Rejection rejection) {
    return adapter.rejected(rejection);
  }

  @Override
  public Future<QueryResult> query(String outTradeNo) {
    return timed(query, () -> adapter.query(outTradeNo));
  }

  @Override
  public Future<CloseResult> close(String outTradeNo) {
    return timed(close, () -> adapter.close(outTradeNo));
  }

  @Override
  public Future<RefundResult> refund(RefundRequest request) {
    return timed(refund, () -> adapter.refund(request));
  }

  @Override
  public Future<RefundResult> queryRefund(RefundRequest request) {
    return timed(queryRefund, () -> adapter.queryRefund(request));
  }

  @Override
  public Future<BillFile> downloadBill(LocalDate day) {
    return timed(downloadBill, () -> adapter.downloadBill(day));
  }

  @Override
  public StatementReader readBill(BillFile bill) {
    return adapter.readBill(bill);
  }
}
