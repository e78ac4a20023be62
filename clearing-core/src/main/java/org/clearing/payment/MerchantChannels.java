package org.clearing.payment;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Clock;
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
    Map<Channel, ChannelAdapter> adapters = new EnumMap<>(Channel.class);
    WechatAdapter wechat = only("wechat", merchants.wechat())
        .map(config -> new WechatAdapter(vertx, client, config)).orElse(null);
    if (wechat != null) {
      adapters.put(Channel.WECHAT, wechat);
      if (merchants.wechatDownloads().get(0)) {
        // Each engine keeps its trusted keys in memory, so each refreshes its own: a timer of
        // this process, not a job leased to one engine of many.
        vertx.setPeriodic(PLATFORM_CERTIFICATE_REFRESH_MS, timer -> wechat.refreshPlatformCertificates()
            .onSuccess(trusted -> LOG.info("event=wechat.platform_certificates.refreshed trusted_keys={}", trusted))
            .onFailure(e -> LOG.warn("event=wechat.platform_certificates.refresh_failed reason=\"{}\"",
                e.getMessage())));
      }
    }
    only("alipay", merchants.alipay()).ifPresent(config ->
        adapters.put(Channel.ALIPAY, new AlipayAdapter(vertx, client, config)));
    only("unionpay", merchants.unionpay()).ifPresent(config ->
        adapters.put(Channel.UNIONPAY, new UnionPayAdapter(vertx, client, config)));
    boolean oauth = wechat != null && !merchants.wechat().get(0).config().appSecret().isEmpty();
    return new ChannelSet(adapters, accounts, oauth ? payers(wechat) : null);
  }

  /**
   * This engine routes each channel to one adapter whatever the order's region, so the file may
   * name one merchant per channel; several regions share it.
   */
  private static <C> java.util.Optional<C> only(String channel, List<MerchantCredentials.Checked<C>> merchants) {
    if (merchants.size() > 1) {
      throw new MerchantConfigException(merchants.get(1).field(), "this engine collects through one merchant"
          + " per channel for all its regions; list the regions of " + channel + "[1] under " + channel + "[0]");
    }
    return merchants.stream().findFirst().map(MerchantCredentials.Checked::config);
  }

  private static ChannelSet.PayerIdentification payers(WechatAdapter wechat) {
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
