package org.clearing.channel.alipay;

import java.time.Instant;
import java.util.Objects;
import org.clearing.channel.Money;

/**
 * One trade or refund as the sandbox writes it into a bill (Alipay's documentation). Amounts are given as
 * positive magnitudes; the writer prints refunds negative as Alipay does.
 *
 * @param type 交易 or 退款
 * @param counterparty the payer's masked account (对方账户), display only
 * @param amount the order amount (订单金额) or refund amount, positive
 * @param received what the merchant receives (商家实收) or gives back, positive
 * @param outRequestNo the refund's out_request_no (退款批次号/请求号); empty for a payment
 * @param fee the service fee charged on a payment, or returned on a refund; zero or positive
 */
public record AlipayBillRow(
    String tradeNo,
    String outTradeNo,
    Type type,
    String subject,
    Instant createdAt,
    Instant finishedAt,
    String counterparty,
    Money amount,
    Money received,
    String outRequestNo,
    Money fee,
    String remark) {

  /** 业务类型: the two kinds of line in a trade bill. */
  public enum Type {
    PAYMENT("交易"),
    REFUND("退款");

    private final String label;

    Type(String label) {
      this.label = label;
    }

    /** The 业务类型 text in the bill. */
    public String label() {
      return label;
    }
  }

  public AlipayBillRow {
    Objects.requireNonNull(tradeNo, "tradeNo");
    Objects.requireNonNull(outTradeNo, "outTradeNo");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(finishedAt, "finishedAt");
    Objects.requireNonNull(amount, "amount");
    Objects.requireNonNull(received, "received");
    Objects.requireNonNull(fee, "fee");
    subject = subject == null ? "" : subject;
    counterparty = counterparty == null ? "" : counterparty;
    outRequestNo = outRequestNo == null ? "" : outRequestNo;
    remark = remark == null ? "" : remark;
    if (!amount.isPositive() || received.isNegative() || fee.isNegative()) {
      throw new IllegalArgumentException("bill row amounts are positive magnitudes");
    }
    if (type == Type.REFUND && outRequestNo.isEmpty()) {
      throw new IllegalArgumentException("a refund row needs its out_request_no");
    }
  }
}
