package org.clearing.golive;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.clearing.channel.wechat.WechatNotificationSigner;
import org.clearing.channel.wechat.WechatPlatformCredential;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SecretFiles;
import org.clearing.sandbox.SandboxControl;
import org.clearing.sandbox.wechat.WechatDemo;
import org.clearing.testing.Await;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * Two WeChat sandboxes, each a merchant of its own ({@value #MCHID_A} for Lu'an city 341500,
 * {@value #MCHID_B} for Huoqiu county 341522), handed over in one merchant configuration file as a
 * bureau with one merchant per region would write it.
 */
final class TwoWechatMerchants implements BeforeAllCallback, AfterAllCallback {

  static final String MCHID_A = "1900000001";
  static final String MCHID_B = "1900000002";
  static final String REGION_A = "341500";
  static final String REGION_B = "341522";
  /** The demo payee accounts' WeChat receivers (V3's seed). */
  private static final Set<String> RECEIVERS = Set.of("1900000101", "1900000102", "1900000103", "1900000104");

  private Vertx vertx;
  private Path directory;
  private WechatDemo a;
  private WechatDemo b;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    vertx = Vertx.vertx();
    directory = Files.createTempDirectory("clearing-two-merchants-");
    a = Await.result(WechatDemo.start(vertx, directory.resolve("channels/a"), SandboxControl.LOOPBACK, 0, 1,
        RECEIVERS, MCHID_A));
    b = Await.result(WechatDemo.start(vertx, directory.resolve("channels/b"), SandboxControl.LOOPBACK, 0, 1,
        RECEIVERS, MCHID_B));
    SecretFiles.createDirectories(directory.resolve("merchant"));
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("version", "1");
    document.put("wechat", List.of(entry(REGION_A, a.handOver(directory.resolve("merchant/a"), "merchant/a")),
        entry(REGION_B, b.handOver(directory.resolve("merchant/b"), "merchant/b"))));
    SecretFiles.writeString(merchantConfig(), new Dump(DumpSettings.builder()
        .setDefaultFlowStyle(FlowStyle.BLOCK).build()).dumpToString(document));
  }

  private static Map<String, Object> entry(String region, Map<String, Object> handedOver) {
    Map<String, Object> merchant = new LinkedHashMap<>();
    merchant.put("regions", new java.util.ArrayList<>(List.of(region)));
    merchant.putAll(handedOver);
    return merchant;
  }

  Path merchantConfig() {
    return directory.resolve("merchant-config.yaml");
  }

  String baseUrl(String mchid) {
    return (MCHID_A.equals(mchid) ? a : b).sandbox().baseUrl();
  }

  JsonObject merchant(String mchid) throws Exception {
    return new JsonObject(Files.readString(directory.resolve("channels/" + (MCHID_A.equals(mchid) ? "a" : "b")
        + "/merchant/merchant.json")));
  }

  /**
   * Signs notifications as the WeChat platform of merchant {@code mchid} does: with that
   * sandbox's platform key, the resource encrypted under that merchant's API v3 key.
   */
  WechatNotificationSigner platformOf(String mchid) throws Exception {
    Path keys = directory.resolve("channels/" + (MCHID_A.equals(mchid) ? "a" : "b") + "/sandbox/keys");
    WechatPlatformCredential platform = new WechatPlatformCredential(
        Files.readString(keys.resolve("platform-public-key.serial")).trim(),
        new KeyPair(Pem.readPublicKey(Files.readString(keys.resolve("platform-public-key.pem"))),
            Pem.readPrivateKey(Files.readString(keys.resolve("platform-public-key-key.pem")))),
        Optional.empty());
    return new WechatNotificationSigner(platform, merchant(mchid).getString("api_v3_key"), Clock.systemUTC());
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (vertx != null) {
      Await.result(a.stop());
      Await.result(b.stop());
      Await.result(vertx.close());
    }
  }
}
