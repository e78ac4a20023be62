package org.clearing.payment;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.alipay.AlipayAdapter;
import org.clearing.channel.unionpay.UnionPayAdapter;
import org.clearing.channel.wechat.WechatAdapter;
import org.clearing.sandbox.SandboxControl;
import org.clearing.sandbox.alipay.AlipayDemo;
import org.clearing.sandbox.unionpay.UnionPayDemo;
import org.clearing.sandbox.wechat.WechatDemo;

/**
 * Demo mode: the three channel sandboxes in this process, each on its own port with its own keys
 * under {@code <data-dir>/channels/<channel>}, and the real adapters pointed at them. The adapters
 * cannot tell a sandbox from the real channel except by base URL and keys.
 */
public final class DemoSandboxes {

  /** A started sandbox: its adapter, its base URL and how to stop it. */
  public record Started(Channel channel, ChannelAdapter adapter, String baseUrl,
      Supplier<Future<Void>> stop) {}

  private final List<Started> started;
  private final ChannelSet.PayerIdentification wechatPayers;

  private DemoSandboxes(List<Started> started, ChannelSet.PayerIdentification wechatPayers) {
    this.started = List.copyOf(started);
    this.wechatPayers = wechatPayers;
  }

  /** Starts the sandboxes on 127.0.0.1. */
  public static Future<DemoSandboxes> start(Vertx vertx, WebClient client, Path dataDir,
      int basePort, double timeCompression, Map<Channel, Map<String, String>> accounts) {
    return start(vertx, client, dataDir, SandboxControl.LOOPBACK, basePort, timeCompression, accounts);
  }

  /**
   * Starts the sandboxes.
   *
   * @param host the address all three bind to and name in their URLs: 127.0.0.1 keeps them on
   *     this machine; a LAN address shows their pay pages to a phone on that network
   * @param basePort the WeChat sandbox's port, Alipay's and UnionPay's the next two; 0 for any
   * @param accounts each payee account's identity at each channel, registered at the sandboxes
   */
  public static Future<DemoSandboxes> start(Vertx vertx, WebClient client, Path dataDir, String host,
      int basePort, double timeCompression, Map<Channel, Map<String, String>> accounts) {
    Path channels = dataDir.resolve("channels");
    Path bills = dataDir.resolve("bills");
    List<Started> started = new ArrayList<>();
    WechatAdapter[] wechat = new WechatAdapter[1];
    return WechatDemo.start(vertx, channels.resolve("wechat"), host, port(basePort, 0), timeCompression,
            receivers(accounts, Channel.WECHAT))
        .compose(demo -> {
          wechat[0] = new WechatAdapter(vertx, client, demo.adapterConfig(bills.resolve("wechat")));
          started.add(new Started(Channel.WECHAT, wechat[0], demo.sandbox().baseUrl(), demo::stop));
          // Demo mode lifts Alipay's T+1 rule so a newcomer can fetch today's bill at once.
          return AlipayDemo.start(vertx, channels.resolve("alipay"), host, port(basePort, 1),
              timeCompression, receivers(accounts, Channel.ALIPAY), Clock.systemUTC(), true);
        })
        .compose(demo -> {
          started.add(new Started(Channel.ALIPAY,
              new AlipayAdapter(vertx, client, demo.adapterConfig(bills.resolve("alipay"))),
              demo.sandbox().baseUrl(), demo::stop));
          return UnionPayDemo.start(vertx, channels.resolve("unionpay"), host, port(basePort, 2),
              timeCompression, receivers(accounts, Channel.UNIONPAY), Clock.systemUTC());
        })
        .map(demo -> {
          started.add(new Started(Channel.UNIONPAY,
              new UnionPayAdapter(vertx, client, demo.adapterConfig(bills.resolve("unionpay"))),
              demo.sandbox().baseUrl(), demo::stop));
          return new DemoSandboxes(started, new ChannelSet.PayerIdentification() {
            @Override
            public String authorizeUrl(String redirectUri, String state) {
              return wechat[0].oauthAuthorizeUrl(redirectUri, state);
            }

            @Override
            public Future<String> payerIdForCode(String code) {
              return wechat[0].openIdForCode(code);
            }
          });
        })
        .recover(error -> Future.join(started.stream().map(s -> s.stop().get()).toList())
            .transform(stopped -> Future.failedFuture(error)));
  }

  private static int port(int basePort, int offset) {
    return basePort == 0 ? 0 : basePort + offset;
  }

  private static Set<String> receivers(Map<Channel, Map<String, String>> accounts, Channel channel) {
    return new HashSet<>(accounts.getOrDefault(channel, Map.of()).values());
  }

  public ChannelSet channelSet(Map<Channel, Map<String, String>> accounts) {
    Map<Channel, ChannelAdapter> adapters = new EnumMap<>(Channel.class);
    started.forEach(s -> adapters.put(s.channel(), s.adapter()));
    return new ChannelSet(adapters, accounts, wechatPayers);
  }

  public List<Started> started() {
    return started;
  }

  public Future<Void> stop() {
    return Future.join(started.stream().map(s -> s.stop().get()).toList()).mapEmpty();
  }
}
