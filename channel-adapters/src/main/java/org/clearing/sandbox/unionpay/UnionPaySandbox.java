package org.clearing.sandbox.unionpay;

import static org.clearing.sandbox.SandboxPages.escape;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.clearing.channel.unionpay.UnionPayCertificates.Pki;
import org.clearing.channel.unionpay.UnionPayFileContent;
import org.clearing.channel.unionpay.UnionPayNotificationBuilder;
import org.clearing.channel.unionpay.UnionPayNotificationBuilder.Fault;
import org.clearing.channel.unionpay.UnionPayNotifications;
import org.clearing.channel.unionpay.UnionPayRequestVerifier;
import org.clearing.channel.unionpay.UnionPayVerification;
import org.clearing.channel.unionpay.ZmFileWriter;
import org.clearing.crypto.Crypto;
import org.clearing.sandbox.CallbackDispatcher;
import org.clearing.sandbox.SandboxControl;
import org.clearing.sandbox.SandboxFaults;
import org.clearing.sandbox.SandboxJournal;

/**
 * A fake UnionPay 全渠道 gateway (acp 5.1.0) on the real paths with real signatures
 * (UnionPay's documentation): QR apply and front consume carrying {@code accSplitData}, a payer page,
 * query, refund, backUrl notifications with UnionPay's retry schedule, and the ZM reconciliation
 * file through {@code fileTransfer}.
 *
 * <p>Response codes the sandbox had to pick where the channels' documentation is silent (acp's usual table):
 * {@code 11} 验证签名失败 (any request whose signature does not verify), {@code 10} 报文格式错误
 * (malformed fields, bad split data, split limits), {@code 32} 无此交易权限 (an unregistered split
 * receiver), {@code 12} 重复交易 (an orderId reused for a different order), {@code 34} 查无此交易
 * (query of an unknown orderId), {@code 35} 原交易不存在或状态不正确 (refund of an unknown or
 * unpaid payment), {@code 33} 交易金额超限 (refund above what is left). Query of a known order
 * answers {@code respCode=00} with {@code origRespCode} {@code 00} paid, {@code 05} waiting, and
 * {@code 01} 交易失败 once unpaid past {@code payTimeout}.
 *
 * <p>Leniency: the real query names the order by {@code orderId} and {@code txnTime}; the sandbox
 * requires a well-formed {@code txnTime} but finds the order by {@code orderId} alone.
 */
public final class UnionPaySandbox {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(UnionPaySandbox.class);

  /** UnionPay's resend waits: 5 sends at intervals 0, 1, 2, 4 minutes (§3.4). */
  public static final List<Duration> RETRY_SCHEDULE = List.of(Duration.ZERO,
      Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(4));
  /** How long UnionPay waits for the merchant's answer to a notification (§3.4). */
  public static final long CALLBACK_TIMEOUT_MS = 10_000;
  /** A request form larger than this is refused before parsing. */
  static final int REQUEST_BYTES_MAX = 64 * 1024;
  /** ZM files are GBK, as UnionPay's files are. */
  static final Charset ZM_CHARSET = Charset.forName("GBK");

  static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);
  private static final DateTimeFormatter TXN_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");
  private static final DateTimeFormatter TRACE_TIME = DateTimeFormatter.ofPattern("MMddHHmmss");
  private static final DateTimeFormatter MMDD = DateTimeFormatter.ofPattern("MMdd");

  /**
   * How to start the sandbox.
   *
   * @param port 0 for any free port
   * @param dataDirectory keys, certificates and journal live here
   * @param timeCompression 1 = real time for callback schedules
   * @param merId the merchant it serves
   * @param merchantCertificate the merchant's signing certificate (certId = decimal serial)
   * @param receivers registered secondary merchants ({@code accSplitMerId}); empty = any
   * @param retrySchedule waits before the 2nd, 3rd, … notification sends
   * @param clock "now" for orders, payments and bills
   */
  public record Options(int port, Path dataDirectory, double timeCompression, String merId,
      X509Certificate merchantCertificate, Set<String> receivers, List<Duration> retrySchedule,
      Clock clock, String acqInsCode) {

    public Options {
      Objects.requireNonNull(dataDirectory, "dataDirectory");
      Objects.requireNonNull(merId, "merId");
      Objects.requireNonNull(merchantCertificate, "merchantCertificate");
      receivers = SandboxControl.receiverSet(receivers);
      retrySchedule = List.copyOf(retrySchedule == null ? RETRY_SCHEDULE : retrySchedule);
      clock = clock == null ? Clock.systemUTC() : clock;
      acqInsCode = acqInsCode == null ? "" : acqInsCode;
    }

    /** A merchant connected directly ({@code accessType=0}), not through an acquirer. */
    public Options(int port, Path dataDirectory, double timeCompression, String merId,
        X509Certificate merchantCertificate, Set<String> receivers, List<Duration> retrySchedule,
        Clock clock) {
      this(port, dataDirectory, timeCompression, merId, merchantCertificate, receivers, retrySchedule, clock, "");
    }

    public Options(int port, Path dataDirectory, double timeCompression, String merId,
        X509Certificate merchantCertificate, Set<String> receivers) {
      this(port, dataDirectory, timeCompression, merId, merchantCertificate, receivers, null, null);
    }
  }

  /** One receiver's share of a split order. */
  record Leg(String accSplitMerId, long amountFen) {}

  /** An order and, once paid, its payment. Mutated only on the sandbox's event loop. */
  static final class Order {
    String orderId;
    String txnTime;
    String txnSubType;
    String bizType;
    long txnAmtFen;
    String backUrl;
    String reqReserved;
    Instant payTimeout;
    List<Leg> legs;
    String token;
    String queryId;
    Instant paidAt;
    String payer;
    long refundedFen;
    /** Completes once the order (and, when paid, its payment) is in the journal. */
    Future<Void> journaled = Future.succeededFuture();
  }

  /** A refund accepted by the sandbox. */
  record Refund(String orderId, String origOrderId, String origQryId, long amountFen,
      String queryId, String txnTime, String bizType, String backUrl, Instant at) {}

  private final Vertx vertx;
  private final Options options;
  private final Pki pki;
  private final UnionPayNotificationBuilder builder;
  private final UnionPayRequestVerifier requestVerifier = new UnionPayRequestVerifier();
  private final AtomicReference<SandboxFaults> faults = new AtomicReference<>(SandboxFaults.NONE);
  private final Map<String, Order> orders = new ConcurrentHashMap<>();
  private final Map<String, Order> byToken = new ConcurrentHashMap<>();
  private final Map<String, Order> byQueryId = new ConcurrentHashMap<>();
  private final Map<String, Refund> refunds = new ConcurrentHashMap<>();
  private final WebClient client;
  private final CallbackDispatcher dispatcher;
  private SandboxJournal journal;
  private HttpServer server;
  private String host = SandboxControl.LOOPBACK;

  private UnionPaySandbox(Vertx vertx, Options options, Pki pki, java.security.PrivateKey forgerKey) {
    this.vertx = vertx;
    this.options = options;
    this.pki = pki;
    this.builder = new UnionPayNotificationBuilder(pki, options.clock(), forgerKey).acquiredBy(options.acqInsCode());
    requestVerifier.register(options.merId(), options.merchantCertificate());
    this.client = CallbackDispatcher.client(vertx);
    this.dispatcher = new CallbackDispatcher(vertx, client, options.retrySchedule(),
        options.timeCompression(), CALLBACK_TIMEOUT_MS,
        response -> acknowledges(response.statusCode(), response.bodyAsString()), faults::get);
  }

  /** Loads or creates the PKI, replays the journal and listens. */
  public static Future<UnionPaySandbox> start(Vertx vertx, Options options) {
    return start(vertx, options, SandboxControl.LOOPBACK);
  }

  /** As {@link #start(Vertx, Options)}, listening on {@code host} (a LAN address shows it to a phone). */
  public static Future<UnionPaySandbox> start(Vertx vertx, Options options, String host) {
    return vertx.executeBlocking(() -> {
      Pki pki = UnionPayPkiStore.loadOrCreate(options.dataDirectory().resolve("pki"),
          options.clock());
      UnionPaySandbox sandbox = new UnionPaySandbox(vertx, options, pki, org.clearing.sandbox.SandboxKeys.rsa(
          options.dataDirectory().resolve("pki").resolve(org.clearing.sandbox.SandboxKeys.FORGER_KEY_FILE)));
      // The forged-signature fault's signer is made now, off the event loop (its key is kept, see
      // SandboxKeys, so this no longer costs a key generation on every start).
      sandbox.builder.consume(new UnionPayNotificationBuilder.Consume(options.merId(),
          "WARMUP0000", "20260101000000", 1, "000000", "07", "", ""), "0".repeat(21),
          Fault.FORGED_SIGNATURE);
      return sandbox;
    }, false).compose(sandbox -> SandboxJournal.open(vertx,
        options.dataDirectory().resolve("journal.jsonl"), sandbox::replay)
        .compose(journal -> {
          sandbox.journal = journal;
          return sandbox.listen(host);
        }).map(sandbox));
  }

  private Future<Void> listen(String bindHost) {
    this.host = bindHost;
    Router router = Router.router(vertx);
    SandboxControl.mount(router, faults, dispatcher);
    SandboxControl.mountReceivers(router, options.receivers());
    router.post("/gateway/api/*")
        .handler(BodyHandler.create(false).setBodyLimit(REQUEST_BYTES_MAX));
    router.route("/gateway/api/*").handler(SandboxControl.apiFaults(faults));
    router.post("/gateway/api/backTransReq.do").handler(ctx -> api(ctx, this::backTrans));
    router.post("/gateway/api/frontTransReq.do").handler(this::frontTrans);
    router.post("/gateway/api/queryTrans.do").handler(ctx -> api(ctx, this::queryTrans));
    router.post("/gateway/api/fileTransfer.do").handler(ctx -> api(ctx, this::fileTransfer));
    router.get("/sandbox/qr/:token").handler(this::payerPage);
    router.post("/sandbox/qr/:token").handler(BodyHandler.create(false).setBodyLimit(4096))
        .handler(this::payerPageSubmit);
    router.post("/sandbox/pay").handler(BodyHandler.create(false).setBodyLimit(4096))
        .handler(this::payJson);
    router.get("/sandbox/orders/:orderId").handler(this::orderJson);
    return vertx.createHttpServer().requestHandler(router).listen(options.port(), bindHost)
        .map(s -> {
          server = s;
          return null;
        });
  }

  public String baseUrl() {
    return "http://" + SandboxControl.urlHost(host) + ":" + server.actualPort();
  }

  public int port() {
    return server.actualPort();
  }

  public AtomicReference<SandboxFaults> faults() {
    return faults;
  }

  /** UnionPay takes HTTP 200 or 302 as acknowledgement, whatever the body (§3.4). */
  public static boolean acknowledges(int status, String body) {
    return status == 200 || status == 302;
  }

  public CallbackDispatcher dispatcher() {
    return dispatcher;
  }

  /** The root the merchant must configure (acpsdk's {@code rootCert.path}). */
  public X509Certificate rootCertificate() {
    return pki.root().certificate();
  }

  /** The intermediate the merchant must configure ({@code middleCert.path}). */
  public X509Certificate intermediateCertificate() {
    return pki.intermediate().certificate();
  }

  /** The certificate the sandbox signs with (sent in every {@code signPubKeyCert}). */
  public X509Certificate signingCertificate() {
    return pki.unionPaySigning().certificate();
  }

  public String merId() {
    return options.merId();
  }

  /** The acquirer the merchant is connected through; empty for direct access. */
  public String acqInsCode() {
    return options.acqInsCode();
  }

  /** What each receiver got of a paid order (the split result); empty when unpaid or unknown. */
  public Map<String, Long> splitResult(String orderId) {
    Order order = orders.get(orderId);
    if (order == null || order.paidAt == null) {
      return Map.of();
    }
    Map<String, Long> result = new LinkedHashMap<>();
    order.legs.forEach(leg -> result.put(leg.accSplitMerId(), leg.amountFen()));
    return result;
  }

  /** Paid minus refunded amounts in fen of the payments and refunds booked on a Beijing day. */
  public long netFenOn(LocalDate day) {
    long paid = orders.values().stream().filter(o -> o.paidAt != null)
        .filter(o -> beijingDate(o.paidAt).equals(day)).mapToLong(o -> o.txnAmtFen).sum();
    long refunded = refunds.values().stream().filter(r -> beijingDate(r.at()).equals(day))
        .mapToLong(Refund::amountFen).sum();
    return paid - refunded;
  }

  /**
   * Stops answering and closes the journal. The callback client is left to Vert.x: callbacks
   * already scheduled still go out (the shared dispatcher has no cancel), as a real channel's
   * queue outlives a restart of one of its front ends.
   */
  public Future<Void> stop() {
    Future<Void> closing = server == null ? Future.succeededFuture() : server.close();
    return closing.compose(v -> journal == null ? Future.succeededFuture() : journal.close());
  }

  // ---- merchant API -----------------------------------------------------------------------

  /** What an API operation answers: the fields to sign and send back. */
  private interface Operation {
    Future<Map<String, String>> apply(Map<String, String> request);
  }

  /** Decodes the form, verifies the merchant's signature, runs the operation, signs the answer. */
  private void api(RoutingContext ctx, Operation operation) {
    verified(ctx).compose(request -> request.containsKey("respCode")
        ? Future.succeededFuture(request) : operation.apply(request))
        .compose(answer -> vertx.executeBlocking(() -> builder.sign(answer)))
        .onSuccess(signed -> ctx.response().setStatusCode(200)
            .putHeader("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
            .end(UnionPayNotifications.encodeForm(signed)))
        .onFailure(e -> {
          // A gateway fault the merchant sees only as a 500: the sandbox's log says which.
          LOG.error("event=sandbox.api_failed channel=unionpay path={}", ctx.request().path(), e);
          ctx.response().setStatusCode(500).end("internal error");
        });
  }

  /**
   * The request's fields once its signature verifies; otherwise an answer (with respCode) that
   * tells the merchant why, as the gateway answers.
   */
  private Future<Map<String, String>> verified(RoutingContext ctx) {
    Map<String, String> request;
    try {
      request = UnionPayNotifications.decodeForm(ctx.body().buffer() == null ? new byte[0]
          : ctx.body().buffer().getBytes());
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(answer(Map.of(), "10", "报文格式错误"));
    }
    return vertx.executeBlocking(() -> {
      UnionPayVerification verification = requestVerifier.verify(request);
      if (!verification.isOk()) {
        return answer(request, "11", "验证签名失败");
      }
      String access = accessProblem(request);
      return access.isEmpty() ? request : answer(request, "10", "报文格式错误[" + access + "]");
    });
  }

  /**
   * How the merchant is connected must be how the request says it is: a merchant connected through
   * an acquirer sends {@code accessType=1} and that acquirer's {@code acqInsCode} in every request
   * (consume, query, refund, file transfer); a merchant connected directly sends {@code
   * accessType=0} and no acquirer. Empty when the request fits.
   */
  private String accessProblem(Map<String, String> request) {
    String access = request.getOrDefault("accessType", "");
    String acquirer = request.getOrDefault("acqInsCode", "");
    if (options.acqInsCode().isEmpty()) {
      return access.equals("0") && acquirer.isEmpty() ? ""
          : "merchant " + options.merId() + " is connected directly: accessType 0 without acqInsCode";
    }
    if (!access.equals("1")) {
      return "merchant " + options.merId() + " is connected through an acquirer: accessType must be 1";
    }
    return acquirer.equals(options.acqInsCode()) ? ""
        : acquirer.isEmpty() ? "acqInsCode is required for acquirer access"
        : "acqInsCode " + acquirer + " is not the acquirer of merchant " + options.merId();
  }

  private Future<Map<String, String>> backTrans(Map<String, String> request) {
    String txnType = request.getOrDefault("txnType", "");
    String txnSubType = request.getOrDefault("txnSubType", "");
    if (txnType.equals("01") && txnSubType.equals("07")) {
      return applyQr(request);
    }
    if (txnType.equals("04") && txnSubType.equals("00")) {
      return refund(request);
    }
    return Future.succeededFuture(answer(request, "32", "无此交易权限"));
  }

  private Future<Map<String, String>> applyQr(Map<String, String> request) {
    Object result = createOrder(request);
    if (result instanceof Map<?, ?> refusal) {
      @SuppressWarnings("unchecked")
      Map<String, String> answer = (Map<String, String>) refusal;
      return Future.succeededFuture(answer);
    }
    Order order = (Order) result;
    Map<String, String> answer = answer(request, "00", "成功[0000000]");
    answer.put("qrCode", payerUrl(order));
    // Answer only once the order is journaled, so a restart cannot lose a QR code handed out.
    return order.journaled.map(v -> answer);
  }

  /** The front consume answers the payer page itself: the browser lands on the cashier. */
  private void frontTrans(RoutingContext ctx) {
    verified(ctx).onSuccess(request -> {
      Object result = request.containsKey("respCode") ? request
          : !"01".equals(request.get("txnType")) || !"01".equals(request.get("txnSubType"))
              ? answer(request, "32", "无此交易权限") : createOrder(request);
      if (result instanceof Order order) {
        html(ctx, 200, page(order, null));
      } else {
        @SuppressWarnings("unchecked")
        Map<String, String> refusal = (Map<String, String>) result;
        html(ctx, 400, "<!DOCTYPE html><html><body><p>" + escape(refusal.get("respCode")) + " "
            + escape(refusal.get("respMsg")) + "</p></body></html>");
      }
    }).onFailure(e -> ctx.response().setStatusCode(500).end("internal error"));
  }

  /** A new or the same (idempotent) order, or a refusal answer. */
  private Object createOrder(Map<String, String> request) {
    String orderId = request.getOrDefault("orderId", "");
    long txnAmtFen;
    Instant payTimeout;
    try {
      if (!orderId.matches("[0-9A-Za-z]{8,40}")) {
        throw new IllegalArgumentException("orderId");
      }
      txnAmtFen = Long.parseLong(request.getOrDefault("txnAmt", ""));
      if (txnAmtFen <= 0 || !request.get("txnAmt").matches("[0-9]{1,12}")) {
        throw new IllegalArgumentException("txnAmt");
      }
      parseTxnTime(request.getOrDefault("txnTime", ""));
      payTimeout = request.containsKey("payTimeout") ? parseTxnTime(request.get("payTimeout"))
          : null;
      if (request.getOrDefault("backUrl", "").isEmpty()) {
        throw new IllegalArgumentException("backUrl");
      }
    } catch (RuntimeException e) {
      return answer(request, "10", "报文格式错误");
    }
    List<Leg> legs;
    try {
      legs = request.containsKey("accSplitData")
          ? parseSplit(request.get("accSplitData"), txnAmtFen) : List.of();
    } catch (IllegalArgumentException e) {
      return answer(request, "10", "报文格式错误[分账域]");
    }
    for (Leg leg : legs) {
      if (!options.receivers().isEmpty() && !options.receivers().contains(leg.accSplitMerId())) {
        return answer(request, "32", "无此交易权限[分账商户未登记]");
      }
    }
    Order existing = orders.get(orderId);
    if (existing != null) {
      // Opening the same order again must not make a second payable order (ChannelAdapter).
      return existing.txnAmtFen == txnAmtFen && existing.legs.equals(legs) ? existing
          : answer(request, "12", "重复交易");
    }
    Order order = new Order();
    order.orderId = orderId;
    order.txnTime = request.get("txnTime");
    order.txnSubType = request.get("txnSubType");
    order.bizType = request.getOrDefault("bizType", "000000");
    order.txnAmtFen = txnAmtFen;
    order.backUrl = request.get("backUrl");
    order.reqReserved = request.getOrDefault("reqReserved", "");
    order.payTimeout = payTimeout;
    order.legs = legs;
    order.token = Crypto.randomToken(24);
    remember(order);
    order.journaled = journal.append(orderRecord(order));
    return order;
  }

  /** accSplitData type 1 (§3.6): 1..5 distinct 15-character receivers summing to txnAmt. */
  static List<Leg> parseSplit(String accSplitData, long txnAmtFen) {
    JsonObject json;
    try {
      json = new JsonObject(accSplitData);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("accSplitData is not JSON");
    }
    if (!"1".equals(json.getValue("accSplitType"))) {
      throw new IllegalArgumentException("only accSplitType 1 is supported");
    }
    JsonArray mchts = json.getJsonArray("accSplitMchts");
    if (mchts == null || mchts.isEmpty() || mchts.size() > 5) {
      throw new IllegalArgumentException("1 to 5 accSplitMchts");
    }
    List<Leg> legs = new ArrayList<>();
    long sumFen = 0;
    for (int i = 0; i < mchts.size(); i++) {
      JsonObject mcht = mchts.getJsonObject(i);
      String merId = String.valueOf(mcht.getValue("accSplitMerId"));
      String amount = String.valueOf(mcht.getValue("accSplitAmt"));
      if (!merId.matches("[0-9A-Za-z]{15}") || !amount.matches("[0-9]{1,12}")
          || Long.parseLong(amount) <= 0) {
        throw new IllegalArgumentException("bad accSplitMcht");
      }
      if (legs.stream().anyMatch(l -> l.accSplitMerId().equals(merId))) {
        throw new IllegalArgumentException("repeated receiver");
      }
      legs.add(new Leg(merId, Long.parseLong(amount)));
      sumFen += Long.parseLong(amount);
    }
    if (sumFen != txnAmtFen) {
      throw new IllegalArgumentException("split amounts do not sum to txnAmt");
    }
    return List.copyOf(legs);
  }

  private Future<Map<String, String>> refund(Map<String, String> request) {
    String refundOrderId = request.getOrDefault("orderId", "");
    long amountFen;
    try {
      if (!refundOrderId.matches("[0-9A-Za-z]{8,40}")
          || !request.getOrDefault("txnAmt", "").matches("[0-9]{1,12}")
          || request.getOrDefault("backUrl", "").isEmpty()) {
        throw new IllegalArgumentException("refund fields");
      }
      parseTxnTime(request.getOrDefault("txnTime", ""));
      amountFen = Long.parseLong(request.get("txnAmt"));
    } catch (RuntimeException e) {
      return Future.succeededFuture(answer(request, "10", "报文格式错误"));
    }
    Refund earlier = refunds.get(refundOrderId);
    if (earlier != null) {
      Map<String, String> answer = answer(request, earlier.amountFen() == amountFen
          && earlier.origQryId().equals(request.get("origQryId")) ? "00" : "12",
          earlier.amountFen() == amountFen ? "成功[0000000]" : "重复交易");
      answer.put("queryId", earlier.queryId());
      return Future.succeededFuture(answer);
    }
    Order order = byQueryId.get(request.getOrDefault("origQryId", ""));
    if (order == null || order.paidAt == null) {
      return Future.succeededFuture(answer(request, "35", "原交易不存在或状态不正确"));
    }
    if (amountFen <= 0 || amountFen > order.txnAmtFen - order.refundedFen) {
      return Future.succeededFuture(answer(request, "33", "交易金额超限"));
    }
    Instant now = options.clock().instant();
    Refund refund = new Refund(refundOrderId, order.orderId, order.queryId, amountFen,
        UnionPayNotificationBuilder.newQueryId(options.clock()), request.get("txnTime"),
        request.getOrDefault("bizType", "000000"), request.get("backUrl"), now);
    apply(refund);
    Map<String, String> answer = answer(request, "00", "成功[0000000]");
    answer.put("queryId", refund.queryId());
    answer.put("origQryId", refund.origQryId());
    answer.put("txnAmt", Long.toString(amountFen));
    // Money moved: answer only once the refund is in the journal, so a restart keeps it.
    return journal.append(refundRecord(refund)).map(v -> {
      dispatchRefund(refund);
      return answer;
    });
  }

  private Future<Map<String, String>> queryTrans(Map<String, String> request) {
    try {
      parseTxnTime(request.getOrDefault("txnTime", ""));
    } catch (RuntimeException e) {
      return Future.succeededFuture(answer(request, "10", "报文格式错误"));
    }
    String orderId = request.getOrDefault("orderId", "");
    Refund refund = refunds.get(orderId);
    if (refund != null) {
      Map<String, String> answer = answer(request, "00", "成功[0000000]");
      answer.put("txnType", "04");
      answer.put("origRespCode", "00");
      answer.put("origRespMsg", "成功[0000000]");
      answer.put("queryId", refund.queryId());
      answer.put("origQryId", refund.origQryId());
      answer.put("txnAmt", Long.toString(refund.amountFen()));
      answer.put("txnTime", refund.txnTime());
      return Future.succeededFuture(answer);
    }
    Order order = orders.get(orderId);
    if (order == null) {
      return Future.succeededFuture(answer(request, "34", "查无此交易"));
    }
    Map<String, String> answer = answer(request, "00", "成功[0000000]");
    answer.put("txnTime", order.txnTime);
    answer.put("txnAmt", Long.toString(order.txnAmtFen));
    answer.put("currencyCode", "156");
    if (order.paidAt != null) {
      answer.put("origRespCode", "00");
      answer.put("origRespMsg", "成功[0000000]");
      answer.put("queryId", order.queryId);
      answer.put("traceTime", beijing(order.paidAt).format(TRACE_TIME));
      answer.put("settleDate", beijing(order.paidAt).format(MMDD));
      answer.put("settleAmt", Long.toString(order.txnAmtFen));
      answer.put("settleCurrencyCode", "156");
    } else if (expired(order)) {
      answer.put("origRespCode", "01");
      answer.put("origRespMsg", "交易失败[订单已超时]");
    } else {
      answer.put("origRespCode", "05");
      answer.put("origRespMsg", "交易处理中");
    }
    return Future.succeededFuture(answer);
  }

  private Future<Map<String, String>> fileTransfer(Map<String, String> request) {
    LocalDate day;
    try {
      if (!"76".equals(request.get("txnType"))) {
        return Future.succeededFuture(answer(request, "32", "无此交易权限"));
      }
      day = settleDay(request.getOrDefault("settleDate", ""));
    } catch (RuntimeException e) {
      return Future.succeededFuture(answer(request, "10", "报文格式错误"));
    }
    List<Order> paid = orders.values().stream()
        .filter(o -> o.paidAt != null && beijingDate(o.paidAt).equals(day))
        .sorted((a, b) -> a.paidAt.compareTo(b.paidAt)).collect(Collectors.toList());
    List<Refund> refunded = refunds.values().stream()
        .filter(r -> beijingDate(r.at()).equals(day))
        .sorted((a, b) -> a.at().compareTo(b.at())).collect(Collectors.toList());
    return vertx.executeBlocking(() -> {
      ByteArrayOutputStream zm = new ByteArrayOutputStream();
      ZmFileWriter writer = new ZmFileWriter(zm, ZM_CHARSET);
      int traceNo = 0;
      for (Order order : paid) {
        List<ZmFileWriter.SplitShare> shares = order.legs.stream()
            .map(l -> new ZmFileWriter.SplitShare(l.accSplitMerId(), "", l.amountFen()))
            .collect(Collectors.toList());
        writer.consume(new ZmFileWriter.Row(options.merId(), String.format("%06d", ++traceNo),
            beijing(order.paidAt).format(TRACE_TIME), "", order.txnAmtFen, order.queryId,
            order.orderId, 0, "01", order.txnSubType, order.bizType, "", "", shares));
      }
      for (Refund refund : refunded) {
        // Refunds: trade code S30 and the original orderId in field 41 (ZmFileWriter's choice).
        writer.refund(new ZmFileWriter.Row(options.merId(), String.format("%06d", ++traceNo),
            beijing(refund.at()).format(TRACE_TIME), "", refund.amountFen(), refund.queryId(),
            refund.orderId(), 0, "04", "00", refund.bizType(), refund.origQryId(),
            refund.origOrderId(), List.of()));
      }
      Map<String, byte[]> files = new LinkedHashMap<>();
      files.put(UnionPayFileContent.zmName(options.merId(), day), zm.toByteArray());
      files.put(UnionPayFileContent.zmeName(options.merId(), day), new byte[0]);
      Map<String, String> answer = answer(request, "00", "成功[0000000]");
      answer.put("settleDate", request.get("settleDate"));
      answer.put("fileType", request.getOrDefault("fileType", "00"));
      answer.put("fileName", UnionPayFileContent.zipName(options.merId(), day));
      answer.put("fileContent", UnionPayFileContent.pack(files));
      return answer;
    });
  }

  /** settleDate has no year: the latest such day on or before today (Beijing). */
  private LocalDate settleDay(String mmdd) {
    if (!mmdd.matches("[0-9]{4}")) {
      throw new IllegalArgumentException("settleDate");
    }
    LocalDate today = beijingDate(options.clock().instant());
    int month = Integer.parseInt(mmdd.substring(0, 2));
    int dayOfMonth = Integer.parseInt(mmdd.substring(2));
    for (int year = today.getYear(); year >= today.getYear() - 4; year--) {
      try {
        LocalDate candidate = LocalDate.of(year, month, dayOfMonth);
        if (!candidate.isAfter(today)) {
          return candidate;
        }
      } catch (java.time.DateTimeException e) {
        // 29 February in a common year: try the year before.
      }
    }
    throw new IllegalArgumentException("settleDate");
  }

  /** The answer's common fields, echoing the request's identifying fields. */
  private static Map<String, String> answer(Map<String, String> request, String respCode,
      String respMsg) {
    Map<String, String> answer = new TreeMap<>();
    answer.put("version", "5.1.0");
    answer.put("encoding", "UTF-8");
    answer.put("accessType", "0");
    for (String key : List.of("accessType", "acqInsCode", "txnType", "txnSubType", "bizType", "merId",
        "orderId", "txnTime", "reqReserved")) {
      String value = request.get(key);
      if (value != null && !value.isEmpty()) {
        answer.put(key, value);
      }
    }
    answer.put("respCode", respCode);
    answer.put("respMsg", respMsg);
    return answer;
  }

  // ---- paying -------------------------------------------------------------------------------

  /** The result of a payer's attempt: an HTTP status and, on success, the order. */
  private record PayOutcome(int status, String message, Order order) {}

  private PayOutcome pay(Order order, String payer) {
    return pay(order, payer, CallbackDispatcher.Notify.SEND);
  }

  /** Pays an order; its notification is scheduled ({@code SEND}) or left to the caller ({@code RETURN}). */
  private PayOutcome pay(Order order, String payer, CallbackDispatcher.Notify notify) {
    if (order == null) {
      return new PayOutcome(404, "unknown order", null);
    }
    if (order.paidAt != null) {
      return new PayOutcome(409, "already paid", order);
    }
    if (expired(order)) {
      // UnionPay has no close: an unpaid order lapses at payTimeout (§4).
      return new PayOutcome(409, "expired", order);
    }
    order.paidAt = options.clock().instant();
    order.queryId = UnionPayNotificationBuilder.newQueryId(options.clock());
    order.payer = payer == null || payer.isBlank() ? "6222020000001234567" : payer;
    byQueryId.put(order.queryId, order);
    order.journaled = journal.append(new JsonObject().put("type", "paid")
        .put("orderId", order.orderId)
        .put("queryId", order.queryId).put("paidAt", order.paidAt.toString())
        .put("payer", order.payer));
    if (notify == CallbackDispatcher.Notify.SEND) {
      dispatchPayment(order);
    }
    return new PayOutcome(200, "paid", order);
  }

  private void dispatchPayment(Order order) {
    dispatcher.dispatch(order.orderId, paymentCallback(order), null);
  }

  private CallbackDispatcher.CallbackFactory paymentCallback(Order order) {
    UnionPayNotificationBuilder.Consume consume = new UnionPayNotificationBuilder.Consume(
        options.merId(), order.orderId, order.txnTime, order.txnAmtFen, order.bizType,
        order.txnSubType, order.payer, order.reqReserved);
    // Skew has no counterpart: UnionPay signs no timestamp, and txnTime is the merchant's own
    // send time, so the skew switch is ignored (the merchant has no freshness rule to trip).
    return (forged, skewSeconds) -> callback(order.backUrl,
        builder.consume(consume, order.queryId, forged ? Fault.FORGED_SIGNATURE : Fault.NONE));
  }

  private void dispatchRefund(Refund refund) {
    UnionPayNotificationBuilder.Refund notice = new UnionPayNotificationBuilder.Refund(
        options.merId(), refund.orderId(), refund.origQryId(), refund.txnTime(),
        refund.amountFen(), refund.bizType(), "00", "");
    dispatcher.dispatch(refund.orderId(), (forged, skewSeconds) -> callback(refund.backUrl(),
        builder.refund(notice, refund.queryId(), forged ? Fault.FORGED_SIGNATURE : Fault.NONE)),
        null);
  }

  private static CallbackDispatcher.Callback callback(String url, Map<String, String> fields) {
    return new CallbackDispatcher.Callback(url,
        Map.of("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8"),
        UnionPayNotifications.encodeForm(fields).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * {@code POST /sandbox/pay {"out_trade_no": orderId, "payer": card, "notify": "send" | "return"}}:
   * with {@code "return"} the backUrl notification is not sent but signed now and returned in
   * the answer's {@code callback} ({@link CallbackDispatcher.Notify}).
   */
  private void payJson(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
      Objects.requireNonNull(body);
    } catch (RuntimeException e) {
      json(ctx, 400, new JsonObject().put("error", "body must be JSON"));
      return;
    }
    CallbackDispatcher.Notify notify = CallbackDispatcher.Notify.of(body.getValue("notify")).orElse(null);
    if (notify == null) {
      json(ctx, 400, new JsonObject().put("error", "notify must be \"send\" or \"return\""));
      return;
    }
    PayOutcome outcome = pay(orders.get(body.getString("out_trade_no", "")),
        body.getString("payer", ""), notify);
    if (outcome.status() != 200) {
      json(ctx, outcome.status(), new JsonObject().put("error", outcome.message()));
      return;
    }
    Order order = outcome.order();
    order.journaled.onComplete(v -> {
      if (v.failed()) {
        json(ctx, 500, new JsonObject().put("error", "journal"));
        return;
      }
      JsonObject answer = new JsonObject().put("transaction_id", order.queryId)
          .put("out_trade_no", order.orderId).put("amount_fen", order.txnAmtFen);
      if (notify == CallbackDispatcher.Notify.RETURN) {
        answer.put("callback", dispatcher.signedNow(paymentCallback(order)).toJson());
      }
      json(ctx, 200, answer);
    });
  }

  private void orderJson(RoutingContext ctx) {
    Order order = orders.get(ctx.pathParam("orderId"));
    if (order == null) {
      json(ctx, 404, new JsonObject().put("error", "unknown order"));
      return;
    }
    JsonObject split = new JsonObject();
    splitResult(order.orderId).forEach(split::put);
    json(ctx, 200, orderRecord(order).put("queryId", order.queryId)
        .put("refundedFen", order.refundedFen).put("split_result", split));
  }

  private void payerPage(RoutingContext ctx) {
    Order order = byToken.get(ctx.pathParam("token"));
    if (order == null) {
      html(ctx, 404, "<!DOCTYPE html><html><body><p>无此订单</p></body></html>");
      return;
    }
    html(ctx, 200, page(order, null));
  }

  private void payerPageSubmit(RoutingContext ctx) {
    Order order = byToken.get(ctx.pathParam("token"));
    PayOutcome outcome = pay(order, "");
    if (outcome.status() == 200) {
      String paidPage = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>paid</title>"
          + "</head><body><h1>paid</h1><p>支付成功 " + escape(yuan(order.txnAmtFen))
          + "</p><p>queryId " + escape(order.queryId) + "</p></body></html>";
      order.journaled.onComplete(v -> html(ctx, v.succeeded() ? 200 : 500, paidPage));
    } else {
      html(ctx, outcome.status(), "<!DOCTYPE html><html><body><p>" + escape(outcome.message())
          + "</p></body></html>");
    }
  }

  /** The payer page: amount, each leg, and one form that pays. Everything escaped. */
  private String page(Order order, String note) {
    StringBuilder html = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        + "<title>银联支付 sandbox</title></head><body><h1>银联支付</h1>");
    html.append("<p>订单 ").append(escape(order.orderId)).append("</p>");
    html.append("<p>金额 <strong id=\"amount\">").append(escape(yuan(order.txnAmtFen)))
        .append("</strong> 元</p><ul>");
    for (Leg leg : order.legs) {
      html.append("<li>").append(escape(leg.accSplitMerId())).append(" ")
          .append(escape(yuan(leg.amountFen()))).append(" 元</li>");
    }
    html.append("</ul><form method=\"post\" action=\"/sandbox/qr/").append(escape(order.token))
        .append("\"><button type=\"submit\">付款</button></form></body></html>");
    return html.toString();
  }

  // ---- state and journal ---------------------------------------------------------------------

  private void remember(Order order) {
    orders.put(order.orderId, order);
    byToken.put(order.token, order);
  }

  private void apply(Refund refund) {
    refunds.put(refund.orderId(), refund);
    Order order = orders.get(refund.origOrderId());
    if (order != null) {
      order.refundedFen += refund.amountFen();
    }
  }

  private void replay(JsonObject record) {
    switch (record.getString("type", "")) {
      case "order" -> {
        Order order = new Order();
        order.orderId = record.getString("orderId");
        order.txnTime = record.getString("txnTime");
        order.txnSubType = record.getString("txnSubType");
        order.bizType = record.getString("bizType");
        order.txnAmtFen = record.getLong("txnAmtFen");
        order.backUrl = record.getString("backUrl");
        order.reqReserved = record.getString("reqReserved", "");
        order.payTimeout = record.containsKey("payTimeout")
            ? Instant.parse(record.getString("payTimeout")) : null;
        List<Leg> legs = new ArrayList<>();
        record.getJsonArray("legs").forEach(o -> legs.add(new Leg(
            ((JsonObject) o).getString("accSplitMerId"), ((JsonObject) o).getLong("amountFen"))));
        order.legs = List.copyOf(legs);
        order.token = record.getString("token");
        remember(order);
      }
      case "paid" -> {
        Order order = orders.get(record.getString("orderId"));
        if (order != null) {
          order.queryId = record.getString("queryId");
          order.paidAt = Instant.parse(record.getString("paidAt"));
          order.payer = record.getString("payer");
          byQueryId.put(order.queryId, order);
        }
      }
      case "refund" -> apply(new Refund(record.getString("orderId"),
          record.getString("origOrderId"), record.getString("origQryId"),
          record.getLong("amountFen"), record.getString("queryId"), record.getString("txnTime"),
          record.getString("bizType"), record.getString("backUrl"),
          Instant.parse(record.getString("at"))));
      default -> { }
    }
  }

  private static JsonObject orderRecord(Order order) {
    JsonArray legs = new JsonArray();
    order.legs.forEach(l -> legs.add(new JsonObject().put("accSplitMerId", l.accSplitMerId())
        .put("amountFen", l.amountFen())));
    JsonObject record = new JsonObject().put("type", "order").put("orderId", order.orderId)
        .put("txnTime", order.txnTime).put("txnSubType", order.txnSubType)
        .put("bizType", order.bizType).put("txnAmtFen", order.txnAmtFen)
        .put("backUrl", order.backUrl).put("reqReserved", order.reqReserved)
        .put("legs", legs).put("token", order.token);
    if (order.payTimeout != null) {
      record.put("payTimeout", order.payTimeout.toString());
    }
    return record;
  }

  private static JsonObject refundRecord(Refund refund) {
    return new JsonObject().put("type", "refund").put("orderId", refund.orderId())
        .put("origOrderId", refund.origOrderId()).put("origQryId", refund.origQryId())
        .put("amountFen", refund.amountFen()).put("queryId", refund.queryId())
        .put("txnTime", refund.txnTime()).put("bizType", refund.bizType())
        .put("backUrl", refund.backUrl()).put("at", refund.at().toString());
  }

  // ---- small pieces --------------------------------------------------------------------------

  private boolean expired(Order order) {
    return order.payTimeout != null && options.clock().instant().isAfter(order.payTimeout);
  }

  private String payerUrl(Order order) {
    return baseUrl() + "/sandbox/qr/" + order.token;
  }

  private static Instant parseTxnTime(String text) {
    if (!text.matches("[0-9]{14}")) {
      throw new IllegalArgumentException("time must be 14 digits");
    }
    return java.time.LocalDateTime.parse(text, TXN_TIME).toInstant(BEIJING);
  }

  private static java.time.LocalDateTime beijing(Instant instant) {
    return instant.atOffset(BEIJING).toLocalDateTime();
  }

  static LocalDate beijingDate(Instant instant) {
    return instant.atOffset(BEIJING).toLocalDate();
  }

  private static String yuan(long fen) {
    return org.clearing.channel.Money.ofFen(fen).toYuanString();
  }

  private static void html(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "text/html;charset=UTF-8")
        .end(body);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(body.encode());
  }
}
