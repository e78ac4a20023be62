package org.clearing.cli;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.Channel;
import org.clearing.channel.unionpay.UnionPayRequests;
import org.clearing.payment.DemoSandboxes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar clearing-engine.jar sandboxes --port 9081 --data-dir sb}: the WeChat Pay, Alipay
 * and UnionPay sandboxes as a process of their own, an outside party the engine reaches only
 * through its merchant configuration. On start they write, as a merchant platform hands them over,
 * {@code <data-dir>/merchant-config.yaml} and the keys, certificates and secret files it names
 * (under {@code <data-dir>/merchant/}, 0600); the engine then runs with {@code --no-sandboxes
 * --config <data-dir>/merchant-config.yaml}. Their own keys and journals stay under {@code
 * <data-dir>/channels/}, so a restart keeps both. Runs until stopped (Ctrl-C, SIGTERM).
 */
@Command(name = "sandboxes", mixinStandardHelpOptions = true,
    description = "Run the three channel sandboxes as their own process and write their merchant configuration.")
public final class SandboxesCommand implements Callable<Integer> {

  /**
   * The receivers (sub-merchants) the demo database seeds for regions 341500 and 341522, treasury
   * then non-tax account of each: what the sandboxes accept in a split unless told otherwise.
   */
  public static final Map<Channel, List<String>> DEMO_RECEIVERS = Map.of(
      Channel.WECHAT, List.of("1900000101", "1900000102", "1900000103", "1900000104"),
      Channel.ALIPAY, List.of("2088000000000101", "2088000000000102", "2088000000000103", "2088000000000104"),
      Channel.UNIONPAY, List.of("898340100000101", "898340100000102", "898340100000103", "898340100000104"));

  private static final long START_TIMEOUT_MS = 120_000;

  @Option(names = "--port", defaultValue = "9081",
      description = "Port of the WeChat sandbox; Alipay's and UnionPay's are the next two (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address the sandboxes bind to and name in their URLs (default ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--data-dir", defaultValue = "./sandboxes",
      description = "Where the sandboxes keep their keys and journals and write merchant-config.yaml"
          + " (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--time-compression", defaultValue = "1",
      description = "Run the callback retry schedules this many times faster than real time (default ${DEFAULT-VALUE}).")
  double timeCompression;

  @Option(names = "--receiver", paramLabel = "CHANNEL=ID",
      description = "A receiver (sub-merchant) the channel accepts in a split, e.g. wechat=1900000101; repeat."
          + " Give the channel_account values of payee_channel_account. Default: the demo regions' receivers.")
  List<String> receivers;

  @Option(names = "--wechat-mode", defaultValue = "direct", paramLabel = "MODE",
      description = "How the WeChat merchant is handed over: direct, or service-provider (服务商, the"
          + " WeChat receivers are its sub_mchids) (default ${DEFAULT-VALUE}).")
  String wechatMode;

  @Option(names = "--unionpay-acq-ins-code", paramLabel = "CODE",
      description = "Hand the UnionPay merchant over as connected through this acquirer (acqInsCode, 8-11"
          + " digits); every request must then name it. Default: connected directly.")
  String unionPayAcqInsCode;

  @Override
  public Integer call() throws Exception {
    Map<Channel, Map<String, String>> accounts;
    try {
      accounts = receivers == null || receivers.isEmpty() ? demoAccounts() : accounts(receivers);
    } catch (IllegalArgumentException e) {
      System.err.println("--receiver " + e.getMessage());
      return 2;
    }
    if (port < 1 || port > 65_533 || timeCompression < 1) {
      System.err.println("--port must be 1..65533 and --time-compression at least 1");
      return 2;
    }
    if (!wechatMode.equals("direct") && !wechatMode.equals("service-provider")) {
      System.err.println("--wechat-mode must be direct or service-provider");
      return 2;
    }
    if (unionPayAcqInsCode != null && !UnionPayRequests.ACQ_INS_CODE.matcher(unionPayAcqInsCode).matches()) {
      System.err.println("--unionpay-acq-ins-code must be 8 to 11 digits");
      return 2;
    }
    DemoSandboxes.Modes modes = new DemoSandboxes.Modes(wechatMode.equals("service-provider"), unionPayAcqInsCode);
    Vertx vertx = Vertx.vertx();
    DemoSandboxes sandboxes;
    try {
      sandboxes = DemoSandboxes.start(vertx, dataDir.toAbsolutePath().normalize(), host, port, timeCompression,
          accounts, modes).toCompletionStage().toCompletableFuture().get(START_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      System.err.println("The sandboxes did not start: " + e.getMessage());
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        sandboxes.stop().eventually(vertx::close).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("sandboxes did not stop cleanly: " + e);
      } finally {
        stopped.countDown();
      }
    }, "sandboxes-shutdown"));
    System.out.println();
    for (DemoSandboxes.Started started : sandboxes.started()) {
      System.out.printf("  Sandbox %-8s %s  (faults: %s/sandbox/faults)%n", started.channel().code(),
          started.baseUrl(), started.baseUrl());
    }
    System.out.println("  Merchant config  " + sandboxes.merchantConfig());
    System.out.println("Sandboxes are running; start the engine with --no-sandboxes --config "
        + sandboxes.merchantConfig() + ". Stop with Ctrl-C.");
    System.out.flush();
    stopped.await();
    return 0;
  }

  private static Map<Channel, Map<String, String>> demoAccounts() {
    Map<Channel, Map<String, String>> accounts = new EnumMap<>(Channel.class);
    DEMO_RECEIVERS.forEach((channel, ids) -> ids.forEach(id ->
        accounts.computeIfAbsent(channel, c -> new LinkedHashMap<>()).put(id, id)));
    return accounts;
  }

  /** {@code wechat=1900000101} and so on; the sandboxes need the ids only. */
  static Map<Channel, Map<String, String>> accounts(List<String> values) {
    Map<Channel, Map<String, String>> accounts = new EnumMap<>(Channel.class);
    for (String value : new ArrayList<>(values)) {
      int equals = value.indexOf('=');
      Channel channel = equals < 0 ? null : Channel.fromCode(value.substring(0, equals)).orElse(null);
      String id = equals < 0 ? "" : value.substring(equals + 1).trim();
      if (channel == null || !id.matches("[0-9A-Za-z]{1,32}")) {
        throw new IllegalArgumentException(value + ": expected wechat=ID, alipay=ID or unionpay=ID");
      }
      accounts.computeIfAbsent(channel, c -> new LinkedHashMap<>()).put(id, id);
    }
    return accounts;
  }
}
