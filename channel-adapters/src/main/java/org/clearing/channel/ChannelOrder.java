package org.clearing.channel;

import java.util.Objects;

/**
 * An order opened at a channel.
 *
 * @param outTradeNo our order number at the channel
 * @param payerUrl where to send the payer's browser to pay (the wallet's cashier: WeChat JSAPI
 *     page, Alipay wap pay, UnionPay QR or front page); a plain GET URL
 * @param channelReference the channel's own handle on the order when it gives one (prepay_id,
 *     qrCode, …), empty otherwise
 */
public record ChannelOrder(Channel channel, String outTradeNo, String payerUrl, String channelReference) {

  public ChannelOrder {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(outTradeNo, "outTradeNo");
    Objects.requireNonNull(payerUrl, "payerUrl");
    channelReference = channelReference == null ? "" : channelReference;
  }
}
