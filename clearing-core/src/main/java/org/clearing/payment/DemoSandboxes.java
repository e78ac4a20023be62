package org.clearing.payment;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.clearing.channel.Channel;
import org.clearing.sandbox.handover.MerchantHandover;
import org.clearing.sandbox.SandboxControl;
import org.clearing.sandbox.alipay.AlipayDemo;
import org.clearing.sandbox.unionpay.UnionPayDemo;
import org.clearing.sandbox.wechat.WechatDemo;

/**
 * The three channel sandboxes, each on its own port with its own keys under {@code
 * <data-dir>/channels/<channel>}, handing their merchant over as a merchant platform does: {@code
 * <data-dir>/merchant-config.yaml} and the files it names. The engine (demo mode) and the {@code
 * sandboxes} command start them alike; the engine then reads that file as it reads a real
 * merchant's, so the adapters cannot tell a sandbox from the channel except by address and keys.
 */
public final class DemoSandboxes {

  /**
   * How the merchants are handed over: WeChat's as a direct merchant or as a service provider (服务商)
   * whose sub-merchants are the WeChat receivers; UnionPay's connected directly or through the
   * acquirer {@code unionPayAcqInsCode}.
   */
  public record Modes(boolean wechatServiceProvider, String unionPayAcqInsCode) {
    /** The demo's: a direct WeChat merchant, a UnionPay merchant connected directly. */
    public static final Modes DIRECT = new Modes(false, "");

    public Modes {
      unionPayAcqInsCode = unionPayAcqInsCode == null ? "" : unionPayAcqInsCode;
    }
  }

  /** A started sandbox: its base URL and how to stop it. */
  public record Started(Channel channel, String baseUrl, Supplier<Future<Void>> stop) {}

  private final List<Started> started;
  private final Path merchantConfig;

  private DemoSandboxes(List<Started> started, Path merchantConfig) {
    this.started = List.copyOf(started);
    this.merchantConfig = merchantConfig;
  }

  /** Starts the sandboxes on 127.0.0.1. */
  public static Future<DemoSandboxes> start(Vertx vertx, Path dataDir, int basePort, double timeCompression,
      Map<Channel, Map<String, String>> accounts) {
    return start(vertx, dataDir, SandboxControl.LOOPBACK, basePort, timeCompression, accounts);
  }

  /**
   * Starts the sandboxes and writes their merchant configuration into {@code dataDir}.
   *
   * @param host the address all three bind to and name in their URLs: 127.0.0.1 keeps them on
   *     this machine; a LAN address shows their pay pages to a phone on that network
   * @param basePort the WeChat sandbox's port, Alipay's and UnionPay's the next two; 0 for any
   * @param accounts each payee account's identity at each channel: the receivers (sub-merchants)
   *     each sandbox accepts in a split
   */
  public static Future<DemoSandboxes> start(Vertx vertx, Path dataDir, String host, int basePort,
      double timeCompression, Map<Channel, Map<String, String>> accounts) {
    return start(vertx, dataDir, host, basePort, timeCompression, accounts, Modes.DIRECT);
  }

  /** As above, the merchants handed over in {@code modes}. */
  public static Future<DemoSandboxes> start(Vertx vertx, Path dataDir, String host, int basePort,
      double timeCompression, Map<Channel, Map<String, String>> accounts, Modes modes) {
    Path channels = dataDir.resolve("channels");
    // The three start side by side (each loads or makes its keys and binds its port): a restart
    // waits for the slowest, not for the sum. Joined, not all(): one that failed must not leave
    // the others running.
    Future<WechatDemo> wechat = WechatDemo.start(vertx, channels.resolve("wechat"), host, port(basePort, 0),
        timeCompression, receivers(accounts, Channel.WECHAT),
        modes.wechatServiceProvider() ? WechatDemo.SP_MCHID : WechatDemo.MCHID, modes.wechatServiceProvider());
    // Demo mode lifts Alipay's T+1 rule so a newcomer can fetch today's bill at once.
    Future<AlipayDemo> alipay = AlipayDemo.start(vertx, channels.resolve("alipay"), host, port(basePort, 1),
        timeCompression, receivers(accounts, Channel.ALIPAY), Clock.systemUTC(), true);
    Future<UnionPayDemo> unionpay = UnionPayDemo.start(vertx, channels.resolve("unionpay"), host,
        port(basePort, 2), timeCompression, receivers(accounts, Channel.UNIONPAY), Clock.systemUTC(),
        modes.unionPayAcqInsCode());
    List<Started> started = new ArrayList<>();
    return Future.join(wechat, alipay, unionpay)
        .andThen(joined -> {
          if (wechat.succeeded()) {
            started.add(new Started(Channel.WECHAT, wechat.result().sandbox().baseUrl(), wechat.result()::stop));
          }
          if (alipay.succeeded()) {
            started.add(new Started(Channel.ALIPAY, alipay.result().sandbox().baseUrl(), alipay.result()::stop));
          }
          if (unionpay.succeeded()) {
            started.add(new Started(Channel.UNIONPAY, unionpay.result().sandbox().baseUrl(),
                unionpay.result()::stop));
          }
        })
        .compose(joined -> vertx.executeBlocking(() -> MerchantHandover.write(dataDir, MerchantHandover.DEMO_REGIONS,
            wechat.result(), alipay.result(), unionpay.result())))
        .map(file -> new DemoSandboxes(started, file))
        .recover(error -> Future.join(started.stream().map(s -> s.stop().get()).toList())
            .transform(stopped -> Future.failedFuture(error)));
  }

  private static int port(int basePort, int offset) {
    return basePort == 0 ? 0 : basePort + offset;
  }

  private static Set<String> receivers(Map<Channel, Map<String, String>> accounts, Channel channel) {
    return new HashSet<>(accounts.getOrDefault(channel, Map.of()).values());
  }

  /** The merchant configuration the sandboxes wrote: what {@code --config} would be given. */
  public Path merchantConfig() {
    return merchantConfig;
  }

  public List<Started> started() {
    return started;
  }

  public Future<Void> stop() {
    return Future.join(started.stream().map(s -> s.stop().get()).toList()).mapEmpty();
  }
}
