package org.clearing.payment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.clearing.channel.Acknowledgement;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.IncomingNotification;
import org.clearing.channel.Notification;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.RefundNotification;
import org.clearing.channel.Rejection;
import org.clearing.metrics.LatencyTimers;
import org.clearing.store.DatabaseUnreachable;
import org.clearing.store.GroupCommitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /callbacks/{wechat,alipay,unionpay}}: verify first (on the crypto pool), record in
 * the inbox and move the order in one transaction, and only then acknowledge in the channel's own
 * form. A duplicate is acknowledged and changes nothing; a forged, stale or unparsable
 * notification gets the channel's failure form and is counted.
 */
public final class CallbackRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(CallbackRoutes.class);
  /** Notifications are a few KiB; a bigger body is not a channel's. */
  static final long BODY_SIZE_MAX_BYTES = 64 * 1024;
  /**
   * Callbacks being read, verified or recorded at once. Beyond it a callback is answered with the
   * channel's "try again" at the door: verification's queue on the crypto pool would otherwise
   * grow without bound in front of the intake's own bounded queue, and a flood would show as
   * seconds of latency and memory rather than as refusals the channels know how to resend.
   */
  public static final int IN_FLIGHT_MAX = 1_024;

  private final ChannelSet channels;
  private final PaymentIntake intake;
  private final ChannelOrders channelOrders;
  private final RefundNotifications refunds;
  private final WorkerExecutor cryptoPool;
  private final MeterRegistry metrics;
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Per channel: [0] answered after verification and commit, [1] answered "try again". */
  private final Map<Channel, Timer[]> latency = new java.util.EnumMap<>(Channel.class);
  /**
   * {@code clearing_callbacks_total} by channel and outcome, each counter registered once: a
   * builder's register() per callback built its tags and looked the meter up in the registry.
   */
  private final Map<Channel, Map<String, Counter>> counters = new java.util.EnumMap<>(Channel.class);

  public CallbackRoutes(ChannelSet channels, PaymentIntake intake, ChannelOrders channelOrders,
      RefundNotifications refunds, WorkerExecutor cryptoPool, MeterRegistry metrics) {
    this.channels = channels;
    this.intake = intake;
    this.channelOrders = channelOrders;
    this.refunds = refunds;
    this.cryptoPool = cryptoPool;
    this.metrics = metrics;
    // Built once: a builder's register() per callback is a registry lookup on the hot path.
    for (Channel channel : Channel.values()) {
      latency.put(channel, new Timer[] {latencyTimer(channel, "answered"), latencyTimer(channel, "retry_later")});
      counters.put(channel, new java.util.concurrent.ConcurrentHashMap<>());
    }
  }

  private Timer latencyTimer(Channel channel, String result) {
    return LatencyTimers.histogram("clearing_callback_latency",
            "Callback handling time, from its receipt to the answer: after verification and the"
            + " durable commit (result=answered; forgeries refused after verification count here too),"
            + " or \"try again\" when it could not be committed (result=retry_later)")
        .tag("channel", channel.code())
        .tag("result", result)
        .register(metrics);
  }

  public void mount(Router router) {
    // No BodyHandler here: for a form body (Alipay, UnionPay) it decodes every field into form
    // attributes on the event loop, which the adapters never read (they verify the raw bytes);
    // in a profile of replayed callbacks that decoding was a tenth of the engine's CPU.
    router.post("/callbacks/:channel").handler(this::receive);
    // A merchant other than the channel's default names itself, so its own keys verify it.
    router.post("/callbacks/:channel/:merchant").handler(this::receive);
  }

  /** The body was over {@link #BODY_SIZE_MAX_BYTES}. */
  static final class TooLarge extends RuntimeException {
    TooLarge() {
      super("callback body over " + BODY_SIZE_MAX_BYTES + " bytes");
    }
  }

  private void receive(RoutingContext ctx) {
    long startNs = System.nanoTime();
    Channel channel = Channel.fromCode(ctx.pathParam("channel")).orElse(null);
    String merchantId = ctx.pathParam("merchant");
    java.util.List<ChannelSet.Merchant> merchants = channel == null ? java.util.List.of()
        : merchantId == null ? channels.merchants(channel)
        : channels.merchant(channel, merchantId).filter(m -> m.id() != null).map(java.util.List::of)
            .orElse(java.util.List.of());
    ChannelAdapter adapter = merchants.isEmpty() ? null : merchants.get(0).adapter();
    if (adapter == null) {
      ctx.response().setStatusCode(404).end();
      return;
    }
    if (inFlight.incrementAndGet() > IN_FLIGHT_MAX) {
      inFlight.decrementAndGet();
      LOG.warn("event=callback.shed channel={} reason=\"more than {} callbacks in flight\"", channel.code(),
          IN_FLIGHT_MAX);
      count(channel, "overloaded");
      respond(ctx, adapter.retryLater("temporarily unavailable"));
      return;
    }
    ctx.addEndHandler(ended -> inFlight.decrementAndGet());
    Map<String, String> headers = new HashMap<>();
    ctx.request().headers().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
    readBody(ctx.request(), BODY_SIZE_MAX_BYTES)
        .onFailure(error -> ctx.fail(error instanceof TooLarge ? 413 : 400, error))
        .onSuccess(body -> verifyAndRecord(ctx, channel, merchants,
            new IncomingNotification(headers, body.getBytes()), startNs));
  }

  /**
   * The raw body, refused once it passes {@code maxBytes} (declared or received); nothing of it
   * is decoded here.
   */
  static Future<Buffer> readBody(HttpServerRequest request, long maxBytes) {
    String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    long declaredBytes;
    try {
      declaredBytes = declared == null ? -1 : Long.parseLong(declared.strip());
    } catch (NumberFormatException e) {
      return Future.failedFuture(new IllegalArgumentException("bad Content-Length"));
    }
    if (declaredBytes > maxBytes) {
      return Future.failedFuture(new TooLarge());
    }
    Promise<Buffer> promise = Promise.promise();
    Buffer body = Buffer.buffer((int) Math.max(256, declaredBytes));
    request.handler(chunk -> {
      if (body.length() + chunk.length() > maxBytes) {
        promise.tryFail(new TooLarge());
      } else if (!promise.future().isComplete()) {
        body.appendBuffer(chunk);
      }
    });
    request.exceptionHandler(promise::tryFail);
    request.endHandler(v -> promise.tryComplete(body));
    // The router holds a request's body back until a handler asks for it.
    request.resume();
    return promise.future();
  }

  /**
   * Verifies with the merchant the path names or, on the plain path, with the default merchant and
   * then each other one: a notification is any merchant's of the channel whose keys verify it, and
   * is then taken only for a channel order opened with that merchant.
   */
  private static Verified verify(java.util.List<ChannelSet.Merchant> merchants, IncomingNotification incoming) {
    Verified first = null;
    for (ChannelSet.Merchant merchant : merchants) {
      Notification notification = merchant.adapter().verify(incoming);
      Verified verified = new Verified(merchant, notification);
      if (!(notification instanceof Rejection rejection) || (rejection.reason() != Rejection.Reason.BAD_SIGNATURE
          && rejection.reason() != Rejection.Reason.UNKNOWN_KEY)) {
        return verified;
      }
      first = first == null ? verified : first;
    }
    return first;
  }

  private record Verified(ChannelSet.Merchant merchant, Notification notification) {}

  private void verifyAndRecord(RoutingContext ctx, Channel channel, java.util.List<ChannelSet.Merchant> merchants,
      IncomingNotification incoming, long startNs) {
    ChannelAdapter adapter = merchants.get(0).adapter();
    Future<Acknowledgement> answered = cryptoPool.executeBlocking(() -> verify(merchants, incoming), false)
        .compose(verified -> ofMerchant(channel, verified)
            .compose(notification -> handle(channel, verified.merchant().adapter(), notification)));
    answered
        .recover(error -> {
          // Not committed, so not acknowledged: the channel will send it again.
          if (error instanceof GroupCommitter.Overloaded) {
            LOG.warn("event=callback.shed channel={} reason=\"{}\"", channel.code(), error.getMessage());
            count(channel, "overloaded");
          } else if (DatabaseUnreachable.is(error)) {
            // A failover or a restart of the database: expected for seconds, not an engine fault.
            LOG.warn("event=callback.unavailable channel={} error=\"{}\"", channel.code(), error.toString());
            count(channel, "unavailable");
          } else {
            LOG.error("event=callback.failed channel={}", channel.code(), error);
            count(channel, "error");
          }
          return io.vertx.core.Future.succeededFuture(adapter.retryLater("temporarily unavailable"));
        })
        .onSuccess(ack -> {
          respond(ctx, ack);
          latency.get(channel)[answered.succeeded() ? 0 : 1]
              .record(System.nanoTime() - startNs, java.util.concurrent.TimeUnit.NANOSECONDS);
        });
  }

  /**
   * The notification, or a FOREIGN rejection when it concerns a channel order opened with another
   * merchant: one merchant's genuine signature says nothing about another merchant's orders.
   */
  private Future<Notification> ofMerchant(Channel channel, Verified verified) {
    String outTradeNo = verified.notification() instanceof PaymentNotification payment ? payment.outTradeNo()
        : verified.notification() instanceof RefundNotification refund ? refund.outTradeNo() : null;
    // With a single merchant at the channel there is no other merchant's order to take.
    if (outTradeNo == null || channels.merchants(channel).size() == 1) {
      return Future.succeededFuture(verified.notification());
    }
    return channelOrders.openedWith(channel, outTradeNo, verified.merchant()).map(same -> same
        ? verified.notification()
        : new Rejection(channel, Rejection.Reason.FOREIGN, "signed by merchant " + verified.merchant().id()
            + ", which did not open channel order " + outTradeNo));
  }

  private io.vertx.core.Future<Acknowledgement> handle(
      Channel channel, ChannelAdapter adapter, Notification notification) {
    if (notification instanceof Rejection rejection) {
      count(channel, rejection.reason() == Rejection.Reason.FOREIGN ? "foreign"
          : "rejected_" + rejection.reason().label());
      LOG.warn("event=callback.rejected channel={} reason={} detail=\"{}\"",
          channel.code(), rejection.reason().label(), rejection.detail());
      return io.vertx.core.Future.succeededFuture(adapter.rejected(rejection));
    }
    if (notification instanceof RefundNotification refund) {
      return intake.expectedPayee(refund).compose(expected -> {
        if (!PaymentDecision.isOurs(expected, refund.payee())) {
          return Future.succeededFuture(foreign(channel, adapter, refund.outTradeNo(), refund.payee()));
        }
        // Applied even to a duplicate: if applying failed after the inbox row was committed, the
        // channel's resend is the only thing that finishes the refund. Applying is idempotent.
        return intake.recordRefund(refund, PaymentIntake.Source.CALLBACK).compose(recorded -> {
          count(channel, recorded.duplicate() ? "duplicate" : "refund_recorded");
          return refunds.onNotification(refund).map(v -> adapter.accepted());
        });
      });
    }
    PaymentNotification payment = (PaymentNotification) notification;
    return intake.recordPayment(payment, PaymentIntake.Source.CALLBACK).map(recorded -> {
      if (recorded.outcome() == PaymentDecision.Outcome.FOREIGN) {
        return foreign(channel, adapter, payment.outTradeNo(), payment.payee());
      }
      String outcome = recorded.duplicate() ? "duplicate" : recorded.outcome().name().toLowerCase(Locale.ROOT);
      count(channel, outcome);
      // DEBUG: the inbox row is the record of every payment taken, and clearing_callbacks_total
      // counts the outcomes; a line per callback was a formatted write on the event loop for
      // every one of thousands a second. What goes wrong (rejected, foreign, shed, failed) is
      // still logged at WARN and above.
      LOG.debug("event=callback.recorded channel={} order_no={} out_trade_no={} outcome={}",
          channel.code(), recorded.orderNo(), payment.outTradeNo(), outcome);
      if (!recorded.openElsewhere().isEmpty()) {
        // Read in the payment's own transaction: most orders are opened at one channel only, and
        // they then cost no query here.
        channelOrders.close(recorded.orderNo(), recorded.openElsewhere()).onFailure(e ->
            LOG.warn("event=channel_order.close_failed order_no={} error={}", recorded.orderNo(), e.toString()));
      }
      return adapter.accepted();
    });
  }

  /**
   * A genuinely signed notification that pays somebody else than the channel order named: booked
   * nowhere and answered with the channel's failure form, like any notification we cannot take.
   */
  private Acknowledgement foreign(Channel channel, ChannelAdapter adapter, String outTradeNo,
      PayeeIdentity reported) {
    count(channel, "foreign");
    LOG.warn("event=callback.foreign channel={} out_trade_no={} reported_payee=\"{}\"",
        channel.code(), outTradeNo, reported);
    return adapter.rejected(new Rejection(channel, Rejection.Reason.FOREIGN,
        "pays another payee than the channel order named"));
  }

  /** Callbacks being read, verified or recorded now. */
  public int inFlight() {
    return inFlight.get();
  }

  private void count(Channel channel, String outcome) {
    // The outcomes are a handful of fixed words, so the map stays small.
    counters.get(channel).computeIfAbsent(outcome, o -> Counter.builder("clearing_callbacks")
            .description("Channel callbacks by channel and outcome")
            .tag("channel", channel.code())
            .tag("outcome", o)
            .register(metrics))
        .increment();
  }

  private static void respond(RoutingContext ctx, Acknowledgement ack) {
    var response = ctx.response().setStatusCode(ack.status());
    if (!ack.contentType().isEmpty()) {
      response.putHeader("Content-Type", ack.contentType());
    }
    response.end(Buffer.buffer(ack.body()));
  }
}
