package org.clearing.payment;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;

/**
 * The channels this engine collects through, with the identities of payee accounts at each, and
 * how a WeChat payer is identified (OAuth) for in-app payment.
 */
public final class ChannelSet {

  /** WeChat's in-app flow needs the payer's openid, obtained through an OAuth redirect. */
  public interface PayerIdentification {
    String authorizeUrl(String redirectUri, String state);

    io.vertx.core.Future<String> payerIdForCode(String code);
  }

  private final Map<Channel, ChannelAdapter> adapters;
  private final ChannelAccounts channelAccounts;
  private final PayerIdentification wechatPayers;

  public ChannelSet(Map<Channel, ChannelAdapter> adapters,
      Map<Channel, Map<String, String>> channelAccounts, PayerIdentification wechatPayers) {
    this(adapters, ChannelAccounts.fixed(channelAccounts), wechatPayers);
  }

  public ChannelSet(Map<Channel, ChannelAdapter> adapters, ChannelAccounts channelAccounts,
      PayerIdentification wechatPayers) {
    this.adapters = adapters.isEmpty() ? Map.of() : new EnumMap<>(adapters);
    this.channelAccounts = channelAccounts;
    this.wechatPayers = wechatPayers;
  }

  /**
   * The same channels, with the payee accounts' receivers read from {@code accounts}: the engine
   * passes the live ones, so an account an administrator adds can be paid at once.
   */
  public ChannelSet withChannelAccounts(ChannelAccounts accounts) {
    return new ChannelSet(adapters, accounts, wechatPayers);
  }

  public static ChannelSet none() {
    return new ChannelSet(Map.of(), Map.of(), null);
  }

  /**
   * The same channels, each adapter's network calls timed into
   * {@code clearing_channel_call_latency_seconds} (see {@link TimedChannelAdapter}).
   */
  public ChannelSet timed(io.micrometer.core.instrument.MeterRegistry metrics) {
    Map<Channel, ChannelAdapter> timed = new EnumMap<>(Channel.class);
    adapters.forEach((channel, adapter) -> timed.put(channel, new TimedChannelAdapter(adapter, metrics)));
    return new ChannelSet(timed, channelAccounts, wechatPayers);
  }

  public Optional<ChannelAdapter> adapter(Channel channel) {
    return Optional.ofNullable(adapters.get(channel));
  }

  public boolean isEmpty() {
    return adapters.isEmpty();
  }

  /** The payee account's identity at the channel, if the account can be paid through it. */
  public Optional<String> channelAccount(Channel channel, String payeeAccountId) {
    return channelAccounts.receiver(channel, payeeAccountId);
  }

  public Optional<PayerIdentification> wechatPayers() {
    return Optional.ofNullable(wechatPayers);
  }
}
