package org.clearing.sandbox.unionpay;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.clearing.channel.unionpay.UnionPayAdapter;
import org.clearing.channel.unionpay.UnionPayCertificates;
import org.clearing.channel.unionpay.UnionPayCertificates.Issued;
import org.clearing.crypto.SecretFiles;
import org.clearing.sandbox.SandboxControl;

/**
 * A ready UnionPay setup for demos and engine tests: the merchant's signing certificate (issued by
 * a merchant CA of its own, as a merchant's certificate is issued outside the channel) under
 * {@code directory/merchant}, and a sandbox under {@code directory/sandbox} that trusts it. Both
 * are created on first start and loaded later, so a restart keeps every key.
 */
public final class UnionPayDemo {

  /** The demo merchant's 15-digit code. */
  public static final String MER_ID = "898340100000001";
  /** Call timeout of the adapter built by {@link #adapterConfig}. */
  public static final long CALL_TIMEOUT_MS = 5_000;

  private final Issued merchant;
  private final UnionPaySandbox sandbox;

  private UnionPayDemo(Issued merchant, UnionPaySandbox sandbox) {
    this.merchant = merchant;
    this.sandbox = sandbox;
  }

  public static Future<UnionPayDemo> start(Vertx vertx, Path directory, int port,
      double timeCompression, Set<String> receivers) {
    return start(vertx, directory, port, timeCompression, receivers, Clock.systemUTC());
  }

  /** As {@link #start(Vertx, Path, int, double, Set)} with the sandbox's clock given (tests). */
  public static Future<UnionPayDemo> start(Vertx vertx, Path directory, int port,
      double timeCompression, Set<String> receivers, Clock clock) {
    return start(vertx, directory, SandboxControl.LOOPBACK, port, timeCompression, receivers, clock);
  }

  /** As {@link #start(Vertx, Path, int, double, Set, Clock)}, the sandbox listening on {@code host}. */
  public static Future<UnionPayDemo> start(Vertx vertx, Path directory, String host, int port,
      double timeCompression, Set<String> receivers, Clock clock) {
    return start(vertx, directory, host, port, timeCompression, receivers, clock, "");
  }

  /**
   * As {@link #start(Vertx, Path, String, int, double, Set, Clock)}; a non-empty {@code acqInsCode}
   * makes the merchant one connected through that acquirer (收单机构接入), which the sandbox then
   * requires in every request.
   */
  public static Future<UnionPayDemo> start(Vertx vertx, Path directory, String host, int port,
      double timeCompression, Set<String> receivers, Clock clock, String acqInsCode) {
    return vertx.executeBlocking(() -> merchant(directory.resolve("merchant"), clock), false)
        .compose(merchant -> UnionPaySandbox.start(vertx, new UnionPaySandbox.Options(port,
            directory.resolve("sandbox"), timeCompression, MER_ID, merchant.certificate(),
            receivers, null, clock, acqInsCode), host).map(sandbox -> new UnionPayDemo(merchant, sandbox)));
  }

  private static Issued merchant(Path directory, Clock clock) throws java.io.IOException {
    if (Files.exists(directory.resolve("merchant-signing.pem"))) {
      return UnionPayPkiStore.read(directory, "merchant-signing");
    }
    SecretFiles.createDirectories(directory);
    var notBefore = clock.instant().minus(Duration.ofDays(1));
    Issued ca = UnionPayCertificates.root("Demo Merchant CA", notBefore, Duration.ofDays(3660));
    Issued signing = UnionPayCertificates.signing(ca, "041@Z12@" + MER_ID + "@00000001",
        notBefore, Duration.ofDays(732));
    UnionPayPkiStore.write(directory, "merchant-signing", signing);
    return signing;
  }

  public UnionPaySandbox sandbox() {
    return sandbox;
  }

  /** The merchant's signing certificate and key (certId = its decimal serial). */
  public Issued merchant() {
    return merchant;
  }

  /** A working adapter's configuration: this merchant, trusting this sandbox strictly. */
  public UnionPayAdapter.Config adapterConfig(Path billDirectory) {
    return new UnionPayAdapter.Config(UnionPayAdapter.Endpoints.under(sandbox.baseUrl()), MER_ID,
        merchant.keyPair().getPrivate(), merchant.certificate(), sandbox.rootCertificate(),
        sandbox.intermediateCertificate(), true, CALL_TIMEOUT_MS, billDirectory, sandbox.acqInsCode());
  }

  /**
   * Writes what UnionPay gives a merchant into {@code directory}: the signing certificate as a
   * PKCS#12 file with its password in a file of its own (both 0600), and the root and
   * intermediate certificates UnionPay's signatures chain to; and returns the merchant's entry of
   * the configuration file, paths relative to {@code relative}. Blocking.
   */
  public java.util.Map<String, Object> handOver(Path directory, String relative) throws java.io.IOException {
    SecretFiles.createDirectories(directory);
    String password = org.clearing.crypto.Crypto.randomToken(18);
    SecretFiles.write(directory.resolve("acp_sign.pfx"), org.clearing.sandbox.SandboxCertificates.pkcs12(
        merchant.keyPair().getPrivate(), merchant.certificate(), password.toCharArray()));
    SecretFiles.writeString(directory.resolve("acp_sign.password"), password + "\n");
    SecretFiles.writeString(directory.resolve("acp_root.cer"), org.clearing.crypto.Pem.write(sandbox.rootCertificate()));
    SecretFiles.writeString(directory.resolve("acp_middle.cer"),
        org.clearing.crypto.Pem.write(sandbox.intermediateCertificate()));
    String base = sandbox.baseUrl();
    var entry = new java.util.LinkedHashMap<String, Object>();
    entry.put("mer-id", MER_ID);
    entry.put("signing-certificate", relative + "/acp_sign.pfx");
    entry.put("signing-certificate-password", java.util.Map.of("file", relative + "/acp_sign.password"));
    entry.put("verification-root-certificate", relative + "/acp_root.cer");
    entry.put("verification-intermediate-certificate", relative + "/acp_middle.cer");
    var urls = new java.util.LinkedHashMap<String, Object>();
    urls.put("front", base + "/gateway/api/frontTransReq.do");
    urls.put("back", base + "/gateway/api/backTransReq.do");
    urls.put("query", base + "/gateway/api/queryTrans.do");
    urls.put("file-transfer", base + "/gateway/api/fileTransfer.do");
    entry.put("urls", urls);
    entry.put("strict-owner", "true");
    if (!sandbox.acqInsCode().isEmpty()) {
      entry.put("acq-ins-code", sandbox.acqInsCode());
    }
    entry.put("call-timeout-ms", Long.toString(CALL_TIMEOUT_MS));
    return entry;
  }

  public Future<Void> stop() {
    return sandbox.stop();
  }
}
