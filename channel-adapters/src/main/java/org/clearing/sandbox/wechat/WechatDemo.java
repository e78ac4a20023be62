package org.clearing.sandbox.wechat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
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
   * key, as mid-migration (channels.md §1.4): a configuration trusting only one fails at once.
   */
  public static final int PUBLIC_KEY_PERCENT = 50;

  private final WechatSandbox sandbox;
  private final JsonObject merchant;
  private final PrivateKey merchantKey;

  private WechatDemo(WechatSandbox sandbox, JsonObject merchant, PrivateKey merchantKey) {
    this.sandbox = sandbox;
    this.merchant = merchant;
    this.merchantKey = merchantKey;
  }

  public static Future<WechatDemo> start(Vertx vertx, Path directory, int port,
      double timeCompression, Set<String> receivers) {
    return start(vertx, directory, SandboxControl.LOOPBACK, port, timeCompression, receivers);
  }

  /** As {@link #start(Vertx, Path, int, double, Set)}, the sandbox listening on {@code host}. */
  public static Future<WechatDemo> start(Vertx vertx, Path directory, String host, int port,
      double timeCompression, Set<String> receivers) {
    Path merchantDir = directory.resolve("merchant");
    return vertx.executeBlocking(() -> loadOrCreateMerchant(merchantDir)).compose(loaded -> {
      JsonObject merchant = loaded.getJsonObject("settings");
      PrivateKey key = Pem.readPrivateKey(loaded.getString("private_key"));
      PublicKey publicKey = Pem.readPublicKey(loaded.getString("public_key"));
      WechatSandbox.Options options = new WechatSandbox.Options(port, directory.resolve("sandbox"),
          timeCompression, merchant.getString("mchid"), merchant.getString("appid"),
          merchant.getString("app_secret"), merchant.getString("api_v3_key"),
          merchant.getString("serial_no"), publicKey, receivers, PUBLIC_KEY_PERCENT);
      return WechatSandbox.start(vertx, options, host).map(s -> new WechatDemo(s, merchant, key));
    });
  }

  private static JsonObject loadOrCreateMerchant(Path dir) throws Exception {
    SecretFiles.createDirectories(dir);
    Path settings = dir.resolve("merchant.json");
    Path keyFile = dir.resolve("apiclient_key.pem");
    Path publicFile = dir.resolve("apiclient_public.pem");
    if (!Files.exists(settings)) {
      KeyPair pair = Crypto.generateRsa(2048);
      SecretFiles.writeString(keyFile, Pem.write(pair.getPrivate()));
      SecretFiles.writeString(publicFile, Pem.write(pair.getPublic()));
      // The API v3 key is 32 ASCII characters (channels.md §1.5); the serial 40 hex digits.
      JsonObject json = new JsonObject().put("mchid", MCHID).put("appid", APPID)
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
    return new WechatAdapter.Config(base, base, base, base + "/sandbox/jsapi-cashier",
        base + "/sandbox/native", merchant.getString("mchid"), merchant.getString("appid"),
        merchant.getString("app_secret"), merchant.getString("serial_no"), merchantKey,
        merchant.getString("api_v3_key"), sandbox.platformKeys(), CALL_TIMEOUT_MS, billDirectory);
  }

  public Future<Void> stop() {
    return sandbox.stop();
  }
}
