package org.clearing;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.clearing.api.ApiContext;
import org.clearing.api.Uploads;
import org.clearing.api.ApiVerticle;
import org.clearing.api.ManagementVerticle;
import org.clearing.cashier.CashierRoutes;
import org.clearing.client.Authenticator;
import org.clearing.client.ClientRepository;
import org.clearing.client.ClientStatus;
import org.clearing.client.DemoClients;
import org.clearing.client.Role;
import org.clearing.config.EngineConfig;
import org.clearing.journal.JournalSealer;
import org.clearing.lease.JobLease;
import org.clearing.lease.FencedPool;
import org.clearing.lease.JobsVerticle;
import org.clearing.order.OrderRepository;
import org.clearing.order.RequestFingerprints;
import org.clearing.net.Cidr;
import org.clearing.channelconfig.ChannelConfigs;
import org.clearing.crypto.MasterKey;
import org.clearing.identity.EngineIdentity;
import org.clearing.identity.IdentityRoutes;
import org.clearing.outbox.EngineKey;
import org.clearing.outbox.WebhookRelay;
import org.clearing.outbox.WebhookRepository;
import org.clearing.outbox.WebhookRoutes;
import org.clearing.outbox.WebhookTargets;
import org.clearing.payer.PayerIdCipher;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.clearing.payment.CallbackRoutes;
import org.clearing.payment.ChannelAccountRepository;
import org.clearing.payment.ChannelAccounts;
import org.clearing.payment.DemoSandboxes;
import org.clearing.payment.MerchantChannels;
import org.clearing.payment.ChannelOrders;
import org.clearing.payment.ChannelSet;
import org.clearing.payment.ExpiredOrderCloser;
import org.clearing.payment.PendingPaymentQueries;
import org.clearing.payment.PaymentIntake;
import org.clearing.report.DailyReports;
import org.clearing.report.ReportRoutes;
import org.clearing.report.ReportSigner;
import org.clearing.receipt.ReceiptRepository;
import org.clearing.console.ConsoleRoutes;
import org.clearing.person.AuditLog;
import org.clearing.person.People;
import org.clearing.recon.run.DailyReconciliation;
import org.clearing.recon.run.ReconExceptions;
import org.clearing.recon.run.ReconRoutes;
import org.clearing.recon.run.ReconciliationRun;
import org.clearing.refund.ChannelRefundQueries;
import org.clearing.refund.DuplicatePaymentRefunds;
import org.clearing.refund.RefundRepository;
import org.clearing.refund.RefundService;
import org.clearing.region.Regions;
import org.clearing.routing.LiveRouting;
import org.clearing.settlement.SettlementIntake;
import org.clearing.settlement.SettlementJob;
import org.clearing.crypto.SecretFiles;
import org.clearing.store.Database;
import org.clearing.tls.OutboundTrust;
import org.clearing.tls.ServerTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running engine: database, Vert.x, the HTTP edge and the background sweeps. The database
 * starts alongside Vert.x and the wiring, and is waited for before the first query; the HTTP edge
 * and the sweeps come last. Stopped in the reverse order (stop accepting, drain, close the pool,
 * stop PostgreSQL).
 */
public final class Engine {

  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
  /** Worker threads for signature verification; sized to the cores this engine is built for. */
  static final int CRYPTO_POOL_SIZE = 2;
  static final int QR_POOL_SIZE = 2;
  static final long NONCE_SWEEP_INTERVAL_MS = 60_000;
  /** How soon a region changed on another engine routes this engine's orders: one cheap query. */
  static final long ROUTING_CHECK_INTERVAL_MS = 5_000;
  static final int CHANNEL_CONNECT_TIMEOUT_MS = 5_000;
  /** Connections to each channel's gateway; opening orders and queries run in parallel. */
  static final int CHANNEL_CONNECTIONS_PER_HOST_MAX = 32;
  static final int CHANNEL_WAIT_QUEUE_SIZE_MAX = 2_048;
  /** Channels publish the day's bills by about 10:00 the next morning (WeChat Pay's documentation). */
  static final java.time.LocalTime RECONCILIATION_TIME_BEIJING = java.time.LocalTime.of(10, 30);
  static final long RECONCILIATION_CHECK_INTERVAL_MS = 60_000;

  private final Database database;
  private final Vertx vertx;
  private final Pool pool;
  private final List<String> deployments;
  private final List<WorkerExecutor> workers;
  private final int httpPort;
  private final String publicBaseUrl;
  private final DemoClients demoClients;
  private final DemoSandboxes sandboxes;
  private ChannelSet channels = ChannelSet.none();
  private final List<Long> timers = new ArrayList<>();
  private ClientRepository clients;
  private Clock clock;
  private SettlementJob settlement;
  private PaymentIntake intake;
  private ReconciliationRun reconciliation;
  private WebhookRelay relay;
  private boolean stopped;
  private JobsVerticle jobs;
  private int managementPort;
  private String managementHost;
  private boolean tls;
  private WebClient channelClient;
  private EngineIdentity identity;
  private String demoAdminPassword;
  /** One of the API verticles; all mount the same routes. */
  private ApiVerticle api;
  /** The login of the consoles' first administrator in demo mode. */
  public static final String DEMO_ADMIN_LOGIN = "admin";

  private Engine(Database database, Vertx vertx, Pool pool,
      List<String> deployments, List<WorkerExecutor> workers, int httpPort, String publicBaseUrl,
      DemoClients demoClients, DemoSandboxes sandboxes) {
    this.database = database;
    this.vertx = vertx;
    this.pool = pool;
    this.deployments = deployments;
    this.workers = workers;
    this.httpPort = httpPort;
    this.publicBaseUrl = publicBaseUrl;
    this.demoClients = demoClients;
    this.sandboxes = sandboxes;
  }

  /**
   * Starts the engine. Blocking (the embedded database starts and migrates, on a thread of its
   * own, while the rest is wired): call it from a main thread or a test, never from an event loop.
   */
  public static Engine start(EngineConfig config) throws Exception {
    return start(config, Clock.systemUTC());
  }

  /**
   * Starts the engine with the clock its request authentication, nonce sweep and settlement job
   * (which day it is) read, so a test can put a request at the very edge of the timestamp window
   * or let days pass.
   */
  public static Engine start(EngineConfig config, Clock clock) throws Exception {
    long startNs = System.nanoTime();
    StartupPhases phases = new StartupPhases();
    SecretFiles.requireAllOwnerOnly(secretDirectories(config.dataDir()));
    // PostgreSQL starts and migrates on a thread of its own (the embedded one is a separate process,
    // and reading its binaries and Flyway's checks are CPU on another core) while Vert.x is built
    // and the engine wired: the consoles' templates parsed, keys read, the sandboxes' keys loaded.
    // Nothing touches the database before the wiring waits for it.
    CompletableFuture<Database> opening = new CompletableFuture<>();
    Thread opener = new Thread(() -> {
      try {
        opening.complete(Database.open(config.dataDir(), config.pgUrl()));
      } catch (Throwable e) {
        opening.completeExceptionally(e);
      }
    }, "clearing-database-start");
    opener.start();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions()
            .setMaxEventLoopExecuteTime(config.eventLoopBlockWarnMs())
            .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
            .setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            .addLabels(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE, Label.POOL_NAME)))
        .withMetrics(new MicrometerMetricsFactory(metrics))
        .build();
    try {
      phases.mark("vertx");
      Engine engine = wire(config, Future.fromCompletionStage(opening), vertx, metrics, clock, phases)
          .toCompletionStage().toCompletableFuture().get(START_WAIT_S, TimeUnit.SECONDS);
      LOG.info("event=engine.startup_phases {}", phases);
      LOG.info("event=engine.started http_port={} tls={} management_port={} startup_ms={} database=\"{}\"",
          engine.httpPort, engine.tls, engine.managementPort, (System.nanoTime() - startNs) / 1_000_000,
          engine.database.description());
      if (!engine.tls) {
        LOG.warn("event=engine.plain_http detail=\"no --tls-cert: the public port speaks plain HTTP;"
            + " terminate TLS at a proxy in front of it before payer data crosses a network\"");
      }
      return engine;
    } catch (Exception e) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      // The database may still be starting: it is closed once it is up. If it could not start,
      // that is the error, as it was when the database started before anything else.
      Database database;
      try {
        database = opening.get(START_WAIT_S, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException notStarted) {
        throw notStarted.getCause() instanceof Exception cause ? cause : e;
      } catch (Exception notStarted) {
        e.addSuppressed(notStarted);
        throw e;
      }
      database.close();
      throw e;
    }
  }

  /**
   * How long a start may take, the database's start and migrations included: a first start on a
   * busy machine runs initdb and every migration.
   */
  static final long START_WAIT_S = 180;

  private static Future<Engine> wire(EngineConfig config, Future<Database> opened, Vertx vertx,
      PrometheusMeterRegistry metrics, Clock clock, StartupPhases phases) {
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions()
            .setName("clearing-db")
            .setMaxSize(config.dbPoolSizeMax())
            .setMaxWaitQueueSize(config.dbWaitQueueSizeMax()))
        // --pg-url's connect_timeout, as the migrations' JDBC connection has it too.
        .with(new NetClientOptions().setConnectTimeout(Database.connectTimeoutMs(config.pgUrl())))
        // The options are known once the database is up; nothing asks for a connection before.
        .connectingTo(() -> opened.<io.vertx.sqlclient.SqlConnectOptions>map(database -> database.connectOptions()
            .setCachePreparedStatements(true)
            .setPipeliningLimit(64)))
        .using(vertx)
        .build();
    WorkerExecutor cryptoPool = vertx.createSharedWorkerExecutor("clearing-crypto", CRYPTO_POOL_SIZE);
    // The consoles (issue 13): their assets are read and hashed and their templates parsed here,
    // on the starting thread, not on an event loop.
    People people = new People(pool, cryptoPool);
    AuditLog audit = new AuditLog(pool);
    ReceiptRepository receipts = new ReceiptRepository(pool);
    java.util.concurrent.atomic.AtomicReference<String> demoAdminPassword = new java.util.concurrent.atomic.AtomicReference<>();
    WorkerExecutor qrPool = vertx.createSharedWorkerExecutor("clearing-qr-render", QR_POOL_SIZE);
    List<WorkerExecutor> workers = List.of(cryptoPool, qrPool);
    ClientRepository clients = new ClientRepository(vertx, pool);
    DemoClients demoClients = new DemoClients(clients, config.dataDir());
    Authenticator authenticator = new Authenticator(clients, cryptoPool, clock);
    PaymentIntake intake = new PaymentIntake(vertx, pool);
    // The intake's queue depth: callbacks and queried payments waiting for a group commit. It
    // rises toward PaymentIntake.QUEUED_MAX before the door starts shedding with "try again".
    io.micrometer.core.instrument.Gauge.builder("clearing_intake_queued", intake.committer(),
            committer -> committer.queued())
        .description("Payments waiting for the intake's next group commit (shed beyond "
            + PaymentIntake.QUEUED_MAX + ")")
        .register(metrics);
    EngineIdentity identity;
    MasterKey channelSecretsKey;
    try {
      EngineIdentity.Sources sources = identitySources(config);
      identity = new EngineIdentity(pool, cryptoPool, sources);
      channelSecretsKey = channelSecretsKey(config, sources);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    // Keyed by the identity once it has started: alike on every engine of the database.
    RequestFingerprints fingerprints = identity.requestFingerprints();
    OrderRepository orders = new OrderRepository(vertx, pool, fingerprints);
    WebhookTargets webhookTargets = new WebhookTargets(
        config.webhookAllowCidrs().stream().map(Cidr::parse).toList(), config.webhookHttpsOnly(),
        WebhookTargets.systemResolver(vertx));
    WebhookRoutes webhookRoutes = new WebhookRoutes(new WebhookRepository(pool), identity::signingKey, webhookTargets);
    DailyReports dailyReports = new DailyReports(pool, Clock.systemUTC());
    ReportSigner reportSigner = new ReportSigner(identity::signingKey);
    ReportRoutes reports = new ReportRoutes(dailyReports, reportSigner, cryptoPool);
    ConsoleRoutes console;
    try {
      // The tax console reads and acts through the API's own repositories and signs its report
      // download with the engine's key, as the API does.
      console = new ConsoleRoutes(vertx, people, audit, receipts, config.network().tlsEnabled(),
          new ConsoleRoutes.TaxDesk(new RefundRepository(pool), dailyReports, reportSigner, cryptoPool));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    // The templates' warm-up is the longest piece of CPU work of a start on one thread: it runs
    // on a thread of its own beside the rest (the database, identity, the sandboxes, which wait on
    // each other as much as they compute), and the servers start only once it is done.
    CompletableFuture<Void> consoleWarm = new CompletableFuture<>();
    ConsoleRoutes warming = console;
    Thread warmer = new Thread(() -> {
      try {
        warming.warmUp();
        consoleWarm.complete(null);
      } catch (Throwable e) {
        consoleWarm.completeExceptionally(e);
      }
    }, "clearing-console-warm-up");
    warmer.setDaemon(true);
    warmer.start();
    phases.mark("consoles");
    ServerTls serverTls;
    OutboundTrust outbound;
    try {
      serverTls = config.network().tlsEnabled() ? ServerTls.load(config.network()) : null;
      outbound = OutboundTrust.load(config.network().channelCaBundleFile());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    // Each leased job writes through its own fenced view of the pool (and its own doors on it), so
    // a run that lost its lease commits nothing; the API and the callbacks keep the plain pool.
    FencedPool relayPool = FencedPool.over(pool);
    WebhookRelay relay = new WebhookRelay(vertx, relayPool, cryptoPool, identity::signingKey, Clock.systemUTC(),
        WebhookRelay.Options.standard(), webhookTargets, outbound);
    List<String> deployments = new ArrayList<>();
    int port = config.httpPort() == 0 ? freePort() : config.httpPort();
    String publicBaseUrl = config.publicBaseUrlOr(port);
    WebClient channelClient = WebClient.create(vertx, outbound.applyTo(new WebClientOptions()
        .setConnectTimeout(CHANNEL_CONNECT_TIMEOUT_MS)
        .setKeepAlive(true)
        .setUserAgent("clearing-engine")),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(CHANNEL_CONNECTIONS_PER_HOST_MAX)
            .setMaxWaitQueueSize(CHANNEL_WAIT_QUEUE_SIZE_MAX));
    Path tempDir = config.dataDir().resolve("tmp");
    try {
      java.nio.file.Files.createDirectories(tempDir);
    } catch (java.io.IOException e) {
      return Future.failedFuture(e);
    }
    // Demo clients, with their private keys on disk, exist only in demo mode (the sandboxes on);
    // with real channels an operator registers clients (`clients add`, then the admin API).
    phases.mark("wiring");
    // The sandboxes need only the payees' channel accounts: they start side by side with the
    // engine's identity, clients and routing below, not after them (each is mostly waiting on the
    // database or on key files, and the machine has more than one core).
    Future<java.util.Map<org.clearing.channel.Channel, java.util.Map<String, String>>> accountsLoaded =
        opened.compose(database -> new ChannelAccountRepository(pool).load());
    Future<DemoSandboxes> sandboxesStarted = config.sandboxes()
        ? accountsLoaded.compose(accounts -> DemoSandboxes.start(vertx, config.dataDir(),
            config.network().sandboxHost(), config.sandboxBasePort(), config.sandboxTimeCompression(), accounts))
        : Future.succeededFuture(null);
    return opened.onSuccess(database -> phases.mark("database_wait"))
        .compose(database -> identity.start())
        .onSuccess(v -> phases.mark("identity"))
        .compose(v -> orders.rekeyUnkeyedFingerprints())
        .onSuccess(rekeyed -> {
          if (rekeyed > 0) {
            LOG.info("event=request_fingerprints.rekeyed orders={}", rekeyed);
          }
        })
        .compose(rekeyed -> LiveRouting.load(pool))
        .compose(routing -> (config.sandboxes() ? demoClients.ensure(cryptoPool)
            : warnOfDemoClients(clients).map(List.<Role>of())).map(created -> {
          created.forEach(role -> LOG.info("event=demo_client.created role={} file={}",
              role.code(), demoClients.directory().resolve(role.code() + ".json")));
          return routing;
        }))
        // In demo mode the first administrator of the consoles, its one-time password for the banner.
        .compose(routing -> (config.sandboxes()
            ? people.addFirstAdmin(DEMO_ADMIN_LOGIN, "管理员", "127.0.0.1")
            : Future.succeededFuture(java.util.Optional.<String>empty())).map(password -> {
              password.ifPresent(p -> {
                demoAdminPassword.set(p);
                LOG.info("event=demo_admin.created login={}", DEMO_ADMIN_LOGIN);
              });
              return routing;
            }))
        .onSuccess(v -> phases.mark("clients_routing"))
        .compose(routing -> accountsLoaded.compose(accounts -> sandboxesStarted
            .onSuccess(v -> phases.mark("sandboxes_wait"))
            .compose(sandboxes -> merchantChannels(vertx, config, sandboxes, channelClient, accounts)
                .map(loaded -> new Wiring(sandboxes, loaded)))
            .onSuccess(v -> phases.mark("channels"))
            .compose(wiring -> {
              DemoSandboxes sandboxes = wiring.sandboxes();
              ChannelSet channels = wiring.channels().withChannelAccounts(ChannelAccounts.live(routing))
                  .timed(metrics);
              FencedPool settlementPool = FencedPool.over(pool);
              SettlementJob settlement = new SettlementJob(channels,
                  new SettlementIntake(vertx, settlementPool, ChannelAccounts.live(routing)),
                  config.settlementIntervalMs(), clock);
              ChannelOrders channelOrders = new ChannelOrders(pool, channels, publicBaseUrl);
              DuplicatePaymentRefunds duplicateRefunds = new DuplicatePaymentRefunds(pool, channels, publicBaseUrl);
              RefundService refunds = new RefundService(new RefundRepository(pool), channels, publicBaseUrl,
                  duplicateRefunds);
              ReconciliationRun recon = new ReconciliationRun(vertx, pool, channels, intake, tempDir);
              ReconExceptions reconExceptions = new ReconExceptions(pool, channels, intake);
              ReconRoutes reconRoutes = new ReconRoutes(vertx, recon, reconExceptions);
              // The finance console reads and acts through the same run, queue and reports as the API.
              console.finance(new org.clearing.console.FinanceBooks(pool, recon, reconExceptions, reports,
                  new org.clearing.journal.JournalBalances(pool), refunds.repository()));
              ChannelConfigs channelConfigs = new ChannelConfigs(vertx, pool, channelClient, channelSecretsKey,
                  channels, tempDir, config.dataDir().resolve("bills"), metrics);
              // The operator's console acts through the same code as the API.
              Regions regions = new Regions(pool, routing);
              WebhookRepository webhooks = new WebhookRepository(pool);
              console.operator(new org.clearing.console.OperatorConsoleRoutes.Domain(
                  new org.clearing.history.OrderSearch(pool),
                  new org.clearing.history.OrderHistory(pool, orders, refunds.repository(), webhooks),
                  orders, refunds, new org.clearing.refund.ExceptionResolutions(pool), webhooks, clients, regions));
              console.channels(channelConfigs, regions);
              ApiContext context = new ApiContext(pool, routing, orders, clients, authenticator,
                  identity.payerIds(), qrPool, metrics, publicBaseUrl,
                  new CashierRoutes(orders, routing, channels, channelOrders, publicBaseUrl),
                  new CallbackRoutes(channels, intake, channelOrders, refunds, cryptoPool, metrics),
                  receipts, refunds, webhookRoutes, reports, reconRoutes,
                  new Uploads(vertx, tempDir, ReconRoutes.BILL_SIZE_MAX_BYTES),
                  new IdentityRoutes(identity), regions, console, channelConfigs);
              FencedPool queriesPool = FencedPool.over(pool);
              FencedPool closerPool = FencedPool.over(pool);
              FencedPool auditPool = FencedPool.over(pool);
              FencedPool duplicatesPool = FencedPool.over(pool);
              FencedPool refundQueriesPool = FencedPool.over(pool);
              FencedPool reconPool = FencedPool.over(pool);
              JobsVerticle jobs = new JobsVerticle(new JobLease(pool), List.of(
                  queriesPool.fencing(new PendingPaymentQueries(queriesPool, channels,
                      new PaymentIntake(vertx, queriesPool), new ChannelOrders(queriesPool, channels, publicBaseUrl),
                      PendingPaymentQueries.Settings.DEFAULT.withDelayMs(config.paymentQueryDelayMs()))),
                  closerPool.fencing(new ExpiredOrderCloser(closerPool,
                      new OrderRepository(vertx, closerPool, fingerprints), channels,
                      new PaymentIntake(vertx, closerPool), new ChannelOrders(closerPool, channels, publicBaseUrl),
                      ExpiredOrderCloser.Settings.DEFAULT)),
                  new JournalSealer(vertx, pool),
                  auditPool.fencing(new org.clearing.person.AuditSealer(vertx, auditPool)),
                  settlementPool.fencing(settlement),
                  duplicatesPool.fencing(new DuplicatePaymentRefunds(duplicatesPool, channels, publicBaseUrl)),
                  refundQueriesPool.fencing(new ChannelRefundQueries(refundQueriesPool, channels, publicBaseUrl,
                      new RefundRepository(refundQueriesPool))),
                  relayPool.fencing(relay),
                  reconPool.fencing(new DailyReconciliation(
                      new ReconciliationRun(vertx, reconPool, channels, new PaymentIntake(vertx, reconPool), tempDir),
                      RECONCILIATION_TIME_BEIJING, RECONCILIATION_CHECK_INTERVAL_MS, Clock.systemUTC()))));
              Engine engine = new Engine(opened.result(), vertx, pool, deployments, workers, port,
                  publicBaseUrl, demoClients, sandboxes);
              engine.channels = channels;
              engine.clients = clients;
              engine.clock = clock;
              engine.settlement = settlement;
              engine.intake = intake;
              engine.reconciliation = recon;
              engine.relay = relay;
              engine.jobs = jobs;
              engine.managementHost = config.network().managementHost();
              engine.tls = serverTls != null;
              engine.channelClient = channelClient;
              engine.identity = identity;
              engine.demoAdminPassword = demoAdminPassword.get();
              // The merchants an administrator keeps in the database apply from the first order.
              return channelConfigs.reload()
                  .compose(v -> Future.fromCompletionStage(consoleWarm, vertx.getOrCreateContext()))
                  .onSuccess(v -> phases.mark("consoles_wait"))
                  .compose(v -> deployApi(vertx, config.httpHost(), port, deployments, context, serverTls))
                  .compose(api -> {
                    engine.api = api;
                    return deployManagement(vertx, config.network(), deployments, context);
                  })
                  .compose(managementPort -> {
                    engine.managementPort = managementPort;
                    return vertx.deployVerticle(jobs);
                  })
                  .map(jobsDeployment -> {
                    phases.mark("servers_jobs");
                    deployments.add(jobsDeployment);
                    engine.scheduleNonceSweep();
                    engine.scheduleIdentityRefresh();
                    engine.scheduleRoutingCheck(routing);
                    engine.scheduleChannelConfigCheck(channelConfigs);
                    if (serverTls != null) {
                      engine.timers.add(serverTls.watch(vertx, config.network().tlsReloadCheckMs()));
                    }
                    return engine;
                  });
            })));
  }

  /** The master key file an engine makes for itself when none is given (demo mode). */
  public static final String GENERATED_MASTER_KEY_FILE = "master.sm4";

  /**
   * Reads the key options (blocking: before Vert.x serves anything). The master key is needed
   * only for the keys kept in the database; when none is given, one is made in the data directory,
   * as before for every key, with a warning outside demo mode: a second engine on the database
   * must then be given that file.
   */
  static EngineIdentity.Sources identitySources(EngineConfig config) {
    org.clearing.config.KeySources keys = config.keys();
    Path keysDirectory = config.dataDir().resolve("keys");
    EngineKey signing = keys.signingKeyFile() == null ? null : EngineIdentity.readSigningKeyFile(keys.signingKeyFile());
    List<byte[]> payer;
    try {
      payer = keys.payerKeyFile() == null ? null : PayerIdCipher.readKeys(keys.payerKeyFile());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read --payer-key-file " + keys.payerKeyFile(), e);
    }
    MasterKey master = null;
    if (signing == null || payer == null) {
      if (keys.masterKeyFile() != null) {
        master = MasterKey.fromFile(keys.masterKeyFile());
      } else if (keys.masterKeyText() != null) {
        master = MasterKey.fromText(keys.masterKeyText(), MasterKey.ENVIRONMENT_VARIABLE);
      } else {
        Path file = keysDirectory.resolve(GENERATED_MASTER_KEY_FILE);
        if (!config.sandboxes()) {
          LOG.warn("event=master_key.in_data_directory file={} detail=\"no --master-key-file or {}: the keys kept"
              + " in the database are sealed under a key in the data directory; every other engine on this"
              + " database needs a copy of it\"", file, MasterKey.ENVIRONMENT_VARIABLE);
        }
        master = MasterKey.loadOrCreate(file);
      }
      LOG.info("event=master_key.loaded master_key_id={}", master.id());
    }
    return new EngineIdentity.Sources(master, signing, payer, keysDirectory);
  }

  /**
   * The directories whose every file is a secret (keys, the demo clients' private keys, the
   * channels' merchant keys and settings): each must be owner-only, or the engine does not start.
   */
  public static List<Path> secretDirectories(Path dataDir) {
    return List.of(dataDir.resolve("keys"), dataDir.resolve("clients"), dataDir.resolve("channels"),
        dataDir.resolve("merchant"));
  }

  /**
   * Deploys one API verticle per core, all on one port. Port 0 was resolved to a free port
   * before, because the QR URLs in the shared context must name the port the verticles listen on.
   */
  private static Future<ApiVerticle> deployApi(Vertx vertx, String host, int port, List<String> deployments,
      ApiContext context, ServerTls tls) {
    int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
    List<Future<String>> deployed = new ArrayList<>();
    List<ApiVerticle> verticles = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      verticles.add(new ApiVerticle(context, host, port, tls));
      deployed.add(vertx.deployVerticle(verticles.get(i), new DeploymentOptions()));
    }
    return Future.all(deployed).map(all -> {
      deployed.forEach(f -> deployments.add(f.result()));
      return verticles.get(0);
    });
  }

  /**
   * Demo clients left from an earlier demo run keep working outside demo mode, and their private
   * keys lie in the data directory: say so at every start until an administrator revokes them.
   */
  private static Future<Void> warnOfDemoClients(ClientRepository clients) {
    List<Future<?>> checks = new ArrayList<>();
    for (Role role : Role.values()) {
      checks.add(clients.find(DemoClients.clientId(role)).onSuccess(found -> found
          .filter(client -> client.status() == ClientStatus.ACTIVE)
          .ifPresent(client -> LOG.warn("event=demo_client.active_outside_demo_mode client_id={}"
              + " hint=\"revoke it: POST /api/v1/admin/clients/{}/revoke\"", client.clientId(), client.clientId()))));
    }
    return Future.join(checks).mapEmpty();
  }

  /** The management port ({@code /metrics}); completes with the port it listens on. */
  private static Future<Integer> deployManagement(Vertx vertx, org.clearing.config.Network network,
      List<String> deployments, ApiContext context) {
    ManagementVerticle management = new ManagementVerticle(context, network.managementHost(),
        network.managementPort());
    return vertx.deployVerticle(management, new DeploymentOptions()).map(id -> {
      deployments.add(id);
      return management.actualPort();
    });
  }

  private static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("no free port", e);
    }
  }

  /**
   * The nonce sweep, on every instance (not leased): each forgets what expired by its own clock,
   * and deleting an expired nonce twice does no harm.
   */
  private void scheduleNonceSweep() {
    timers.add(vertx.setPeriodic(NONCE_SWEEP_INTERVAL_MS, id -> sweepNonces()
        .onFailure(e -> LOG.warn("event=nonces.sweep_failed error={}", e.toString()))));
  }

  /**
   * Another engine on the database may change a region: this one notices by the regions' stamp
   * and reloads, so its orders are routed by the change within one interval.
   */
  private void scheduleRoutingCheck(LiveRouting routing) {
    timers.add(vertx.setPeriodic(ROUTING_CHECK_INTERVAL_MS, id -> routing.reloadIfChanged()
        .onFailure(e -> LOG.warn("event=routing.check_failed error={}", e.toString()))));
  }

  /**
   * Another engine on the database may save a channel's configuration: this one notices by the
   * configurations' stamp and applies it to the channel orders it opens within one interval.
   */
  private void scheduleChannelConfigCheck(ChannelConfigs configs) {
    timers.add(vertx.setPeriodic(ChannelConfigs.CHECK_INTERVAL_MS, id -> configs.reloadIfChanged()
        .onFailure(e -> LOG.warn("event=channel_config.check_failed error={}", e.toString()))));
  }

  /**
   * The key that seals the channel secrets an administrator saves: the engine's master key, also
   * when the engine's own keys come from files and it would not otherwise need one; null when none
   * is given (then nothing can be saved in the database).
   */
  private static MasterKey channelSecretsKey(EngineConfig config, EngineIdentity.Sources sources) {
    if (sources.masterKey() != null) {
      return sources.masterKey();
    }
    org.clearing.config.KeySources keys = config.keys();
    if (keys.masterKeyFile() != null) {
      return MasterKey.fromFile(keys.masterKeyFile());
    }
    return keys.masterKeyText() == null ? null : MasterKey.fromText(keys.masterKeyText(), MasterKey.ENVIRONMENT_VARIABLE);
  }

  /** Forgets the nonces that expired by this engine's clock (also run every minute); how many. */
  public Future<Integer> sweepNonces() {
    return clients.forgetExpiredNonces(clock.instant());
  }

  /**
   * Keys another engine rotated are picked up here within {@link EngineIdentity#REFRESH_INTERVAL_MS};
   * on every instance (not leased), since each signs with its own copy.
   */
  private void scheduleIdentityRefresh() {
    timers.add(vertx.setPeriodic(EngineIdentity.REFRESH_INTERVAL_MS, id -> identity.refresh()
        .onFailure(e -> LOG.error("event=engine_key.refresh_failed error=\"{}\"", e.toString()))));
  }

  /** The engine's keys: the one signing now, the payer-ID cipher, rotation. */
  public EngineIdentity identity() {
    return identity;
  }

  /** The routes the API port mounted, as its router holds them (for tests that check the API's description). */
  public List<io.vertx.ext.web.Route> apiRoutes() {
    return api.routes();
  }

  public int httpPort() {
    return httpPort;
  }

  public String publicBaseUrl() {
    return publicBaseUrl;
  }

  /** The port serving {@code /metrics}, on the management address (127.0.0.1 by default). */
  public int managementPort() {
    return managementPort;
  }

  /** Where {@code /metrics} is served, e.g. {@code http://127.0.0.1:9464}. */
  public String managementUrl() {
    String host = managementHost.equals("0.0.0.0") || managementHost.equals("::") ? "127.0.0.1"
        : managementHost.contains(":") ? "[" + managementHost + "]" : managementHost;
    return "http://" + host + ":" + managementPort;
  }

  /** Whether the public port speaks TLS. */
  public boolean tls() {
    return tls;
  }

  /** The client the channel adapters call the channels' gateways with. */
  public WebClient channelClient() {
    return channelClient;
  }

  public Path clientsDirectory() {
    return demoClients.directory();
  }

  /** The daily reconciliation run (also scheduled for yesterday each morning). */
  public ReconciliationRun reconciliation() {
    return reconciliation;
  }

  /** Where verified payments are recorded (callbacks, queries and bills all go through it). */
  public PaymentIntake intake() {
    return intake;
  }

  /** Settles legs from the channels' bills of a day (also run on a schedule). */
  public SettlementJob settlement() {
    return settlement;
  }

  /** The demo sandboxes (null when live) and the channels built from the merchant configuration. */
  private record Wiring(DemoSandboxes sandboxes, ChannelSet channels) {}

  /**
   * The channels, always from a merchant configuration file: the one the demo sandboxes just
   * wrote, or {@code --config}; none without either. A configuration that fails its checks stops
   * the start-up (and the sandboxes started for it), its message naming the field.
   */
  private static Future<ChannelSet> merchantChannels(Vertx vertx, EngineConfig config, DemoSandboxes sandboxes,
      WebClient channelClient, java.util.Map<org.clearing.channel.Channel, java.util.Map<String, String>> accounts) {
    Path file = sandboxes != null ? sandboxes.merchantConfig() : config.merchantConfig();
    if (file == null) {
      LOG.warn("event=channels.none reason=\"no --config and no sandboxes: orders cannot be paid\"");
      return Future.succeededFuture(ChannelSet.none());
    }
    return MerchantChannels.load(vertx, channelClient, file,
            config.dataDir().resolve("bills"), accounts)
        .onSuccess(channels -> LOG.info("event=merchant_config.loaded file={}", file))
        .recover(error -> (sandboxes == null ? Future.<Void>succeededFuture() : sandboxes.stop())
            .transform(stopped -> Future.failedFuture(error)));
  }

  /** The channels this engine collects through (tests reach the adapters here). */
  public ChannelSet channels() {
    return channels;
  }

  /**
   * The one-time password of the consoles' first administrator ({@value #DEMO_ADMIN_LOGIN}), when
   * this start created it in demo mode; empty otherwise (it is printed once, never stored).
   */
  public java.util.Optional<String> demoAdminPassword() {
    return java.util.Optional.ofNullable(demoAdminPassword);
  }

  /** The sandboxes started in demo mode; empty when the engine talks to real channels. */
  public java.util.Optional<DemoSandboxes> sandboxes() {
    return java.util.Optional.ofNullable(sandboxes);
  }

  /**
   * The loop running the leased background jobs (active payment query, expiry and closing,
   * settlement, duplicate-payment refunds, the queries of open channel refunds, the webhook relay,
   * journal sealing, the daily reconciliation); a test stops or pauses jobs through it.
   */
  public JobsVerticle jobs() {
    return jobs;
  }

  public Database database() {
    return database;
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * Stops in order: the HTTP servers stop accepting and drain requests in flight, then the pool
   * closes, then Vert.x, then the embedded PostgreSQL. Blocking; safe to call twice.
   */
  public synchronized void stop() throws Exception {
    if (stopped) {
      return;
    }
    stopped = true;
    timers.forEach(vertx::cancelTimer);
    if (relay != null) {
      relay.close();
    }
    LOG.info("event=engine.stopping");
    List<Future<Void>> undeployed = new ArrayList<>();
    for (String id : deployments) {
      undeployed.add(vertx.undeploy(id));
    }
    deployments.clear();
    Future.join(undeployed)
        .eventually(() -> sandboxes == null ? Future.succeededFuture() : sandboxes.stop())
        .eventually(() -> pool.close())
        .eventually(() -> Future.join(workers.stream().map(WorkerExecutor::close).toList()))
        .eventually(vertx::close)
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    database.close();
    LOG.info("event=engine.stopped");
  }
}
