package org.clearing.payment;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.alipay.AlipayAdapter;
import org.clearing.merchant.MerchantConfigException;
import org.clearing.merchant.MerchantConfigLoader;
import org.clearing.merchant.MerchantCredentials;
import org.clearing.channel.unionpay.UnionPayAdapter;
import org.clearing.channel.wechat.WechatAdapter;

/**
 * The channels built from a merchant configuration file ({@code --config}, or the one the demo
 * sandboxes write): the one path by which the engine gets its adapters, in demo mode and live.
 */
public final class MerchantChannels {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MerchantChannels.class);

  /**
   * WeChat announces a new platform certificate well before it signs with it; fetching twice a
   * day, as its SDK does, trusts it in time.
   */
  public static final long PLATFORM_CERTIFICATE_REFRESH_MS = 12 * 60 * 60 * 1000L;

  private MerchantChannels() {}

  /**
   * Loads and checks {@code file} and builds one adapter per configured channel.
   *
   * @param billRoot where each channel's downloaded bills are kept ({@code bills/<channel>})
   * @param accounts each payee account's receiver at each channel (payee_channel_account)
   */
  public static Future<ChannelSet> load(Vertx vertx, WebClient client, Path file, Path billRoot,
      Map<Channel, Map<String, String>> accounts) {
    return MerchantConfigLoader.load(vertx, client, file, billRoot, System.getenv(), Clock.systemUTC())
        // Adapters build their verifiers and ciphers when made: worker work, not event-loop work.
        .compose(merchants -> vertx.executeBlocking(() -> channelSet(vertx, client, merchants, accounts)));
  }

  private static ChannelSet channelSet(Vertx vertx, WebClient client, MerchantCredentials.Merchants merchants,
      Map<Channel, Map<String, String>> accounts) {
    Map<Channel, List<ChannelSet.Merchant>> byChannel = new EnumMap<>(Channel.class);
    List<ChannelSet.Merchant> wechat = new ArrayList<>();
    for (int i = 0; i < merchants.wechat().size(); i++) {
      var checked = merchants.wechat().get(i);
      WechatAdapter adapter = new WechatAdapter(vertx, client, checked.config());
      wechat.add(merchant(wechat, checked, checked.config().mchid(),
          checked.config().serviceProvider() ? "sp-mchid" : "mchid", adapter,
          checked.config().appSecret().isEmpty() ? null : payers(adapter)));
      if (merchants.wechatDownloads().get(i)) {
        refreshPlatformCertificates(vertx, adapter);
      }
    }
    byChannel.put(Channel.WECHAT, wechat);
    List<ChannelSet.Merchant> alipay = new ArrayList<>();
    for (var checked : merchants.alipay()) {
      alipay.add(merchant(alipay, checked, checked.config().appId(), "app-id",
          new AlipayAdapter(vertx, client, checked.config()), null));
    }
    byChannel.put(Channel.ALIPAY, alipay);
    List<ChannelSet.Merchant> unionpay = new ArrayList<>();
    for (var checked : merchants.unionpay()) {
      unionpay.add(merchant(unionpay, checked, checked.config().merId(), "mer-id",
          new UnionPayAdapter(vertx, client, checked.config()), null));
    }
    byChannel.put(Channel.UNIONPAY, unionpay);
    // Without a region, payers are identified through the default merchant's official account.
    return ChannelSet.ofMerchants(byChannel, accounts, wechat.isEmpty() ? null : wechat.get(0).payers());
  }

  /** The id of the merchant an administrator configured for {@code region} in the database. */
  public static String regionMerchantId(String region) {
    return "region-" + region;
  }

  /**
   * Loads a configuration file naming one merchant of {@code channel} (an administrator's, written
   * out from the database) as that region's merchant, checked as the file's are.
   *
   * @param metrics times its calls as the file's merchants' are; null: untimed
   */
  public static Future<ChannelSet.Merchant> regionMerchant(Vertx vertx, WebClient client, Path file,
      Path billRoot, String region, Channel channel, io.micrometer.core.instrument.MeterRegistry metrics) {
    return MerchantConfigLoader.load(vertx, client, file, billRoot, Map.of(), Clock.systemUTC())
        .compose(merchants -> vertx.executeBlocking(() -> {
          org.clearing.channel.ChannelAdapter adapter;
          ChannelSet.PayerIdentification payers = null;
          switch (channel) {
            case WECHAT -> {
              var config = merchants.wechat().get(0).config();
              WechatAdapter wechat = new WechatAdapter(vertx, client, config);
              if (merchants.wechatDownloads().get(0)) {
                refreshPlatformCertificates(vertx, wechat);
              }
              payers = config.appSecret().isEmpty() ? null : payers(wechat);
              adapter = wechat;
            }
            case ALIPAY -> adapter = new AlipayAdapter(vertx, client, merchants.alipay().get(0).config());
            default -> adapter = new UnionPayAdapter(vertx, client, merchants.unionpay().get(0).config());
          }
          return new ChannelSet.Merchant(regionMerchantId(region), List.of(region),
              metrics == null ? adapter : new TimedChannelAdapter(adapter, metrics), payers);
        }));
  }

  /** Each WeChat merchant keeps its own trusted platform keys, so each refreshes its own. */
  static void refreshPlatformCertificates(Vertx vertx, WechatAdapter wechat) {
    // Each engine keeps its trusted keys in memory, so each refreshes its own: a timer of
    // this process, not a job leased to one engine of many.
    vertx.setPeriodic(PLATFORM_CERTIFICATE_REFRESH_MS, timer -> wechat.refreshPlatformCertificates()
        .onSuccess(trusted -> LOG.info("event=wechat.platform_certificates.refreshed trusted_keys={}", trusted))
        .onFailure(e -> LOG.warn("event=wechat.platform_certificates.refresh_failed reason=\"{}\"",
            e.getMessage())));
  }

  /**
   * A merchant of the file, named by its id at the channel: the id callbacks carry in their path
   * ({@code /callbacks/<channel>/<id>}) and channel orders record, so two merchants of one channel
   * must not share it.
   */
  private static ChannelSet.Merchant merchant(List<ChannelSet.Merchant> earlier, MerchantCredentials.Checked<?> checked,
      String id, String idField, org.clearing.channel.ChannelAdapter adapter, ChannelSet.PayerIdentification payers) {
    for (ChannelSet.Merchant other : earlier) {
      if (id.equals(other.id())) {
        throw new MerchantConfigException(checked.field() + "." + idField, "is also the " + idField
            + " of an earlier merchant of this channel; list that merchant's regions under it instead");
      }
    }
    return new ChannelSet.Merchant(id, checked.regions(), adapter, payers);
  }

  static ChannelSet.PayerIdentification payers(WechatAdapter wechat) {
    return new ChannelSet.PayerIdentification() {
      @Override
      public String authorizeUrl(String redirectUri, String state) {
        return wechat.oauthAuthorizeUrl(redirectUri, state);
      }

      @Override
      public Future<String> payerIdForCode(String code) {
        return wechat.openIdForCode(code);
      }
    };
  }
}
