package org.clearing.sandbox.alipay;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.clearing.channel.Money;
import org.clearing.channel.alipay.AlipayBillRow;
import org.clearing.channel.alipay.AlipayBillWriter;
import org.clearing.channel.alipay.AlipayForm;
import org.clearing.channel.alipay.AlipayGatewayVerifier;
import org.clearing.channel.alipay.AlipayNotificationSigner;
import org.clearing.channel.alipay.AlipayResponseSigner;
import org.clearing.channel.alipay.AlipayTradeNotice;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SecretFiles;
import org.clearing.sandbox.CallbackDispatcher;
import org.clearing.sandbox.SandboxKeys;
import org.clearing.sandbox.SandboxControl;
import org.clearing.sandbox.SandboxFaults;
import org.clearing.sandbox.SandboxJournal;
import org.clearing.sandbox.alipay.AlipayTradeBook.Leg;
import org.clearing.sandbox.alipay.AlipayTradeBook.Status;
import org.clearing.sandbox.alipay.AlipayTradeBook.Trade;

/**
 * A stand-in for Alipay's v1 open platform gateway (Alipay's documentation): the
 * real {@code /gateway.do} form protocol, RSA2 signatures with the sandbox's own Alipay key,
 * {@code trade_status_sync} notifications with Alipay's retry schedule and {@code success} rule,
 * and the GBK zip trade bill behind a 30-second download URL.
 *
 * <p>Endpoints: {@code POST /gateway.do} (precreate, wap.pay, query, close, refund,
 * bill.downloadurl.query; protocol parameters may come in the query string, as the official SDK
 * sends them), {@code GET /gateway.do} (wap.pay opened by the payer's browser), {@code GET|POST
 * /sandbox/qr/{token}} (the payer page and its form), {@code POST /sandbox/pay} (a wallet paying
 * by {@code out_trade_no}; with {@code "notify": "return"} the notification is returned signed
 * instead of sent, see {@link CallbackDispatcher.Notify}), {@code GET /sandbox/trades/{out_trade_no}} (status, split result,
 * refunds), {@code GET /sandbox/bill/{token}} (the bill zip), and the shared control endpoints.
 *
 * <p>Simplifications, each a sandbox choice rather than an Alipay fact: a precreated trade exists
 * (WAIT_BUYER_PAY) as soon as it is created, where real Alipay reports ACQ.TRADE_NOT_EXIST until
 * the QR is scanned; there is no TRADE_FINISHED; fees are zero; refund_royalty_parameters are not
 * modelled (only the refund total is checked); alipay.trade.order.settle is not offered because
 * the split is declared at order time with settle_info.
 */
public final class AlipaySandbox {

  /** Alipay's resend intervals (§2.3): 8 sends within about 25 h. */
  public static final List<Duration> RETRY_SCHEDULE = List.of(Duration.ofMinutes(4),
      Duration.ofMinutes(10), Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofHours(2),
      Duration.ofHours(6), Duration.ofHours(15));
  /** Alipay's settle_detail_infos bound, as its async royalty mode (§2.6). */
  public static final int RECEIVERS_MAX = 50;
  /** How long a bill download URL works (§2.5). */
  public static final Duration BILL_URL_VALIDITY = Duration.ofSeconds(30);
  /** How long the sandbox waits for a merchant's answer to a notification; not documented by Alipay. */
  static final long CALLBACK_TIMEOUT_MS = 15_000;
  /** Bigger than any gateway form we accept; a bound on what one request may allocate. */
  static final int BODY_BYTES_MAX = 64 * 1024;
  private static final Pattern BUYER_ID = Pattern.compile("[A-Za-z0-9_]{1,64}");
  /** Alipay user ids are 16 digits starting 2088 (§2.3, buyer_id). */
  private static final Pattern USER_ID = Pattern.compile("2088[0-9]{12}");
  private static final Pattern OUT_TRADE_NO = Pattern.compile("[A-Za-z0-9_]{1,64}");

  /**
   * @param port 0 = any free port
   * @param dataDirectory the sandbox's Alipay keys and journal live here
   * @param timeCompression 1 = real time for the retry schedule
   * @param appId the merchant app the sandbox trusts
   * @param merchantPublicKey that app's public key
   * @param sellerId the merchant's partner id (2088…), seller_id in notifications
   * @param receivers registered split receivers (trans_in); empty = any well-formed one
   * @param splitCapPercent the largest share of a trade that settle legs may move to accounts
   *     other than the seller's own, 0 = no cap.
   *     Real Alipay caps splits at 30 % by default and raises the cap on request (§2.6); the
   *     engine splits the whole order among government payee accounts, so it runs with the cap
   *     raised and the sandbox default is off
   * @param todayBillAllowed whether today's bill may be downloaded (real Alipay: T+1 only, §2.5)
   * @param retrySchedule waits between notification sends (§2.3 says the schedule varies)
   * @param timestampWindow how far a request's timestamp may be from the sandbox clock
   * @param clock the sandbox's clock (tests move it)
   */
  public record Options(int port, Path dataDirectory, double timeCompression, String appId,
      PublicKey merchantPublicKey, String sellerId, Set<String> receivers, int splitCapPercent,
      boolean todayBillAllowed, List<Duration> retrySchedule, Duration timestampWindow,
      Clock clock) {

    public Options {
      Objects.requireNonNull(dataDirectory, "dataDirectory");
      Objects.requireNonNull(appId, "appId");
      Objects.requireNonNull(merchantPublicKey, "merchantPublicKey");
      Objects.requireNonNull(sellerId, "sellerId");
      receivers = SandboxControl.receiverSet(receivers);
      retrySchedule = List.copyOf(retrySchedule);
      if (splitCapPercent < 0 || splitCapPercent > 100) {
        throw new IllegalArgumentException("splitCapPercent must be 0..100");
      }
    }

    /** Alipay's defaults: no cap, T+1 bills, the §2.3 schedule, a 15-minute timestamp window. */
    public static Options of(int port, Path dataDirectory, double timeCompression, String appId,
        PublicKey merchantPublicKey, String sellerId, Set<String> receivers) {
      return new Options(port, dataDirectory, timeCompression, appId, merchantPublicKey, sellerId,
          receivers, 0, false, RETRY_SCHEDULE, Duration.ofMinutes(15), Clock.systemUTC());
    }

    public Options withSplitCapPercent(int percent) {
      return new Options(port, dataDirectory, timeCompression, appId, merchantPublicKey, sellerId,
          receivers, percent, todayBillAllowed, retrySchedule, timestampWindow, clock);
    }

    public Options withTodayBillAllowed(boolean allowed) {
      return new Options(port, dataDirectory, timeCompression, appId, merchantPublicKey, sellerId,
          receivers, splitCapPercent, allowed, retrySchedule, timestampWindow, clock);
    }

    public Options withRetrySchedule(List<Duration> schedule) {
      return new Options(port, dataDirectory, timeCompression, appId, merchantPublicKey, sellerId,
          receivers, splitCapPercent, todayBillAllowed, schedule, timestampWindow, clock);
    }

    public Options withClock(Clock sandboxClock) {
      return new Options(port, dataDirectory, timeCompression, appId, merchantPublicKey, sellerId,
          receivers, splitCapPercent, todayBillAllowed, retrySchedule, timestampWindow, sandboxClock);
    }
  }

  private record BillToken(LocalDate day, Instant expiresAt) {}

  private final Vertx vertx;
  private final Options options;
  private final KeyPair alipayKeys;
  /** What its forged-signature fault signs with (kept with its keys, see {@link SandboxKeys}). */
  private final PrivateKey forgerKey;
  private final AlipayTradeBook book;
  private final SandboxJournal journal;
  private final AtomicReference<SandboxFaults> faults = new AtomicReference<>(SandboxFaults.NONE);
  private final WebClient client;
  private final CallbackDispatcher dispatcher;
  private final AlipayGatewayVerifier gatewayVerifier;
  private final AlipayResponseSigner responseSigner;
  private final Map<String, BillToken> billTokens = new ConcurrentHashMap<>();
  private HttpServer server;
  private String host = SandboxControl.LOOPBACK;

  private AlipaySandbox(Vertx vertx, Options options, Keys keys, AlipayTradeBook book,
      SandboxJournal journal) {
    this.vertx = vertx;
    this.options = options;
    this.alipayKeys = keys.alipay();
    this.forgerKey = keys.forger();
    this.book = book;
    this.journal = journal;
    this.client = CallbackDispatcher.client(vertx);
    this.dispatcher = new CallbackDispatcher(vertx, client, options.retrySchedule(),
        options.timeCompression(), CALLBACK_TIMEOUT_MS,
        response -> acknowledges(response.statusCode(),
            response.body() == null ? null : response.bodyAsString(StandardCharsets.UTF_8.name())),
        faults::get);
    this.gatewayVerifier = new AlipayGatewayVerifier(Map.of(options.appId(),
        options.merchantPublicKey()), options.clock(), options.timestampWindow());
    this.responseSigner = new AlipayResponseSigner(alipayKeys.getPrivate());
  }

  /** The sandbox's own keys: Alipay's, and the forger's. */
  private record Keys(KeyPair alipay, PrivateKey forger) {}

  /** Loads (or on first start generates) the sandbox's Alipay keys, replays the journal, listens. */
  public static Future<AlipaySandbox> start(Vertx vertx, Options options) {
    return start(vertx, options, SandboxControl.LOOPBACK);
  }

  /** As {@link #start(Vertx, Options)}, listening on {@code host} (a LAN address shows it to a phone). */
  public static Future<AlipaySandbox> start(Vertx vertx, Options options, String host) {
    AlipayTradeBook book = new AlipayTradeBook();
    return vertx.executeBlocking(() -> {
      Keys keys = new Keys(loadOrCreateKeys(options.dataDirectory()),
          SandboxKeys.rsa(options.dataDirectory().resolve(SandboxKeys.FORGER_KEY_FILE)));
      // Loading the JSON and form codecs the first time takes long enough to trip the
      // blocked-thread checker; do it here rather than in the first request on the event loop.
      new JsonObject(AlipayForm.decode("a=%7B%22b%22%3A%5B1%5D%7D".getBytes(StandardCharsets.UTF_8))
          .fields().get("a")).encode();
      return keys;
    }, false)
        .compose(keys -> SandboxJournal.open(vertx, options.dataDirectory().resolve("journal.jsonl"),
                book::apply)
            .map(journal -> new AlipaySandbox(vertx, options, keys, book, journal)))
        .compose(sandbox -> sandbox.listen(host));
  }

  private static KeyPair loadOrCreateKeys(Path directory) throws java.io.IOException {
    SecretFiles.createDirectories(directory);
    Path privatePath = directory.resolve("alipay_private_key.pem");
    Path publicPath = directory.resolve("alipay_public_key.pem");
    if (Files.exists(privatePath) && Files.exists(publicPath)) {
      return new KeyPair(Pem.readPublicKey(Files.readString(publicPath)),
          Pem.readPrivateKey(Files.readString(privatePath)));
    }
    KeyPair keys = Crypto.generateRsa(2048);
    SecretFiles.writeString(privatePath, Pem.write(keys.getPrivate()));
    SecretFiles.writeString(publicPath, Pem.write(keys.getPublic()));
    return keys;
  }

  private Future<AlipaySandbox> listen(String bindHost) {
    this.host = bindHost;
    Router router = Router.router(vertx);
    SandboxControl.mount(router, faults, dispatcher);
    SandboxControl.mountReceivers(router, options.receivers());
    BodyHandler body = BodyHandler.create(false).setBodyLimit(BODY_BYTES_MAX);
    router.route("/gateway.do").handler(body).handler(SandboxControl.apiFaults(faults))
        .handler(this::gateway);
    router.get("/sandbox/qr/:token").handler(this::payerPage);
    router.post("/sandbox/qr/:token").handler(body).handler(this::payByForm);
    router.post("/sandbox/pay").handler(body).handler(this::payByJson);
    router.get("/sandbox/trades/:outTradeNo").handler(this::tradeJson);
    router.get("/sandbox/bill/:token").handler(this::billFile);
    return vertx.createHttpServer().requestHandler(router).listen(options.port(), bindHost)
        .map(s -> {
          this.server = s;
          return this;
        });
  }

  public String baseUrl() {
    return "http://" + SandboxControl.urlHost(host) + ":" + server.actualPort();
  }

  /** The gateway URL a merchant configures (the real one is https://openapi.alipay.com/gateway.do). */
  public String gatewayUrl() {
    return baseUrl() + "/gateway.do";
  }

  public int port() {
    return server.actualPort();
  }

  /** The public key merchants verify the sandbox's responses and notifications with. */
  public PublicKey alipayPublicKey() {
    return alipayKeys.getPublic();
  }

  public String appId() {
    return options.appId();
  }

  public String sellerId() {
    return options.sellerId();
  }

  public AtomicReference<SandboxFaults> faults() {
    return faults;
  }

  /** §2.3: only HTTP 200 with exactly the 7-character body {@code success} acknowledges. */
  public static boolean acknowledges(int status, String body) {
    return status == 200 && "success".equals(body);
  }

  public CallbackDispatcher dispatcher() {
    return dispatcher;
  }

  /** Payments (positive) and refunds (negative) of a Beijing day as the bill will list them, in fen. */
  public Money billTotal(LocalDate day) {
    Money sum = Money.ZERO;
    for (AlipayTradeBook.BillEntry entry : book.day(day)) {
      sum = entry.refund() == null ? sum.plus(entry.trade().amount())
          : sum.minus(entry.refund().amount());
    }
    return sum;
  }

  public Future<Void> stop() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.compose(v -> journal.close()).eventually(() -> {
      client.close();
      return Future.succeededFuture();
    });
  }

  // ---------------------------------------------------------------- the gateway

  /** What one gateway call answers: a JSON value to sign, or a refusal sent unsigned. */
  private record Answer(String method, JsonObject value, boolean signed) {}

  private void gateway(RoutingContext ctx) {
    Optional<Map<String, String>> params = parameters(ctx);
    String method = params.map(p -> p.getOrDefault("method", "")).orElse("");
    if (params.isEmpty()) {
      sendJson(ctx, errorBody(new Answer("error",
          gatewayError("isv.invalid-parameter", "malformed form"), false)));
      return;
    }
    vertx.executeBlocking(() -> gatewayVerifier.verify(params.get()))
        .compose(verified -> {
          if (!verified.ok()) {
            return Future.succeededFuture(new Answer("error",
                gatewayError(verified.reason().subCode(), verified.detail()), false));
          }
          return call(ctx, method, params.get());
        })
        .compose(answer -> answer == null ? Future.succeededFuture(null)
            : !answer.signed() ? Future.succeededFuture(errorBody(answer))
            : vertx.executeBlocking(() -> responseSigner.sign(answer.method(), answer.value())))
        .onSuccess(text -> {
          if (text == null) {
            return;
          }
          if (ctx.request().method().name().equals("GET")) {
            ctx.response().setStatusCode(400).putHeader("Content-Type", "text/html; charset=utf-8")
                .end(AlipayPayerPage.error("40002", text));
          } else {
            sendJson(ctx, text);
          }
        })
        .onFailure(ctx::fail);
  }

  /** The gateway's refusal of a request it could not authenticate (unsigned, as Alipay does). */
  private static String errorBody(Answer answer) {
    return "{\"error_response\":" + answer.value().encode() + "}";
  }

  private static JsonObject gatewayError(String subCode, String subMsg) {
    return new JsonObject().put("code", "40002").put("msg", "Invalid Arguments")
        .put("sub_code", subCode).put("sub_msg", subMsg);
  }

  /**
   * The request's parameters: the query string and the form body together, as the official SDK
   * puts the protocol parameters in the URL and biz_content in the body. A key given twice is
   * malformed.
   */
  private static Optional<Map<String, String>> parameters(RoutingContext ctx) {
    Map<String, String> all = new LinkedHashMap<>();
    String query = ctx.request().query();
    List<byte[]> parts = new ArrayList<>();
    if (query != null && !query.isEmpty()) {
      parts.add(query.getBytes(StandardCharsets.ISO_8859_1));
    }
    Buffer body = ctx.body().buffer();
    if (body != null && body.length() > 0) {
      parts.add(body.getBytes());
    }
    for (byte[] part : parts) {
      AlipayForm.Decoded decoded = AlipayForm.decode(part);
      if (!decoded.ok()) {
        return Optional.empty();
      }
      for (Map.Entry<String, String> entry : decoded.fields().entrySet()) {
        if (all.put(entry.getKey(), entry.getValue()) != null) {
          return Optional.empty();
        }
      }
    }
    return Optional.of(all);
  }

  /** Runs one authenticated method; a null answer means the handler already responded. */
  private Future<Answer> call(RoutingContext ctx, String method, Map<String, String> params) {
    JsonObject biz;
    try {
      biz = new JsonObject(params.getOrDefault("biz_content", "{}"));
    } catch (DecodeException | ClassCastException e) {
      return Future.succeededFuture(new Answer(method, failure("ACQ.INVALID_PARAMETER",
          "biz_content is not a JSON object"), true));
    }
    Instant now = options.clock().instant();
    return switch (method) {
      case "alipay.trade.precreate" -> open(method, biz, params, "FACE_TO_FACE_PAYMENT", now)
          .map(r -> r.failure != null ? new Answer(method, r.failure, true)
              : new Answer(method, success().put("out_trade_no", r.trade.outTradeNo)
                  .put("qr_code", baseUrl() + "/sandbox/qr/" + r.trade.pageToken), true));
      case "alipay.trade.wap.pay" -> open(method, biz, params, "QUICK_WAP_WAY", now).map(r -> {
        if (r.failure != null) {
          ctx.response().setStatusCode(400).putHeader("Content-Type", "text/html; charset=utf-8")
              .end(AlipayPayerPage.error(r.failure.getString("sub_code"),
                  r.failure.getString("sub_msg")));
        } else {
          html(ctx, r.trade.statusAt(now) == Status.WAIT_BUYER_PAY
              ? AlipayPayerPage.cashier(r.trade) : AlipayPayerPage.paid(r.trade));
        }
        return null;
      });
      case "alipay.trade.query" -> Future.succeededFuture(new Answer(method, query(biz, now), true));
      case "alipay.trade.close" -> close(biz, now).map(v -> new Answer(method, v, true));
      case "alipay.trade.refund" -> refund(biz, now).map(v -> new Answer(method, v, true));
      case "alipay.trade.fastpay.refund.query" -> Future.succeededFuture(new Answer(method, refundQuery(biz), true));
      case "alipay.data.dataservice.bill.downloadurl.query" ->
          Future.succeededFuture(new Answer(method, billUrl(biz, now), true));
      default -> Future.succeededFuture(new Answer("error",
          gatewayError("isv.invalid-method", "unknown method " + method), false));
    };
  }

  private static JsonObject success() {
    return new JsonObject().put("code", "10000").put("msg", "Success");
  }

  /** A business failure: code 40004 with Alipay's sub_code (signed, as Alipay signs them). */
  private static JsonObject failure(String subCode, String subMsg) {
    return new JsonObject().put("code", "40004").put("msg", "Business Failed")
        .put("sub_code", subCode).put("sub_msg", subMsg);
  }

  // ---------------------------------------------------------------- orders and the split

  private static final class Opened {
    Trade trade;
    JsonObject failure;
  }

  private Future<Opened> open(String method, JsonObject biz, Map<String, String> params,
      String productCode, Instant now) {
    Opened result = new Opened();
    AlipayTradeBook.Spec spec;
    try {
      spec = spec(biz, params, productCode, now);
    } catch (IllegalArgumentException | ClassCastException | DateTimeParseException e) {
      result.failure = failure("ACQ.INVALID_PARAMETER", String.valueOf(e.getMessage()));
      return Future.succeededFuture(result);
    }
    String splitProblem = splitProblem(spec);
    if (splitProblem != null) {
      result.failure = failure("ACQ.INVALID_PARAMETER", splitProblem);
      return Future.succeededFuture(result);
    }
    Optional<Trade> existing = book.find(spec.outTradeNo());
    if (existing.isPresent()) {
      Trade trade = existing.get();
      Status status = trade.statusAt(now);
      if (!trade.fingerprint.equals(spec.fingerprint())) {
        result.failure = failure("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改");
      } else if (status == Status.TRADE_CLOSED) {
        result.failure = failure("ACQ.TRADE_HAS_CLOSE", "交易已经关闭");
      } else if (status == Status.TRADE_SUCCESS && method.equals("alipay.trade.precreate")) {
        result.failure = failure("ACQ.TRADE_HAS_SUCCESS", "交易已被支付");
      } else {
        result.trade = trade;
      }
      return Future.succeededFuture(result);
    }
    JsonObject record = book.openRecord(spec, now);
    result.trade = book.apply(record);
    return journal.append(record).map(result);
  }

  private static AlipayTradeBook.Spec spec(JsonObject biz, Map<String, String> params,
      String productCode, Instant now) {
    String outTradeNo = biz.getString("out_trade_no", "");
    if (!OUT_TRADE_NO.matcher(outTradeNo).matches()) {
      throw new IllegalArgumentException("out_trade_no must be 1-64 of [A-Za-z0-9_]");
    }
    Money total = Money.parseYuan(biz.getString("total_amount"));
    if (!total.isPositive()) {
      throw new IllegalArgumentException("total_amount must be positive");
    }
    String subject = biz.getString("subject", "");
    if (subject.isBlank()) {
      throw new IllegalArgumentException("subject is required");
    }
    Instant expiresAt = biz.containsKey("time_expire")
        ? java.time.LocalDateTime.parse(biz.getString("time_expire").replace(' ', 'T'))
            .toInstant(AlipayTradeBook.BEIJING)
        : now.plus(Duration.ofMinutes(120));
    List<Leg> legs = new ArrayList<>();
    JsonObject settle = biz.getJsonObject("settle_info");
    if (settle != null) {
      JsonArray details = settle.getJsonArray("settle_detail_infos", new JsonArray());
      for (Object o : details) {
        JsonObject d = (JsonObject) o;
        String type = d.getString("trans_in_type", "");
        String in = d.getString("trans_in", "");
        if (in.isEmpty() || !(type.equals("userId") || type.equals("cardAliasNo")
            || type.equals("loginName") || type.equals("openId"))) {
          throw new IllegalArgumentException("settle detail needs trans_in_type and trans_in");
        }
        if (type.equals("userId") && !USER_ID.matcher(in).matches()) {
          throw new IllegalArgumentException("trans_in " + in + " is not a 2088 user id");
        }
        legs.add(new Leg(type, in, Money.parseYuan(d.getString("amount"))));
      }
    }
    String fingerprint = outTradeNo + "|" + total.fen() + "|" + legs;
    return new AlipayTradeBook.Spec(outTradeNo, productCode, subject, total, List.copyOf(legs),
        params.getOrDefault("notify_url", ""), params.getOrDefault("return_url", ""), expiresAt,
        fingerprint);
  }

  /** The split rules the sandbox enforces; null when the plan is acceptable. */
  private String splitProblem(AlipayTradeBook.Spec spec) {
    if (spec.legs().isEmpty()) {
      return null;
    }
    if (spec.legs().size() > RECEIVERS_MAX) {
      return "more than " + RECEIVERS_MAX + " settle_detail_infos";
    }
    Money sum = Money.ZERO;
    for (Leg leg : spec.legs()) {
      if (!leg.amount().isPositive()) {
        return "settle amount must be positive";
      }
      if (!options.receivers().isEmpty() && !options.receivers().contains(leg.transIn())
          && !leg.transIn().equals(options.sellerId())) {
        return "trans_in " + leg.transIn() + " is not a bound receiver";
      }
      sum = sum.plus(leg.amount());
    }
    if (sum.compareTo(spec.total()) > 0) {
      return "settle amounts exceed total_amount";
    }
    if (!sum.equals(spec.total())) {
      return "settle amounts " + sum.toYuanString() + " do not equal total_amount";
    }
    // The cap limits what goes to others; a leg back to the seller itself is no split.
    Money toOthers = Money.ZERO;
    for (Leg leg : spec.legs()) {
      if (!leg.transIn().equals(options.sellerId())) {
        toOthers = toOthers.plus(leg.amount());
      }
    }
    if (options.splitCapPercent() > 0
        && Math.multiplyExact(toOthers.fen(), 100L)
            > Math.multiplyExact(spec.total().fen(), (long) options.splitCapPercent())) {
      return "settle amounts exceed " + options.splitCapPercent() + "% of the trade";
    }
    return null;
  }

  // ---------------------------------------------------------------- query, close, refund

  private JsonObject query(JsonObject biz, Instant now) {
    Optional<Trade> found = book.find(biz.getString("out_trade_no", ""));
    if (found.isEmpty()) {
      return failure("ACQ.TRADE_NOT_EXIST", "交易不存在");
    }
    Trade trade = found.get();
    JsonObject value = success().put("trade_no", trade.tradeNo).put("out_trade_no", trade.outTradeNo)
        .put("trade_status", trade.statusAt(now).name())
        .put("total_amount", trade.amount().toYuanString());
    if (trade.paidAt != null) {
      value.put("buyer_user_id", trade.buyerId).put("buyer_logon_id", mask(trade.buyerId))
          .put("receipt_amount", trade.amount().toYuanString())
          .put("buyer_pay_amount", trade.amount().toYuanString())
          .put("send_pay_date", time(trade.paidAt));
    }
    return value;
  }

  private Future<JsonObject> close(JsonObject biz, Instant now) {
    Optional<Trade> found = book.find(biz.getString("out_trade_no", ""));
    if (found.isEmpty()) {
      return Future.succeededFuture(failure("ACQ.TRADE_NOT_EXIST", "交易不存在"));
    }
    Trade trade = found.get();
    if (trade.status != Status.WAIT_BUYER_PAY) {
      return Future.succeededFuture(failure("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"));
    }
    JsonObject record = AlipayTradeBook.closeRecord(trade.outTradeNo, now);
    book.apply(record);
    return journal.append(record).map(v -> success().put("trade_no", trade.tradeNo)
        .put("out_trade_no", trade.outTradeNo));
  }

  private Future<JsonObject> refund(JsonObject biz, Instant now) {
    Optional<Trade> found = book.find(biz.getString("out_trade_no", ""));
    if (found.isEmpty()) {
      return Future.succeededFuture(failure("ACQ.TRADE_NOT_EXIST", "交易不存在"));
    }
    Trade trade = found.get();
    String outRequestNo = biz.getString("out_request_no", trade.outTradeNo);
    Money amount;
    try {
      amount = Money.parseYuan(biz.getString("refund_amount"));
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(failure("ACQ.INVALID_PARAMETER", "refund_amount"));
    }
    AlipayTradeBook.Refund earlier = trade.refunds.get(outRequestNo);
    if (earlier != null) {
      // A repeat of one out_request_no is the same refund: answered again, no money moves.
      return Future.succeededFuture(earlier.amount().equals(amount)
          ? refundAnswer(trade, earlier, "N")
          : failure("ACQ.INVALID_PARAMETER", "out_request_no reused with another amount"));
    }
    if (trade.paidAt == null || trade.status != Status.TRADE_SUCCESS) {
      return Future.succeededFuture(failure("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"));
    }
    if (!amount.isPositive() || trade.refunded().plus(amount).compareTo(trade.amount()) > 0) {
      return Future.succeededFuture(failure("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限"));
    }
    if (SandboxFaults.roll(faults.get().refuseRefundsPercent())) {
      // Refused before anything is recorded: the same out_request_no may be sent again later.
      return Future.succeededFuture(failure("ACQ.SELLER_BALANCE_NOT_ENOUGH", "卖家余额不足"));
    }
    JsonObject record = AlipayTradeBook.refundRecord(trade.outTradeNo, outRequestNo, amount, now);
    book.apply(record);
    AlipayTradeBook.Refund refund = trade.refunds.get(outRequestNo);
    return journal.append(record).map(v -> {
      notifyRefund(trade, refund);
      return refundAnswer(trade, refund, "Y");
    });
  }

  /** §2.4: a refund that exists answers with REFUND_SUCCESS; one that does not, with no refund fields. */
  private JsonObject refundQuery(JsonObject biz) {
    Optional<Trade> found = book.find(biz.getString("out_trade_no", ""));
    if (found.isEmpty()) {
      return failure("ACQ.TRADE_NOT_EXIST", "交易不存在");
    }
    Trade trade = found.get();
    String outRequestNo = biz.getString("out_request_no", trade.outTradeNo);
    JsonObject value = success().put("trade_no", trade.tradeNo).put("out_trade_no", trade.outTradeNo)
        .put("out_request_no", outRequestNo);
    AlipayTradeBook.Refund refund = trade.refunds.get(outRequestNo);
    if (refund != null) {
      value.put("total_amount", trade.amount().toYuanString()).put("refund_amount", refund.amount().toYuanString())
          .put("refund_status", "REFUND_SUCCESS").put("gmt_refund_pay", time(refund.at()));
    }
    return value;
  }

  private static JsonObject refundAnswer(Trade trade, AlipayTradeBook.Refund refund, String fundChange) {
    return success().put("trade_no", trade.tradeNo).put("out_trade_no", trade.outTradeNo)
        .put("buyer_logon_id", mask(trade.buyerId)).put("fund_change", fundChange)
        .put("refund_fee", trade.refunded().toYuanString())
        .put("gmt_refund_pay", time(refund.at()));
  }

  // ---------------------------------------------------------------- paying

  private void payerPage(RoutingContext ctx) {
    Optional<Trade> trade = book.byPageToken(ctx.pathParam("token"));
    if (trade.isEmpty()) {
      ctx.response().setStatusCode(404).putHeader("Content-Type", "text/html; charset=utf-8")
          .end(AlipayPayerPage.error("ACQ.TRADE_NOT_EXIST", "交易不存在"));
      return;
    }
    Instant now = options.clock().instant();
    html(ctx, trade.get().statusAt(now) == Status.WAIT_BUYER_PAY
        ? AlipayPayerPage.cashier(trade.get()) : AlipayPayerPage.paid(trade.get()));
  }

  private void payByForm(RoutingContext ctx) {
    Optional<Trade> trade = book.byPageToken(ctx.pathParam("token"));
    String payer = ctx.request().getFormAttribute("payer");
    if (trade.isEmpty()) {
      ctx.response().setStatusCode(404).putHeader("Content-Type", "text/html; charset=utf-8")
          .end(AlipayPayerPage.error("ACQ.TRADE_NOT_EXIST", "交易不存在"));
      return;
    }
    pay(trade.get().outTradeNo, payer, CallbackDispatcher.Notify.SEND).onSuccess(outcome -> {
      if (outcome.status == 200) {
        html(ctx, AlipayPayerPage.paid(outcome.trade));
      } else {
        ctx.response().setStatusCode(outcome.status)
            .putHeader("Content-Type", "text/html; charset=utf-8")
            .end(AlipayPayerPage.error(String.valueOf(outcome.status), outcome.problem));
      }
    }).onFailure(ctx::fail);
  }

  private void payByJson(RoutingContext ctx) {
    JsonObject request;
    try {
      request = ctx.body().asJsonObject();
    } catch (DecodeException e) {
      request = null;
    }
    if (request == null || request.getString("out_trade_no") == null) {
      json(ctx, 400, new JsonObject().put("error", "need {\"out_trade_no\":…}"));
      return;
    }
    CallbackDispatcher.Notify notify = CallbackDispatcher.Notify.of(request.getValue("notify")).orElse(null);
    if (notify == null) {
      json(ctx, 400, new JsonObject().put("error", "notify must be \"send\" or \"return\""));
      return;
    }
    pay(request.getString("out_trade_no"), request.getString("payer"), notify).onSuccess(outcome -> {
      if (outcome.status != 200) {
        json(ctx, outcome.status, new JsonObject().put("error", outcome.problem));
        return;
      }
      Trade trade = outcome.trade;
      JsonObject answer = new JsonObject().put("transaction_id", trade.tradeNo)
          .put("trade_no", trade.tradeNo).put("out_trade_no", trade.outTradeNo)
          .put("total_amount", trade.amount().toYuanString()).put("buyer_id", trade.buyerId)
          .put("gmt_payment", time(trade.paidAt));
      if (notify == CallbackDispatcher.Notify.RETURN && !trade.notifyUrl.isEmpty()) {
        // A trade opened without notify_url has no callback to hand over.
        answer.put("callback", dispatcher.signedNow(paymentCallback(trade)).toJson());
      }
      json(ctx, 200, answer);
    }).onFailure(ctx::fail);
  }

  private static final class PayOutcome {
    int status;
    String problem;
    Trade trade;
  }

  /**
   * Pays a trade as a wallet would: 404 unknown, 409 not payable, 200 paid and notified (or, with
   * {@code RETURN}, paid and its notification left to the caller).
   */
  private Future<PayOutcome> pay(String outTradeNo, String payer, CallbackDispatcher.Notify notify) {
    PayOutcome outcome = new PayOutcome();
    Instant now = options.clock().instant();
    String buyerId = payer == null || payer.isBlank()
        ? "2088" + String.format("%012d", Crypto.random().nextLong(1_000_000_000_000L)) : payer.strip();
    if (!BUYER_ID.matcher(buyerId).matches()) {
      outcome.status = 400;
      outcome.problem = "payer must be 1-64 of [A-Za-z0-9_]";
      return Future.succeededFuture(outcome);
    }
    JsonObject record;
    synchronized (book) {
      Optional<Trade> found = book.find(outTradeNo);
      if (found.isEmpty()) {
        outcome.status = 404;
        outcome.problem = "no such trade";
        return Future.succeededFuture(outcome);
      }
      Status status = found.get().statusAt(now);
      if (status != Status.WAIT_BUYER_PAY) {
        outcome.status = 409;
        outcome.problem = "trade is " + status;
        return Future.succeededFuture(outcome);
      }
      long deltaFen = faults.get().amountDeltaFen();
      Money total = found.get().total;
      if (deltaFen != 0 && total.fen() + deltaFen <= 0) {
        outcome.status = 409;
        outcome.problem = "amount_delta_fen leaves nothing to pay";
        return Future.succeededFuture(outcome);
      }
      record = deltaFen == 0 ? AlipayTradeBook.payRecord(outTradeNo, buyerId, now)
          : AlipayTradeBook.payRecord(outTradeNo, buyerId, now, Money.ofFen(Math.addExact(total.fen(), deltaFen)));
      outcome.trade = book.apply(record);
    }
    return journal.append(record).map(v -> {
      outcome.status = 200;
      if (notify == CallbackDispatcher.Notify.SEND) {
        notifyPayment(outcome.trade);
      }
      return outcome;
    });
  }

  // ---------------------------------------------------------------- notifications

  private void notifyPayment(Trade trade) {
    if (trade.notifyUrl.isEmpty()) {
      return;
    }
    dispatcher.dispatch(trade.outTradeNo, paymentCallback(trade), null);
  }

  private CallbackDispatcher.CallbackFactory paymentCallback(Trade trade) {
    return factory(trade.notifyUrl, notice(trade, "TRADE_SUCCESS", null));
  }

  /** §2.3: a refund is reported to the trade's notify_url; a full refund closes the trade. */
  private void notifyRefund(Trade trade, AlipayTradeBook.Refund refund) {
    if (trade.notifyUrl.isEmpty()) {
      return;
    }
    Money refundedSoFar = Money.ZERO;
    for (AlipayTradeBook.Refund r : trade.refunds.values()) {
      refundedSoFar = refundedSoFar.plus(r.amount());
      if (r == refund) {
        break;
      }
    }
    String status = refundedSoFar.equals(trade.amount()) ? "TRADE_CLOSED" : "TRADE_SUCCESS";
    AlipayTradeNotice notice = notice(trade, status,
        new AlipayTradeNotice.Refund(refundedSoFar, refund.at(), refund.outRequestNo()));
    dispatcher.dispatch("refund-" + refund.outRequestNo(), factory(trade.notifyUrl, notice), null);
  }

  private AlipayTradeNotice notice(Trade trade, String status, AlipayTradeNotice.Refund refund) {
    // One notify_id per event, kept across resends (§2.3).
    byte[] id = new byte[17];
    Crypto.random().nextBytes(id);
    String notifyId = Crypto.hex(id);
    return new AlipayTradeNotice(options.appId(), notifyId, trade.tradeNo, trade.outTradeNo,
        trade.buyerId, options.sellerId(), trade.amount(), trade.amount(), trade.amount(), status,
        trade.createdAt, trade.paidAt, trade.subject, refund);
  }

  private CallbackDispatcher.CallbackFactory factory(String url, AlipayTradeNotice notice) {
    PrivateKey key = alipayKeys.getPrivate();
    return (forged, skewSeconds) -> {
      AlipayNotificationSigner signer =
          new AlipayNotificationSigner(key, options.clock(), Duration.ofSeconds(skewSeconds), forgerKey);
      AlipayNotificationSigner.Fault fault = forged ? AlipayNotificationSigner.Fault.FORGED_SIGNATURE
          : skewSeconds != 0 ? AlipayNotificationSigner.Fault.SKEWED_NOTIFY_TIME
          : AlipayNotificationSigner.Fault.NONE;
      String body = AlipayNotificationSigner.formBody(signer.sign(notice, fault));
      return new CallbackDispatcher.Callback(url,
          Map.of("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
          body.getBytes(StandardCharsets.UTF_8));
    };
  }

  // ---------------------------------------------------------------- bills

  private JsonObject billUrl(JsonObject biz, Instant now) {
    if (!"trade".equals(biz.getString("bill_type"))) {
      return failure("isv.invalid-parameter", "the sandbox serves bill_type trade only");
    }
    LocalDate day;
    try {
      day = LocalDate.parse(biz.getString("bill_date", ""));
    } catch (DateTimeParseException e) {
      return failure("isv.invalid-parameter", "bill_date must be yyyy-MM-dd");
    }
    LocalDate today = LocalDate.ofInstant(now, AlipayTradeBook.BEIJING);
    // Daily bills are T+1 (§2.5): a day that has not finished has no bill yet.
    if (day.isAfter(today) || (day.equals(today) && !options.todayBillAllowed())) {
      return failure("isp.bill_not_exist", "账单不存在");
    }
    String token = Crypto.randomToken(24);
    billTokens.put(token, new BillToken(day, now.plus(BILL_URL_VALIDITY)));
    billTokens.values().removeIf(t -> t.expiresAt().isBefore(now));
    String bizDates = day.toString().replace("-", "");
    return success().put("bill_download_url", baseUrl() + "/sandbox/bill/" + token
        + "?bizType=trade&fileType=csv.zip&bizDates=" + bizDates + "&downloadFileName="
        + options.sellerId() + "0156_" + bizDates + ".csv.zip");
  }

  private void billFile(RoutingContext ctx) {
    BillToken token = billTokens.get(ctx.pathParam("token"));
    Instant now = options.clock().instant();
    if (token == null || token.expiresAt().isBefore(now)) {
      ctx.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
          .end("下载超时,请重新下载");
      return;
    }
    List<AlipayTradeBook.BillEntry> entries = book.day(token.day());
    vertx.executeBlocking(() -> {
      ByteArrayOutputStream zip = new ByteArrayOutputStream();
      List<AlipayBillRow> rows = new ArrayList<>();
      for (AlipayTradeBook.BillEntry entry : entries) {
        rows.add(billRow(entry));
      }
      AlipayBillWriter.write(zip, options.sellerId(), token.day(), rows.iterator(), now);
      return Buffer.buffer(zip.toByteArray());
    }).onSuccess(bytes -> ctx.response().putHeader("Content-Type", "application/zip")
        .putHeader("Content-Disposition", "attachment; filename=\"" + options.sellerId() + "0156_"
            + token.day().toString().replace("-", "") + ".csv.zip\"").end(bytes))
        .onFailure(ctx::fail);
  }

  private static AlipayBillRow billRow(AlipayTradeBook.BillEntry entry) {
    Trade trade = entry.trade();
    if (entry.refund() == null) {
      return new AlipayBillRow(trade.tradeNo, trade.outTradeNo, AlipayBillRow.Type.PAYMENT,
          trade.subject, trade.createdAt, trade.paidAt, mask(trade.buyerId), trade.amount(),
          trade.amount(), "", Money.ZERO, "");
    }
    return new AlipayBillRow(trade.tradeNo, trade.outTradeNo, AlipayBillRow.Type.REFUND,
        trade.subject, trade.createdAt, entry.refund().at(), mask(trade.buyerId),
        entry.refund().amount(), entry.refund().amount(), entry.refund().outRequestNo(),
        Money.ZERO, "");
  }

  // ---------------------------------------------------------------- split result

  private void tradeJson(RoutingContext ctx) {
    Optional<Trade> found = book.find(ctx.pathParam("outTradeNo"));
    if (found.isEmpty()) {
      json(ctx, 404, new JsonObject().put("error", "no such trade"));
      return;
    }
    Trade trade = found.get();
    JsonArray split = new JsonArray();
    for (Leg leg : trade.legs) {
      // What each receiver got: its leg once the trade is paid, nothing before.
      split.add(new JsonObject().put("trans_in", leg.transIn())
          .put("amount", trade.paidAt == null ? "0.00" : leg.amount().toYuanString()));
    }
    JsonArray refunds = new JsonArray();
    trade.refunds.values().forEach(r -> refunds.add(new JsonObject()
        .put("out_request_no", r.outRequestNo()).put("refund_amount", r.amount().toYuanString())
        .put("gmt_refund", time(r.at()))));
    json(ctx, 200, new JsonObject().put("out_trade_no", trade.outTradeNo)
        .put("trade_no", trade.tradeNo)
        .put("trade_status", trade.statusAt(options.clock().instant()).name())
        .put("total_amount", trade.amount().toYuanString()).put("split", split)
        .put("refund_fee", trade.refunded().toYuanString()).put("refunds", refunds));
  }

  // ---------------------------------------------------------------- small things

  private static String time(Instant instant) {
    return java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss")
        .withZone(AlipayTradeBook.BEIJING).format(instant);
  }

  /** buyer_logon_id is masked at Alipay; the sandbox masks the middle of the buyer id. */
  private static String mask(String buyerId) {
    if (buyerId.length() <= 6) {
      return buyerId;
    }
    return buyerId.substring(0, 3) + "***" + buyerId.substring(buyerId.length() - 3);
  }

  private static void sendJson(RoutingContext ctx, String text) {
    ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(text);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(body.encode());
  }

  private static void html(RoutingContext ctx, String page) {
    ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").end(page);
  }
}
