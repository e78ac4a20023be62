package org.clearing.refund;

import io.vertx.core.Future;
import java.util.List;
import java.util.regex.Pattern;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.RefundNotification;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.RefundResult;
import org.clearing.channel.SplitLeg;
import org.clearing.payment.ChannelOrders;
import org.clearing.payment.ChannelSet;
import org.clearing.payment.RefundNotifications;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refunds of paid orders. The refund is committed (its lines reserved) before the channel is
 * called, so a lost answer leaves an UNKNOWN refund to resolve, never a guess and never a second
 * refund of the same lines.
 */
public final class RefundService implements RefundNotifications {

  private static final Logger LOG = LoggerFactory.getLogger(RefundService.class);
  /** The engine's own refund numbers: a refund's id (RefundRepository numbers them). */
  private static final Pattern REFUND_NO = Pattern.compile("RF[0-9]{12}");
  /** The engine's own refund numbers: a duplicate payment's (DuplicatePaymentRefunds numbers them). */
  private static final Pattern DUPLICATE_REFUND_NO = Pattern.compile("DR[0-9]{12}");

  private final RefundRepository refunds;
  private final ChannelSet channels;
  private final String notifyBaseUrl;

  private final DuplicatePaymentRefunds duplicates;

  public RefundService(RefundRepository refunds, ChannelSet channels, String notifyBaseUrl,
      DuplicatePaymentRefunds duplicates) {
    this.refunds = refunds;
    this.channels = channels;
    this.notifyBaseUrl = notifyBaseUrl;
    this.duplicates = duplicates;
  }

  public RefundRepository repository() {
    return refunds;
  }

  /** Plans the refund and, before settlement, asks the channel to give the money back. */
  public Future<RefundRepository.Planned> request(String clientId, String refundKey, String orderNo,
      List<Integer> lineNos, String reason) {
    return request(clientId, refundKey, orderNo, lineNos, reason, conn -> Future.succeededFuture());
  }

  /**
   * As above, with {@code record} (a person's audit of the request) run in the transaction that
   * plans the refund: the refund and its record commit together, before the channel is asked.
   */
  public Future<RefundRepository.Planned> request(String clientId, String refundKey, String orderNo,
      List<Integer> lineNos, String reason,
      java.util.function.Function<io.vertx.sqlclient.SqlConnection, Future<Void>> record) {
    return refunds.plan(clientId, refundKey, orderNo, lineNos, reason, record).compose(planned -> {
      if (planned instanceof RefundRepository.Created created && created.refund().mode().equals("CHANNEL")) {
        return callChannel(created).map(refund ->
            (RefundRepository.Planned) new RefundRepository.Created(refund, created.paidTransactionId(),
                created.orderTotalFen()));
      }
      return Future.succeededFuture(planned);
    });
  }

  private Future<RefundRepository.Refund> callChannel(RefundRepository.Created created) {
    RefundRepository.Refund refund = created.refund();
    // The merchant the order was paid through: only it can refund the payment.
    return refunds.merchantOf(refund.orderNo(), refund.channel())
        .compose(merchantId -> callChannel(created, merchantId));
  }

  private Future<RefundRepository.Refund> callChannel(RefundRepository.Created created, String merchantId) {
    RefundRepository.Refund refund = created.refund();
    Channel channel = Channel.fromCode(refund.channel()).orElseThrow();
    ChannelAdapter adapter = channels.adapter(channel, merchantId).orElse(null);
    if (adapter == null) {
      return refunds.moveTo(refund.refundId(), RefundStatus.UNKNOWN, null);
    }
    List<SplitLeg> legs = refund.legs().stream().map(leg -> new SplitLeg(leg.legNo(), leg.payeeAccountId(),
        channels.channelAccount(channel, leg.payeeAccountId()).orElse(leg.payeeAccountId()),
        Money.ofFen(leg.amountFen()))).toList();
    RefundRequest request = new RefundRequest(OutTradeNumbers.of(channel, refund.orderNo()),
        created.paidTransactionId(), refund.refundId(), Money.ofFen(refund.amountFen()),
        Money.ofFen(created.orderTotalFen()), legs, channels.notifyUrl(notifyBaseUrl, channel, merchantId),
        refund.reason());
    return adapter.refund(request)
        .recover(error -> Future.succeededFuture(new RefundResult.Unknown(String.valueOf(error.getMessage()))))
        .compose(result -> {
          LOG.info("event=refund.channel_answer refund_id={} order_no={} channel={} result={}",
              refund.refundId(), refund.orderNo(), channel.code(), result.getClass().getSimpleName());
          if (result instanceof RefundResult.Succeeded ok) {
            return refunds.succeeded(refund.refundId(), ok.refundId());
          }
          if (result instanceof RefundResult.Accepted accepted) {
            return refunds.moveTo(refund.refundId(), RefundStatus.ACCEPTED, accepted.refundId());
          }
          if (result instanceof RefundResult.Refused refused) {
            LOG.warn("event=refund.refused refund_id={} code={} message=\"{}\"", refund.refundId(),
                refused.code(), refused.message());
            return refunds.moveTo(refund.refundId(), RefundStatus.FAILED, null);
          }
          LOG.warn("event=refund.unknown refund_id={} order_no={} channel={} result=\"{}\"", refund.refundId(),
              refund.orderNo(), channel.code(), result);
          return refunds.moveTo(refund.refundId(), RefundStatus.UNKNOWN, null);
        });
  }

  /**
   * A verified refund notification, under our refund number as the engine asked for it. A channel
   * that refunds leg by leg (WeChat's combined payments) reports each leg: the refund succeeds when
   * every one of its legs has.
   */
  @Override
  public Future<Void> onNotification(RefundNotification notification) {
    String refundNo = notification.parentOutRefundNo();
    if (DUPLICATE_REFUND_NO.matcher(refundNo).matches()) {
      // A duplicate payment given back; a channel that reports each leg completes it with any of
      // them because the whole payment was refunded in one request per leg.
      return notification.status() == RefundNotification.Status.SUCCEEDED
          ? duplicates.succeeded(refundNo) : Future.succeededFuture();
    }
    if (!REFUND_NO.matcher(refundNo).matches()) {
      return Future.succeededFuture();
    }
    return refunds.find(refundNo).compose(refund -> {
      if (refund == null || refund.status().isFinal()) {
        return Future.succeededFuture();
      }
      boolean perLeg = notification.legNo() > 0;
      return switch (notification.status()) {
        case SUCCEEDED -> perLeg
            ? refunds.legSucceeded(refundNo, notification.legNo())
                .compose(all -> all ? refunds.succeeded(refundNo, notification.refundId()).mapEmpty()
                    : Future.succeededFuture())
            : refunds.succeeded(refundNo, notification.refundId()).mapEmpty();
        case FAILED -> refunds.moveTo(refundNo, RefundStatus.FAILED, null).mapEmpty();
        case PROCESSING -> Future.succeededFuture();
      };
    });
  }
}
