package org.clearing.sandbox.wechat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.List;
import java.util.Set;
import org.clearing.channel.wechat.WechatAdapter;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SecretFiles;
import org.clearing.sandbox.SandboxControl;

/**
 * A ready demo pairing: a merchant (keys made on first start under {@code directory/merchant},
 * loaded afterwards) and a WeChat sandbox under {@code directory/sandbox} that trusts it, so the
 * engine builds a working adapter with {@code new WechatAdapter(vertx, client,
 * demo.adapterConfig(billDir))}. Restart-safe: the same directory gives the same keys and history.
 */
public final class WechatDemo {

  /** Demo merchant ids in WeChat's shapes; the receivers are the sub-order mchids. */
  public static final String MCHID = "1900000001";
  public static final String APPID = "wxd678efh567hg6787";
  /** Calls to a local sandbox answer in milliseconds; 5 s leaves room for a loaded machine. */
  public static final long CALL_TIMEOUT_MS = 5_000;
  /**
   * Half the answers and callbacks are signed with the PUB_KEY_ID key, half with the certificate
   * key, as mid-migration (WeChat Pay's documentation): a configuration trusting only one fails at once.
   */
  public static final int PUBLIC_KEY_PERCENT = 50;

  /** The demo service provider's id, when the demo merchant is one (服务商). */
  public static final String SP_MCHID = "1900000100";

  private final WechatSandbox sandbox;
  private final JsonObject merchant;
  private final PrivateKey merchantKey;
  private final PublicKey merchantPublicKey;

  private WechatDemo(WechatSandbox sandbox, JsonObject merchant, PrivateKey merchantKey,
      PublicKey merchantPublicKey) {
    this.sandbox = sandbox;
    this.merchant = merchant;
    this.merchantKey = merchantKey;
    this.merchantPublicKey = merchantPublicKey;
  }

  public static Future<WechatDemo> start(Vertx vertx, Path directory, int port,
      double timeCompression, Set<String> receivers) {
    return start(vertx, directory, SandboxControl.LOOPBACK, port, timeCompression, receivers);
  }

  /** As {@link #start(Vertx, Path, int, double, Set)}, the sandbox listening on {@code host}. */
  public static Future<WechatDemo> start(Vertx vertx, Path directory, String host, int port,
      double timeCompression, Set<String> receivers) {
    return start(vertx, directory, host, port, timeCompression, receivers, MCHID);
  }

  /**
   * As {@link #start(Vertx, Path, String, int, double, Set)}, for the merchant {@code mchid} made
   * on first start: a second merchant of WeChat, as a region of its own would have.
   */
  public static Future<WechatDemo> start(Vertx vertx, Path directory, String host, int port,
      double timeCompression, Set<String> receivers, String mchid) {
    return start(vertx, directory, host, port, timeCompression, receivers, mchid, false);
  }

  /**
   * As {@link #start(Vertx, Path, String, int, double, Set, String)}; with {@code serviceProvider}
   * the merchant {@code mchid} is a service provider (服务商) whose sub-merchants are {@code
   * receivers}, speaking WeChat's partner API.
   */
  public static Future<WechatDemo> start(Vertx vertx, Path directory, String host, int port,
      double timeCompression, Set<String> receivers, String mchid, boolean serviceProvider) {
    Path merchantDir = directory.resolve("merchant");
    return vertx.executeBlocking(() -> loadOrCreateMerchant(merchantDir, mchid), false).compose(loaded -> {
      JsonObject merchant = loaded.getJsonObject("settings");
      PrivateKey key = Pem.readPrivateKey(loaded.getString("private_key"));
      PublicKey publicKey = Pem.readPublicKey(loaded.getString("public_key"));
      WechatSandbox.Options options = new WechatSandbox.Options(port, directory.resolve("sandbox"),
          timeCompression, merchant.getString("mchid"), merchant.getString("appid"),
          merchant.getString("app_secret"), merchant.getString("api_v3_key"),
          merchant.getString("serial_no"), publicKey, receivers, PUBLIC_KEY_PERCENT, serviceProvider);
      return WechatSandbox.start(vertx, options, host).map(s -> new WechatDemo(s, merchant, key, publicKey));
    });
  }

  private static JsonObject loadOrCreateMerchant(Path dir, String mchid) throws Exception {
    SecretFiles.createDirectories(dir);
    Path settings = dir.resolve("merchant.json");
    Path keyFile = dir.resolve("apiclient_key.pem");
    Path publicFile = dir.resolve("apiclient_public.pem");
    if (!Files.exists(settings)) {
      KeyPair pair = Crypto.generateRsa(2048);
      SecretFiles.writeString(keyFile, Pem.write(pair.getPrivate()));
      SecretFiles.writeString(publicFile, Pem.write(pair.getPublic()));
      // The API v3 key is 32 ASCII characters (WeChat Pay's documentation); the serial 40 hex digits.
      JsonObject json = new JsonObject().put("mchid", mchid).put("appid", APPID)
          .put("app_secret", Crypto.hex(random(16)))
          .put("api_v3_key", Crypto.hex(random(16)))
          .put("serial_no", Crypto.hex(random(20)).toUpperCase(java.util.Locale.ROOT));
      SecretFiles.writeString(settings, json.encodePrettily());
    }
    return new JsonObject().put("settings", new JsonObject(Files.readString(settings)))
        .put("private_key", Files.readString(keyFile)).put("public_key", Files.readString(publicFile));
  }

  private static byte[] random(int count) {
    byte[] bytes = new byte[count];
    Crypto.random().nextBytes(bytes);
    return bytes;
  }

  public WechatSandbox sandbox() {
    return sandbox;
  }

  /** A configuration for {@link WechatAdapter} that trusts both of the sandbox's platform keys. */
  public WechatAdapter.Config adapterConfig(Path billDirectory) {
    String base = sandbox.baseUrl();
    boolean serviceProvider = sandbox.options().serviceProvider();
    return new WechatAdapter.Config(base, base, base, base + "/sandbox/jsapi-cashier",
        base + "/sandbox/native", merchant.getString("mchid"), merchant.getString("appid"),
        merchant.getString("app_secret"), merchant.getString("serial_no"), merchantKey,
        merchant.getString("api_v3_key"), sandbox.platformKeys(), CALL_TIMEOUT_MS, billDirectory,
        serviceProvider, serviceProvider ? subMchids() : List.of());
  }

  /** A service provider's sub-merchants, in a stable order. */
  private List<String> subMchids() {
    return sandbox.options().receivers().stream().sorted().toList();
  }

  /**
   * Writes what WeChat's merchant platform gives a merchant into {@code directory}: the API key
   * and its certificate (serial = the merchant serial), the API v3 key and the app secret (0600),
   * the WeChat Pay public key with its id; and returns the merchant's entry of the configuration
   * file, paths relative to {@code directory}'s parent named {@code relative}. Blocking.
   */
  public java.util.Map<String, Object> handOver(Path directory, String relative) throws java.io.IOException {
    SecretFiles.createDirectories(directory);
    java.time.Instant notBefore = java.time.Instant.now().minus(java.time.Duration.ofDays(1));
    String subject = "CN=" + merchant.getString("mchid") + ", OU=Clearing Sandbox, O=Tenpay, C=CN";
    var certificate = org.clearing.sandbox.SandboxCertificates.issue(subject, merchantPublicKey,
        new java.math.BigInteger(merchant.getString("serial_no"), 16), subject, merchantKey, notBefore,
        java.time.Duration.ofDays(5 * 365), false);
    SecretFiles.writeString(directory.resolve("apiclient_key.pem"), Pem.write(merchantKey));
    SecretFiles.writeString(directory.resolve("apiclient_cert.pem"), Pem.write(certificate));
    SecretFiles.writeString(directory.resolve("apiv3.key"), merchant.getString("api_v3_key") + "\n");
    SecretFiles.writeString(directory.resolve("app-secret"), merchant.getString("app_secret") + "\n");
    SecretFiles.writeString(directory.resolve("pub_key.pem"), Pem.write(sandbox.platformPublicKey()));
    String base = sandbox.baseUrl();
    var entry = new java.util.LinkedHashMap<String, Object>();
    if (sandbox.options().serviceProvider()) {
      // A service provider is handed over with the sub-merchants bound to it.
      entry.put("mode", "service-provider");
      entry.put("sp-mchid", merchant.getString("mchid"));
      entry.put("sp-appid", merchant.getString("appid"));
      entry.put("sub-mchids", new java.util.ArrayList<>(subMchids()));
    } else {
      entry.put("mode", "direct");
      entry.put("mchid", merchant.getString("mchid"));
      entry.put("appid", merchant.getString("appid"));
    }
    entry.put("app-secret", java.util.Map.of("file", relative + "/app-secret"));
    entry.put("merchant-private-key", relative + "/apiclient_key.pem");
    entry.put("merchant-certificate", relative + "/apiclient_cert.pem");
    entry.put("merchant-certificate-serial", merchant.getString("serial_no"));
    entry.put("api-v3-key", java.util.Map.of("file", relative + "/apiv3.key"));
    entry.put("platform-public-key", new java.util.LinkedHashMap<>(java.util.Map.of("id", sandbox.publicKeyId(),
        "file", relative + "/pub_key.pem")));
    entry.put("platform-certificates", java.util.List.of("download"));
    var urls = new java.util.LinkedHashMap<String, Object>();
    urls.put("api", base);
    urls.put("oauth", base);
    urls.put("sns", base);
    urls.put("jsapi-cashier", base + "/sandbox/jsapi-cashier");
    urls.put("native-cashier", base + "/sandbox/native");
    entry.put("urls", urls);
    entry.put("call-timeout-ms", Long.toString(CALL_TIMEOUT_MS));
    return entry;
  }

  public Future<Void> stop() {
    return sandbox.stop();
  }
}
