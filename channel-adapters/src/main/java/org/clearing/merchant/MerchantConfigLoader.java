package org.clearing.merchant;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.clearing.channel.wechat.WechatAdapter;
import org.clearing.channel.wechat.WechatPlatformCertificates;
import org.clearing.channel.wechat.WechatPlatformKeys;

/**
 * Reads, checks and completes a merchant configuration file: {@link MerchantConfigFile} then
 * {@link MerchantCredentials} on a worker thread, then, for WeChat merchants that ask for it,
 * the platform certificates from {@code GET /v3/certificates}. A failure names the field; the
 * engine does not start with it.
 */
public final class MerchantConfigLoader {

  private MerchantConfigLoader() {}

  public static Future<MerchantCredentials.Merchants> load(Vertx vertx, WebClient client, Path file,
      Path billRoot, Map<String, String> environment, Clock clock) {
    return vertx.executeBlocking(() -> MerchantCredentials.check(MerchantConfigFile.read(file), billRoot,
            environment, clock))
        .compose(merchants -> completeWechat(vertx, client, merchants, clock));
  }

  private static Future<MerchantCredentials.Merchants> completeWechat(Vertx vertx, WebClient client,
      MerchantCredentials.Merchants merchants, Clock clock) {
    List<Future<MerchantCredentials.Checked<WechatAdapter.Config>>> completed = new ArrayList<>();
    for (int i = 0; i < merchants.wechat().size(); i++) {
      var checked = merchants.wechat().get(i);
      completed.add(merchants.wechatDownloads().get(i)
          ? downloaded(vertx, client, checked, clock) : Future.succeededFuture(checked));
    }
    return Future.all(completed).map(all -> new MerchantCredentials.Merchants(
        completed.stream().map(Future::result).toList(),
        merchants.wechatDownloads(), merchants.alipay(), merchants.unionpay()));
  }

  private static Future<MerchantCredentials.Checked<WechatAdapter.Config>> downloaded(Vertx vertx,
      WebClient client, MerchantCredentials.Checked<WechatAdapter.Config> checked, Clock clock) {
    WechatAdapter.Config c = checked.config();
    return WechatPlatformCertificates.download(vertx, client, c, clock)
        .recover(e -> Future.failedFuture(e instanceof WechatPlatformCertificates.DownloadException d
            ? downloadProblem(checked.field(), d) : e))
        .map(certificates -> {
          WechatPlatformKeys keys = c.platformKeys();
          for (var certificate : certificates) {
            keys = keys.withCertificate(certificate);
          }
          return new MerchantCredentials.Checked<>(checked.field(), checked.regions(), c.withPlatformKeys(keys));
        });
  }

  /** Each way the download fails points at the field most likely wrong. */
  private static MerchantConfigException downloadProblem(String f,
      WechatPlatformCertificates.DownloadException e) {
    String prefix = "downloading the platform certificates (GET /v3/certificates): ";
    return switch (e.problem()) {
      case UNDECRYPTABLE -> new MerchantConfigException(f + ".api-v3-key",
          prefix + "they do not decrypt with this key; it is not the API v3 key set for mchid "
              + "in the merchant platform");
      case REFUSED -> new MerchantConfigException(f + ".merchant-private-key",
          prefix + "WeChat refused the request (" + e.getMessage() + "); check mchid, the key and its certificate");
      case UNREACHABLE -> new MerchantConfigException(f + ".urls.api", prefix + e.getMessage());
      case UNVERIFIED, MALFORMED, NONE_VALID -> new MerchantConfigException(f + ".platform-certificates",
          prefix + e.getMessage());
    };
  }
}
