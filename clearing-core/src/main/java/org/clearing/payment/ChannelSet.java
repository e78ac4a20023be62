package org.clearing.payment;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;

/**
 * The channels this engine collects through — at each, one or more merchants, each serving some
 * regions — with the identities of payee accounts at each, and how a WeChat payer is identified
 * (OAuth) for in-app payment. The order's region picks the merchant; a channel order remembers the
 * merchant it was opened with, so its callbacks, queries, closes and refunds go to that one.
 */
public final class ChannelSet {

  /** WeChat's in-app flow needs the payer's openid, obtained through an OAuth redirect. */
  public interface PayerIdentification {
    String authorizeUrl(String redirectUri, String state);

    io.vertx.core.Future<String> payerIdForCode(String code);
  }

  /**
   * One merchant at a channel.
   *
   * @param id how callbacks and channel orders name it: the channel's merchant id (mchid, app_id,
   *     merId) for a merchant of the configuration file, {@code region-<code>} for one an
   *     administrator configured in the database; null for the only merchant of a channel built
   *     without a configuration (tests)
   * @param regions the regions it collects for; empty: every region
   * @param payers how its payers are identified (WeChat OAuth: an openid belongs to one appid);
   *     null when it does not identify them
   */
  public record Merchant(String id, List<String> regions, ChannelAdapter adapter, PayerIdentification payers) {
    public Merchant {
      regions = List.copyOf(regions);
    }

    public Merchant(String id, List<String> regions, ChannelAdapter adapter) {
      this(id, regions, adapter, null);
    }

    boolean serves(String region) {
      return regions.isEmpty() || regions.contains(region);
    }
  }

  /** A merchant an administrator configured for one (region, channel), ahead of the file's. */
  public record RegionMerchant(String region, Channel channel, Merchant merchant) {}

  private final Map<Channel, List<Merchant>> merchants;
  /**
   * The merchants configured in the database, replaced whole when an administrator saves one:
   * shared by every copy of this set ({@link #timed}, {@link #withChannelAccounts}) so each
   * component sees a change at once.
   */
  private final AtomicReference<List<RegionMerchant>> regionMerchants;
  private final ChannelAccounts channelAccounts;
  private final PayerIdentification wechatPayers;

  public ChannelSet(Map<Channel, ChannelAdapter> adapters,
      Map<Channel, Map<String, String>> channelAccounts, PayerIdentification wechatPayers) {
    this(single(adapters), new AtomicReference<>(List.of()), ChannelAccounts.fixed(channelAccounts), wechatPayers);
  }

  public ChannelSet(Map<Channel, ChannelAdapter> adapters, ChannelAccounts channelAccounts,
      PayerIdentification wechatPayers) {
    this(single(adapters), new AtomicReference<>(List.of()), channelAccounts, wechatPayers);
  }

  /** Each channel's merchants, the first of each its default (the one of {@code /callbacks/<channel>}). */
  public static ChannelSet ofMerchants(Map<Channel, List<Merchant>> merchants,
      Map<Channel, Map<String, String>> channelAccounts, PayerIdentification wechatPayers) {
    return new ChannelSet(merchants, new AtomicReference<>(List.of()), ChannelAccounts.fixed(channelAccounts),
        wechatPayers);
  }

  private ChannelSet(Map<Channel, List<Merchant>> merchants, AtomicReference<List<RegionMerchant>> regionMerchants,
      ChannelAccounts channelAccounts, PayerIdentification wechatPayers) {
    this.merchants = new EnumMap<>(Channel.class);
    merchants.forEach((channel, list) -> {
      if (!list.isEmpty()) {
        this.merchants.put(channel, List.copyOf(list));
      }
    });
    this.regionMerchants = regionMerchants;
    this.channelAccounts = channelAccounts;
    this.wechatPayers = wechatPayers;
  }

  private static Map<Channel, List<Merchant>> single(Map<Channel, ChannelAdapter> adapters) {
    Map<Channel, List<Merchant>> merchants = new EnumMap<>(Channel.class);
    adapters.forEach((channel, adapter) -> merchants.put(channel, List.of(new Merchant(null, List.of(), adapter))));
    return merchants;
  }

  /**
   * The same channels, with the payee accounts' receivers read from {@code accounts}: the engine
   * passes the live ones, so an account an administrator adds can be paid at once.
   */
  public ChannelSet withChannelAccounts(ChannelAccounts accounts) {
    return new ChannelSet(merchants, regionMerchants, accounts, wechatPayers);
  }

  public static ChannelSet none() {
    return new ChannelSet(Map.of(), Map.of(), null);
  }

  /**
   * The same channels, each adapter's network calls timed into
   * {@code clearing_channel_call_latency_seconds} (see {@link TimedChannelAdapter}).
   */
  public ChannelSet timed(io.micrometer.core.instrument.MeterRegistry metrics) {
    Map<Channel, List<Merchant>> timed = new EnumMap<>(Channel.class);
    merchants.forEach((channel, list) -> timed.put(channel, list.stream()
        .map(m -> new Merchant(m.id(), m.regions(), new TimedChannelAdapter(m.adapter(), metrics), m.payers())).toList()));
    return new ChannelSet(timed, regionMerchants, channelAccounts, wechatPayers);
  }

  /**
   * Replaces the merchants configured in the database (every copy of this set sees them); their
   * adapters are expected timed already when the engine's are.
   */
  public void replaceRegionMerchants(List<RegionMerchant> configured) {
    regionMerchants.set(List.copyOf(configured));
  }

  /** The channel's default merchant: the first of the file, for work not tied to one order. */
  public Optional<ChannelAdapter> adapter(Channel channel) {
    return Optional.ofNullable(merchants.get(channel)).map(list -> list.get(0).adapter());
  }

  /**
   * The merchant that collects for {@code region} at {@code channel}: one configured in the
   * database for that region first, then the file's merchant listing it, then — when the file
   * names a single merchant for the channel — that one, whatever the region (as before regions
   * were listed). Empty: the channel is not offered in that region.
   */
  public Optional<Merchant> merchantFor(String region, Channel channel) {
    for (RegionMerchant configured : regionMerchants.get()) {
      if (configured.channel() == channel && configured.region().equals(region)) {
        return Optional.of(configured.merchant());
      }
    }
    List<Merchant> list = merchants.getOrDefault(channel, List.of());
    for (Merchant merchant : list) {
      if (merchant.regions().contains(region)) {
        return Optional.of(merchant);
      }
    }
    return list.size() == 1 ? Optional.of(list.get(0)) : Optional.empty();
  }

  /**
   * The merchant a channel order was opened with, by the id recorded on it; null (orders opened
   * before merchants were recorded) is the channel's default merchant.
   */
  public Optional<Merchant> merchant(Channel channel, String merchantId) {
    List<Merchant> list = merchants.getOrDefault(channel, List.of());
    if (merchantId == null) {
      return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
    }
    for (RegionMerchant configured : regionMerchants.get()) {
      if (configured.channel() == channel && merchantId.equals(configured.merchant().id())) {
        return Optional.of(configured.merchant());
      }
    }
    Optional<Merchant> named = list.stream().filter(m -> merchantId.equals(m.id())).findFirst();
    // A set built from bare adapters (no configuration, ids unknown) has one merchant per channel.
    return named.isPresent() || list.size() != 1 || list.get(0).id() != null ? named : Optional.of(list.get(0));
  }

  /**
   * Where the merchant's callbacks go: {@code /callbacks/<channel>} for the channel's default
   * merchant (the path every order used before there were several), {@code
   * /callbacks/<channel>/<id>} for any other, so the callback is verified with that merchant's keys.
   */
  public String notifyUrl(String baseUrl, Channel channel, Merchant merchant) {
    List<Merchant> list = merchants.getOrDefault(channel, List.of());
    boolean isDefault = merchant.id() == null || (!list.isEmpty() && list.get(0) == merchant);
    return ChannelOrders.notifyUrl(baseUrl, channel)
        + (isDefault ? "" : "/" + java.net.URLEncoder.encode(merchant.id(), java.nio.charset.StandardCharsets.UTF_8));
  }

  /** {@link #notifyUrl(String, Channel, Merchant)} of the merchant a channel order recorded. */
  public String notifyUrl(String baseUrl, Channel channel, String merchantId) {
    return merchant(channel, merchantId).map(m -> notifyUrl(baseUrl, channel, m))
        .orElse(ChannelOrders.notifyUrl(baseUrl, channel));
  }

  /** The adapter of {@link #merchant(Channel, String)}. */
  public Optional<ChannelAdapter> adapter(Channel channel, String merchantId) {
    return merchant(channel, merchantId).map(Merchant::adapter);
  }

  /** Every merchant of the channel, the default first: the ones a callback may come from. */
  public List<Merchant> merchants(Channel channel) {
    List<Merchant> all = new ArrayList<>(merchants.getOrDefault(channel, List.of()));
    for (RegionMerchant configured : regionMerchants.get()) {
      if (configured.channel() == channel) {
        all.add(configured.merchant());
      }
    }
    return all;
  }

  /**
   * The channel orders that are {@code merchant}'s (one of {@link #merchants(Channel)}), as {@link
   * #merchant(Channel, String)} resolves the id each recorded: its own id, no id recorded for the
   * file's default merchant, and every id not claimed by a merchant of the database for the only
   * merchant of a set built without ids.
   */
  public MerchantOrders ordersOf(Channel channel, Merchant merchant) {
    List<Merchant> file = merchants.getOrDefault(channel, List.of());
    List<String> claimed = new ArrayList<>();
    boolean configured = false;
    for (RegionMerchant region : regionMerchants.get()) {
      if (region.channel() == channel) {
        claimed.add(region.merchant().id());
        configured |= region.merchant() == merchant;
      }
    }
    List<String> recorded = new ArrayList<>();
    if (merchant.id() != null) {
      recorded.add(merchant.id());
    }
    boolean isDefault = !configured && !file.isEmpty() && file.get(0) == merchant;
    if (isDefault) {
      recorded.add("");
    }
    boolean bare = isDefault && file.size() == 1 && merchant.id() == null;
    return new MerchantOrders(merchant.id(), recorded, bare, bare ? claimed : List.of());
  }

  /** Whether the channel has any merchant, in the file or the database. */
  public boolean offers(Channel channel) {
    return !merchants(channel).isEmpty();
  }

  public boolean isEmpty() {
    return merchants.isEmpty() && regionMerchants.get().isEmpty();
  }

  /** The payee account's identity at the channel, if the account can be paid through it. */
  public Optional<String> channelAccount(Channel channel, String payeeAccountId) {
    return channelAccounts.receiver(channel, payeeAccountId);
  }

  public Optional<PayerIdentification> wechatPayers() {
    return Optional.ofNullable(wechatPayers);
  }

  /**
   * How the WeChat merchant of {@code region} identifies its payers: an openid is issued for one
   * appid, so the payer must be identified through the merchant that will take the payment.
   */
  public Optional<PayerIdentification> wechatPayers(String region) {
    Optional<Merchant> merchant = merchantFor(region, Channel.WECHAT);
    if (merchant.isPresent() && merchant.get().payers() != null) {
      return Optional.of(merchant.get().payers());
    }
    return merchant.isPresent() && merchant.get().id() == null ? wechatPayers() : Optional.empty();
  }
}
