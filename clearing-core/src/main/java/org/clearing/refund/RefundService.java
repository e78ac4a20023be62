package org.clearing.refund;

import io.vertx.core.Future;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.Money;
import org.clearing.channel.RefundNotification;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.RefundResult;
import org.clearing.channel.SplitLeg;
import org.clearing.payment.ChannelOrders;
import org.clearing.payment.ChannelSet;
import org.clearing.payment.OutTradeNumbers;
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
    return refunds.plan(clientId, refundKey, orderNo, lineNos, reason).compose(planned -> {
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
    Channel channel = Channel.fromCode(refund.channel()).orElseThrow();
    ChannelAdapter adapter = channels.adapter(channel).orElse(null);
    if (adapter == null) {
      return refunds.moveTo(refund.refundId(), RefundStatus.UNKNOWN, null);
    }
    List<SplitLeg> legs = refund.legs().stream().map(leg -> new SplitLeg(leg.legNo(), leg.payeeAccountId(),
        channels.channelAccount(channel, leg.payeeAccountId()).orElse(leg.payeeAccountId()),
        Money.ofFen(leg.amountFen()))).toList();
    RefundRequest request = new RefundRequest(OutTradeNumbers.of(channel, refund.orderNo()),
        created.paidTransactionId(), refund.refundId(), Money.ofFen(refund.amountFen()),
        Money.ofFen(created.orderTotalFen()), legs, ChannelOrders.notifyUrl(notifyBaseUrl, channel),
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
          return refunds.moveTo(refund.refundId(), RefundStatus.UNKNOWN, null);
        });
  }

  /**
   * A verified refund notification. WeChat refunds a combined payment leg by leg, with our refund
   * number plus {@code L<legNo>}; the refund succeeds when every one of its legs has.
   */
  @Override
  public Future<Void> onNotification(RefundNotification notification) {
    String outRefundNo = notification.outRefundNo();
    if (outRefundNo.matches("DR[0-9]{12}(L[0-9]+)?")) {
      // A duplicate payment given back; WeChat reports each sub-order, any of them completes it
      // because the whole payment was refunded in one request per sub-order.
      return notification.status() == RefundNotification.Status.SUCCEEDED
          ? duplicates.succeeded(outRefundNo.replaceFirst("L[0-9]+$", "")) : Future.succeededFuture();
    }
    String refundId = outRefundNo.matches("RF[0-9]{12}L[0-9]+") ? outRefundNo.substring(0, outRefundNo.indexOf('L'))
        : outRefundNo;
    if (!refundId.matches("RF[0-9]{12}")) {
      return Future.succeededFuture();
    }
    return refunds.find(refundId).compose(refund -> {
      if (refund == null || refund.status().isFinal()) {
        return Future.succeededFuture();
      }
      boolean perLeg = !refundId.equals(outRefundNo);
      return switch (notification.status()) {
        case SUCCEEDED -> perLeg
            ? refunds.legSucceeded(refundId, Integer.parseInt(outRefundNo.substring(outRefundNo.indexOf('L') + 1)))
                .compose(all -> all ? refunds.succeeded(refundId, notification.refundId()).mapEmpty()
                    : Future.succeededFuture())
            : refunds.succeeded(refundId, notification.refundId()).mapEmpty();
        case FAILED -> refunds.moveTo(refundId, RefundStatus.FAILED, null).mapEmpty();
        case PROCESSING -> Future.succeededFuture();
      };
    });
  }
}
