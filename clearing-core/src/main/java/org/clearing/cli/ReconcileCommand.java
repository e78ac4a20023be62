package org.clearing.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.Channel;
import org.clearing.payment.ChannelAccountRepository;
import org.clearing.payment.DemoSandboxes;
import org.clearing.payment.MerchantChannels;
import org.clearing.payment.PaymentIntake;
import org.clearing.recon.run.ReconciliationRun;
import org.clearing.store.Database;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar clearing-engine.jar reconcile --date YYYY-MM-DD --bill wechat=FILE …}: reconciles
 * a business day against bill files a finance officer downloaded from the merchant platforms, with
 * the engine stopped (it opens the database itself, like {@code verify-journal}). Each file is read
 * in its channel's own format, byte for byte as the channel serves it, as the bill of the channel's
 * first merchant; a channel with several merchants has the others' bills fetched (the admin API's
 * upload takes any merchant's, {@code ?merchant=}). LONG payments are verified
 * by querying the channel through the adapters of {@code --config}, or of the demo sandboxes;
 * with a running engine, use its admin API instead ({@code POST /api/v1/admin/reconciliation/runs},
 * which also fetches the bill itself). Exit code 0 when every run finished, 1 otherwise.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
    description = "Reconcile a business day against channel bill files.")
public final class ReconcileCommand implements Callable<Integer> {

  static final long RUN_TIMEOUT_MS = 30 * 60_000;

  @Option(names = "--date", required = true, description = "Business day, YYYY-MM-DD (Beijing time).")
  LocalDate date;

  @Option(names = "--bill", required = true, description = "channel=FILE, e.g. wechat=bill.csv"
      + " (repeat for alipay=, unionpay=).")
  Map<String, Path> bills;

  @Option(names = "--data-dir", defaultValue = "${env:CLEARING_DATA_DIR:-./data}",
      description = "Data directory of the embedded database (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--pg-url", defaultValue = "${env:CLEARING_PG_URL}",
      description = "An external PostgreSQL instead of the embedded one.")
  String pgUrl;

  @Option(names = "--config", defaultValue = "${env:CLEARING_CONFIG}",
      description = "Merchant configuration file whose adapters verify LONG payments; without it the demo"
          + " sandboxes start and hand over theirs.")
  Path merchantConfig;

  @Override
  public Integer call() throws Exception {
    Map<Channel, Path> files = new EnumMap<>(Channel.class);
    for (Map.Entry<String, Path> bill : bills.entrySet()) {
      Channel channel = channel(bill.getKey());
      if (channel == null || !Files.isRegularFile(bill.getValue())) {
        System.err.printf("--bill %s=%s: needs wechat, alipay or unionpay and a readable file%n",
            bill.getKey(), bill.getValue());
        return 2;
      }
      files.put(channel, bill.getValue());
    }
    Path data = dataDir.toAbsolutePath().normalize();
    try (Database database = Database.open(data, pgUrl == null || pgUrl.isBlank() ? null : pgUrl)) {
      Vertx vertx = Vertx.vertx();
      try {
        return reconcile(vertx, database, data, files);
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  private int reconcile(Vertx vertx, Database database, Path data, Map<Channel, Path> files) throws Exception {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4).setMaxWaitQueueSize(64))
        .connectingTo(database.connectOptions()).using(vertx).build();
    WebClient client = WebClient.create(vertx);
    DemoSandboxes[] sandboxes = new DemoSandboxes[1];
    Future<List<ReconciliationRun.Result>> all = new ChannelAccountRepository(pool).load()
        .compose(accounts -> (merchantConfig != null ? Future.succeededFuture(merchantConfig.toAbsolutePath())
            : DemoSandboxes.start(vertx, data, 0, 1, accounts).map(started -> {
              sandboxes[0] = started;
              return started.merchantConfig();
            }))
            .compose(file -> MerchantChannels.load(vertx, client, file, data.resolve("bills"), accounts)))
        .map(channels -> new ReconciliationRun(vertx, pool, channels, new PaymentIntake(vertx, pool),
            Path.of(System.getProperty("java.io.tmpdir"))))
        .compose(run -> {
          Future<List<ReconciliationRun.Result>> chain = Future.succeededFuture(new ArrayList<>());
          for (Map.Entry<Channel, Path> file : files.entrySet()) {
            chain = chain.compose(results -> run.runUploaded(date, file.getKey(), file.getValue().toAbsolutePath())
                .map(result -> {
                  results.add(result);
                  return results;
                }));
          }
          return chain;
        })
        .eventually(() -> sandboxes[0] == null ? Future.succeededFuture() : sandboxes[0].stop())
        .eventually(pool::close);
    try {
      for (ReconciliationRun.Result result : all.toCompletionStage().toCompletableFuture()
          .get(RUN_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        System.out.printf("%s %s: run %d, %d bill lines, %d engine records, %d items, %d discrepancies,"
                + " %d booked from the bill, %d open%n", result.channel().code(), result.businessDate(),
            result.runId(), result.summary().channelLines(), result.summary().engineRecords(), result.items(),
            result.summary().discrepancies(), result.autoBooked(), result.openItems());
      }
      return 0;
    } catch (java.util.concurrent.ExecutionException e) {
      System.err.println("reconciliation failed: " + e.getCause().getMessage());
      return 1;
    }
  }

  private static Channel channel(String code) {
    for (Channel channel : Channel.values()) {
      if (channel.code().equals(code)) {
        return channel;
      }
    }
    return null;
  }
}
