package org.clearing.sandbox.alipay;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.Set;
import org.clearing.channel.alipay.AlipayAdapter;
import org.clearing.channel.alipay.AlipayNotificationVerifier;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SecretFiles;
import org.clearing.sandbox.SandboxControl;
import org.clearing.sandbox.SandboxKeys;

/**
 * A ready demo pairing: a merchant (app id, partner id, RSA key under {@code directory/merchant})
 * and an Alipay sandbox trusting it (under {@code directory/sandbox}). Keys are made on the first
 * start and loaded afterwards, so a restart keeps both sides' keys and the sandbox's journal.
 */
public final class AlipayDemo {

  /** The demo merchant's app id and partner id (made-up numbers of the real shapes). */
  public static final String APP_ID = "2021000000000001";
  public static final String SELLER_ID = "2088000000000001";
  /** The bound on the engine's calls to the sandbox. */
  public static final long CALL_TIMEOUT_MS = 5_000;

  private final AlipaySandbox sandbox;
  private final KeyPair merchantKeys;
  private final Clock clock;
  /** The key of the root the handed-over certificates come from (kept: see {@link SandboxKeys}). */
  private final Path rootKeyFile;

  private AlipayDemo(AlipaySandbox sandbox, KeyPair merchantKeys, Clock clock, Path rootKeyFile) {
    this.sandbox = sandbox;
    this.merchantKeys = merchantKeys;
    this.clock = clock;
    this.rootKeyFile = rootKeyFile;
  }

  public static Future<AlipayDemo> start(Vertx vertx, Path directory, int port,
      double timeCompression, Set<String> receivers) {
    return start(vertx, directory, port, timeCompression, receivers, Clock.systemUTC(), false);
  }

  /**
   * @param clock the clock of both sides (tests pretend it is yesterday)
   * @param todayBillAllowed lift the T+1 rule so today's bill can be fetched
   */
  public static Future<AlipayDemo> start(Vertx vertx, Path directory, int port,
      double timeCompression, Set<String> receivers, Clock clock, boolean todayBillAllowed) {
    return start(vertx, directory, SandboxControl.LOOPBACK, port, timeCompression, receivers, clock,
        todayBillAllowed);
  }

  /** As {@link #start(Vertx, Path, int, double, Set, Clock, boolean)}, listening on {@code host}. */
  public static Future<AlipayDemo> start(Vertx vertx, Path directory, String host, int port,
      double timeCompression, Set<String> receivers, Clock clock, boolean todayBillAllowed) {
    return vertx.executeBlocking(() -> merchantKeys(directory.resolve("merchant")), false)
        .compose(keys -> AlipaySandbox.start(vertx, AlipaySandbox.Options.of(port,
                    directory.resolve("sandbox"), timeCompression, APP_ID, keys.getPublic(),
                    SELLER_ID, receivers)
                .withClock(clock).withTodayBillAllowed(todayBillAllowed), host)
            .map(sandbox -> new AlipayDemo(sandbox, keys, clock,
                directory.resolve("sandbox").resolve("handover-root-key.pem"))));
  }

  private static KeyPair merchantKeys(Path directory) throws java.io.IOException {
    SecretFiles.createDirectories(directory);
    Path privatePath = directory.resolve("merchant_private_key.pem");
    Path publicPath = directory.resolve("merchant_public_key.pem");
    if (Files.exists(privatePath) && Files.exists(publicPath)) {
      return new KeyPair(Pem.readPublicKey(Files.readString(publicPath)),
          Pem.readPrivateKey(Files.readString(privatePath)));
    }
    KeyPair keys = Crypto.generateRsa(2048);
    SecretFiles.writeString(privatePath, Pem.write(keys.getPrivate()));
    SecretFiles.writeString(publicPath, Pem.write(keys.getPublic()));
    return keys;
  }

  public AlipaySandbox sandbox() {
    return sandbox;
  }

  public KeyPair merchantKeys() {
    return merchantKeys;
  }

  /** What the engine needs to build an {@link AlipayAdapter} that talks to this sandbox. */
  public AlipayAdapter.Config adapterConfig(Path billDirectory) {
    return new AlipayAdapter.Config(sandbox.gatewayUrl(), APP_ID, SELLER_ID,
        merchantKeys.getPrivate(), sandbox.alipayPublicKey(), CALL_TIMEOUT_MS, billDirectory,
        AlipayNotificationVerifier.DEFAULT_NOTIFY_TIME_BOUND, clock);
  }

  /**
   * Writes what Alipay's open platform gives a merchant in certificate mode into {@code
   * directory}: the app private key (0600), the app certificate, the Alipay public-key certificate
   * and the Alipay root certificate, the two certificates issued by that root; and returns the
   * merchant's entry of the configuration file, paths relative to {@code relative}. The root's
   * certificates are issued afresh each time from the root key the sandbox keeps: the keys they
   * certify are the same. Blocking.
   */
  public java.util.Map<String, Object> handOver(Path directory, String relative) throws java.io.IOException {
    SecretFiles.createDirectories(directory);
    java.time.Instant notBefore = clock.instant().minus(java.time.Duration.ofDays(1));
    KeyPair rootKeys = SandboxKeys.rsaPair(rootKeyFile);
    String rootName = "CN=Sandbox Alipay Root CA, OU=Clearing Sandbox, O=Ant Financial, C=CN";
    var root = org.clearing.sandbox.SandboxCertificates.authority(rootName, rootKeys, notBefore,
        java.time.Duration.ofDays(3660));
    var app = org.clearing.sandbox.SandboxCertificates.issue("CN=" + APP_ID + ", OU=Clearing Sandbox, C=CN",
        merchantKeys.getPublic(), org.clearing.sandbox.SandboxCertificates.randomSerial(), rootName,
        rootKeys.getPrivate(), notBefore, java.time.Duration.ofDays(1830), false);
    var alipay = org.clearing.sandbox.SandboxCertificates.issue("CN=" + SELLER_ID + ", OU=Alipay Sandbox, C=CN",
        sandbox.alipayPublicKey(), org.clearing.sandbox.SandboxCertificates.randomSerial(), rootName,
        rootKeys.getPrivate(), notBefore, java.time.Duration.ofDays(1830), false);
    SecretFiles.writeString(directory.resolve("app_private_key.pem"), Pem.write(merchantKeys.getPrivate()));
    SecretFiles.writeString(directory.resolve("appCertPublicKey_" + APP_ID + ".crt"), Pem.write(app));
    SecretFiles.writeString(directory.resolve("alipayCertPublicKey_RSA2.crt"), Pem.write(alipay));
    SecretFiles.writeString(directory.resolve("alipayRootCert.crt"), Pem.write(root));
    var entry = new java.util.LinkedHashMap<String, Object>();
    entry.put("app-id", APP_ID);
    entry.put("seller-id", SELLER_ID);
    entry.put("app-private-key", relative + "/app_private_key.pem");
    entry.put("app-certificate", relative + "/appCertPublicKey_" + APP_ID + ".crt");
    entry.put("alipay-public-key-certificate", relative + "/alipayCertPublicKey_RSA2.crt");
    entry.put("alipay-root-certificate", relative + "/alipayRootCert.crt");
    entry.put("gateway-url", sandbox.gatewayUrl());
    entry.put("charset", "utf-8");
    entry.put("call-timeout-ms", Long.toString(CALL_TIMEOUT_MS));
    return entry;
  }

  public Future<Void> stop() {
    return sandbox.stop();
  }
}
