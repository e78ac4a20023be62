package org.clearing.sandbox.wechat;

import static org.clearing.sandbox.SandboxPages.escape;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.clearing.channel.Money;
import org.clearing.channel.wechat.WechatAuthorization;
import org.clearing.channel.wechat.WechatNotificationSigner;
import org.clearing.channel.wechat.WechatNotificationSigner.Fault;
import org.clearing.channel.wechat.WechatNotificationSigner.SignedNotification;
import org.clearing.channel.wechat.WechatPlatformCredential;
import org.clearing.channel.wechat.WechatPlatformKeys;
import org.clearing.channel.wechat.WechatSignatureType;
import org.clearing.channel.wechat.WechatTradeBillRow;
import org.clearing.channel.wechat.WechatTradeBillWriter;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SignatureScheme;
import org.clearing.crypto.SecretFiles;
import org.clearing.sandbox.CallbackDispatcher;
import org.clearing.sandbox.CallbackDispatcher.Callback;
import org.clearing.sandbox.SandboxControl;
import org.clearing.sandbox.SandboxFaults;
import org.clearing.sandbox.SandboxJournal;

/**
 * A stand-in for WeChat Pay API v3 (direct merchant) that a merchant cannot tell from the real one
 * except by base URL and keys (WeChat Pay's documentation): it checks every /v3
 * request's {@code Authorization}, signs every answer with its platform key, opens plain and
 * combined (合单) orders, pays them through a payer page or {@code POST /sandbox/pay}, sends
 * encrypted and signed notifications on WeChat's retry schedule, closes, refunds per sub-order,
 * and serves trade bills for any day from its journal. It also plays WeChat's OAuth (snsapi_base)
 * so a JSAPI flow can get an openid.
 *
 * <p>Two platform keys sign: a certificate key (40-hex serial) and a {@code PUB_KEY_ID_…} public
 * key; {@link Options#publicKeyPercent} picks between them per answer and per callback, as during
 * WeChat's migration (§1.4), so a merchant must trust both.
 */
public final class WechatSandbox {

  /** WeChat's resend waits after a failed delivery (WeChat Pay's documentation): 16 sends in 24h4m. */
  public static final List<Duration> RETRY_SCHEDULE = List.of(
      Duration.ofSeconds(15), Duration.ofSeconds(15), Duration.ofSeconds(30),
      Duration.ofMinutes(3), Duration.ofMinutes(10), Duration.ofMinutes(20),
      Duration.ofMinutes(30), Duration.ofMinutes(30), Duration.ofMinutes(30),
      Duration.ofMinutes(60), Duration.ofHours(3), Duration.ofHours(3), Duration.ofHours(3),
      Duration.ofHours(6), Duration.ofHours(6));
  /** The merchant must answer a notification within 5 s (§1.7). */
  public static final long CALLBACK_TIMEOUT_MS = 5_000;
  /** A bill's download_url is valid for 30 s (§1.8). */
  public static final Duration BILL_URL_VALIDITY = Duration.ofSeconds(30);
  /** An OAuth code is single-use and valid for 5 minutes. */
  public static final Duration OAUTH_CODE_VALIDITY = Duration.ofMinutes(5);
  /** Bill fee rate in basis points: 0.60 % (§6 "WeChat simulator" item 5). */
  public static final int FEE_RATE_BP = 60;
  /** Requests carry small JSON bodies; anything larger is not a WeChat request. */
  static final int BODY_LIMIT_BYTES = 64 * 1024;

  private static final Pattern OUT_TRADE_NO = Pattern.compile("[A-Za-z0-9_\\-|*@]{6,32}");
  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);
  private static final DateTimeFormatter COMPACT = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

  /**
   * What the sandbox is started with.
   *
   * @param port 0 for any free port ({@link #baseUrl()} tells which)
   * @param dataDirectory platform keys (made on first start) and the journal live here
   * @param timeCompression callback schedule speed-up, 1 = real time
   * @param mchid the merchant (combine_mchid) the sandbox serves
   * @param appid the merchant's app id (official account)
   * @param appSecret the app secret the OAuth code exchange needs
   * @param apiV3Key the merchant's APIv3 key (32 characters) that encrypts notification resources
   * @param merchantSerial the merchant API certificate serial ({@code serial_no})
   * @param merchantPublicKey the merchant API public key that its signatures verify with
   * @param receivers sub-order mchids accepted; empty = any well-formed one
   * @param publicKeyPercent share of answers and callbacks signed by the PUB_KEY_ID key (0..100)
   * @param serviceProvider the merchant is a service provider (服务商): {@code mchid} and {@code
   *     appid} are its {@code sp_mchid} and {@code sp_appid}, {@code receivers} the sub-merchants
   *     bound to it, and it must use the partner API (its direct-merchant requests are refused)
   */
  public record Options(int port, Path dataDirectory, double timeCompression, String mchid,
      String appid, String appSecret, String apiV3Key, String merchantSerial,
      PublicKey merchantPublicKey, Set<String> receivers, int publicKeyPercent, boolean serviceProvider) {
    public Options {
      Objects.requireNonNull(dataDirectory, "dataDirectory");
      Objects.requireNonNull(merchantPublicKey, "merchantPublicKey");
      receivers = SandboxControl.receiverSet(receivers);
      if (publicKeyPercent < 0 || publicKeyPercent > 100) {
        throw new IllegalArgumentException("publicKeyPercent must be 0..100");
      }
      if (serviceProvider && receivers.isEmpty()) {
        throw new IllegalArgumentException("a service provider needs the sub-merchants bound to it");
      }
    }

    /** A direct merchant. */
    public Options(int port, Path dataDirectory, double timeCompression, String mchid,
        String appid, String appSecret, String apiV3Key, String merchantSerial,
        PublicKey merchantPublicKey, Set<String> receivers, int publicKeyPercent) {
      this(port, dataDirectory, timeCompression, mchid, appid, appSecret, apiV3Key, merchantSerial,
          merchantPublicKey, receivers, publicKeyPercent, false);
    }
  }

  /** A refund the sandbox accepted (it succeeds at once and is notified). */
  record Refund(String outRefundNo, String refundId, SandboxOrder order, int subIndex,
      long refundFen, Instant createdAt, String notifyUrl) {}

  private record BillDownload(byte[] bytes, Instant expiresAt) {}

  private record OauthCode(String openid, Instant expiresAt) {}

  /** A request the sandbox refuses the way WeChat does: HTTP status, code, message. */
  private static final class Refusal extends RuntimeException {
    final int status;
    final String code;

    Refusal(int status, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WechatSandbox.class);

  private final Vertx vertx;
  private final Options options;
  /** The platform certificate key signing now; replaced by {@link #rotatePlatformCertificate()}. */
  private volatile WechatPlatformCredential certificateKey;
  /** The certificate key before the last rotation, still listed by GET /v3/certificates. */
  private volatile WechatPlatformCredential retiredCertificateKey;
  private final WechatPlatformCredential publicKeyKey;
  private final PrivateKey forgingKey;
  private final WechatAuthorization authorization;
  private final AtomicReference<SandboxFaults> faults = new AtomicReference<>(SandboxFaults.NONE);
  private final CallbackDispatcher dispatcher;
  private final WebClient client;
  private final Map<String, SandboxOrder> orders = new ConcurrentHashMap<>();
  /** Plain order numbers and sub-order numbers → order, the numbers refunds may name. */
  private final Map<String, SandboxOrder> payables = new ConcurrentHashMap<>();
  private final Map<String, SandboxOrder> byTransactionId = new ConcurrentHashMap<>();
  private final Map<String, SandboxOrder> byPrepayId = new ConcurrentHashMap<>();
  private final Map<String, SandboxOrder> byCodeToken = new ConcurrentHashMap<>();
  private final Map<String, Refund> refunds = new ConcurrentHashMap<>();
  private final Map<String, BillDownload> bills = new ConcurrentHashMap<>();
  private final Map<String, OauthCode> oauthCodes = new ConcurrentHashMap<>();
  private SandboxJournal journal;
  private HttpServer server;
  private String host = SandboxControl.LOOPBACK;
  private volatile boolean stopped;

  private WechatSandbox(Vertx vertx, Options options, WechatPlatformCredential certificateKey,
      WechatPlatformCredential publicKeyKey, PrivateKey forgingKey) {
    this.vertx = vertx;
    this.options = options;
    this.certificateKey = certificateKey;
    this.publicKeyKey = publicKeyKey;
    this.forgingKey = forgingKey;
    this.authorization = new WechatAuthorization(
        Map.of(options.merchantSerial(), new WechatAuthorization.MerchantKey(options.mchid(),
            options.merchantPublicKey())), Clock.systemUTC(), Duration.ofMinutes(5));
    this.client = CallbackDispatcher.client(vertx);
    this.dispatcher = new CallbackDispatcher(vertx, client, RETRY_SCHEDULE,
        options.timeCompression(), CALLBACK_TIMEOUT_MS,
        response -> acknowledges(response.statusCode(), response.bodyAsString()), faults::get);
  }

  /**
   * WeChat's rule for the merchant's answer to a notification (§1.7): 200 or 204 acknowledges,
   * whatever the body; anything else is resent on the retry schedule.
   */
  public static boolean acknowledges(int status, String body) {
    return status == 200 || status == 204;
  }

  /** Loads (or first makes) the platform keys, replays the journal and listens on 127.0.0.1. */
  public static Future<WechatSandbox> start(Vertx vertx, Options options) {
    return start(vertx, options, SandboxControl.LOOPBACK);
  }

  /** As {@link #start(Vertx, Options)}, listening on {@code host} (a LAN address shows it to a phone). */
  public static Future<WechatSandbox> start(Vertx vertx, Options options, String host) {
    return vertx.executeBlocking(() -> {
      Path keys = options.dataDirectory().resolve("keys");
      SecretFiles.createDirectories(keys);
      return new WechatSandbox(vertx, options,
          loadOrCreate(keys, "platform-certificate", true),
          loadOrCreate(keys, "platform-public-key", false),
          org.clearing.sandbox.SandboxKeys.rsa(keys.resolve(org.clearing.sandbox.SandboxKeys.FORGER_KEY_FILE)));
    }, false).compose(sandbox -> SandboxJournal.open(vertx,
            options.dataDirectory().resolve("journal.jsonl"), sandbox::replay)
        .compose(journal -> {
          sandbox.journal = journal;
          sandbox.host = host;
          return vertx.createHttpServer().requestHandler(sandbox.router()).listen(options.port(), host);
        })
        .map(server -> {
          sandbox.server = server;
          return sandbox;
        }));
  }

  private static WechatPlatformCredential loadOrCreate(Path dir, String name, boolean certificate)
      throws IOException {
    Path keyFile = dir.resolve(name + "-key.pem");
    Path publicFile = dir.resolve(name + ".pem");
    Path serialFile = dir.resolve(name + ".serial");
    if (Files.exists(keyFile) && Files.exists(publicFile) && Files.exists(serialFile)) {
      PrivateKey privateKey = Pem.readPrivateKey(Files.readString(publicFile.resolveSibling(name + "-key.pem")));
      String publicPem = Files.readString(publicFile);
      Optional<X509Certificate> cert = certificate
          ? Optional.of(Pem.readCertificate(publicPem)) : Optional.empty();
      PublicKey publicKey = cert.map(X509Certificate::getPublicKey)
          .orElseGet(() -> Pem.readPublicKey(publicPem));
      return new WechatPlatformCredential(Files.readString(serialFile).trim(),
          new KeyPair(publicKey, privateKey), cert);
    }
    WechatPlatformCredential made = certificate
        ? WechatPlatformCredential.withCertificate(WechatSignatureType.RSA, Clock.systemUTC())
        : WechatPlatformCredential.withPublicKeyId(WechatSignatureType.RSA);
    SecretFiles.writeString(keyFile, Pem.write(made.privateKey()));
    SecretFiles.writeString(publicFile, Pem.write(certificate ? made.certificate().orElseThrow()
        : made.publicKey()));
    SecretFiles.writeString(serialFile, made.serial() + "\n");
    return made;
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

  public CallbackDispatcher dispatcher() {
    return dispatcher;
  }

  /** The platform certificate a merchant downloads (GET /v3/certificates in real life). */
  public X509Certificate platformCertificate() {
    return certificateKey.certificate().orElseThrow();
  }

  /** The WeChat Pay public key id ({@code PUB_KEY_ID_…}) shown in the merchant platform. */
  public String publicKeyId() {
    return publicKeyKey.serial();
  }

  public PublicKey platformPublicKey() {
    return publicKeyKey.publicKey();
  }

  /** Both platform keys, as a merchant configures them during the migration (§1.4). */
  public WechatPlatformKeys platformKeys() {
    return publicKeyKey.addTo(WechatPlatformKeys.empty().withCertificate(platformCertificate()));
  }

  public Options options() {
    return options;
  }

  /**
   * Stops listening and sending. The shared {@link CallbackDispatcher} has no way to cancel the
   * resends it has scheduled, so each later attempt finds the sandbox stopped and ends there.
   */
  public Future<Void> stop() {
    stopped = true;
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.compose(v -> journal == null ? Future.succeededFuture() : journal.close())
        .eventually(() -> {
          client.close();
          return Future.succeededFuture();
        });
  }

  // ---------------------------------------------------------------- routes

  private Router router() {
    Router router = Router.router(vertx);
    SandboxControl.mount(router, faults, dispatcher);
    SandboxControl.mountReceivers(router, options.receivers());
    router.route("/v3/*").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT_BYTES))
        .handler(SandboxControl.apiFaults(faults)).handler(this::authenticate);
    router.post("/v3/pay/transactions/:type").handler(ctx -> api(ctx, () -> openDirect(ctx)));
    router.post("/v3/pay/partner/transactions/:type").handler(ctx -> api(ctx, () -> openPartner(ctx)));
    router.get("/v3/pay/partner/transactions/out-trade-no/:no").handler(ctx -> api(ctx, () -> queryPartner(ctx)));
    router.post("/v3/pay/partner/transactions/out-trade-no/:no/close").handler(ctx -> api(ctx, () -> closePartner(ctx)));
    router.post("/v3/combine-transactions/:type").handler(ctx -> api(ctx, () -> open(ctx, true)));
    router.get("/v3/pay/transactions/out-trade-no/:no")
        .handler(ctx -> api(ctx, () -> query(ctx, false)));
    router.get("/v3/combine-transactions/out-trade-no/:no")
        .handler(ctx -> api(ctx, () -> query(ctx, true)));
    router.post("/v3/pay/transactions/out-trade-no/:no/close")
        .handler(ctx -> api(ctx, () -> close(ctx, false)));
    router.post("/v3/combine-transactions/out-trade-no/:no/close")
        .handler(ctx -> api(ctx, () -> close(ctx, true)));
    router.post("/v3/refund/domestic/refunds").handler(ctx -> api(ctx, () -> refund(ctx)));
    router.get("/v3/refund/domestic/refunds/:no").handler(ctx -> api(ctx, () -> refundQuery(ctx)));
    router.get("/v3/certificates").handler(this::certificates);
    router.get("/v3/bill/tradebill").handler(this::tradeBill);
    router.get("/v3/billdownload/file").handler(this::billDownload);
    router.get("/connect/oauth2/authorize").handler(this::oauthAuthorize);
    router.get("/sns/oauth2/access_token").handler(this::oauthAccessToken);
    router.get("/sandbox/jsapi-cashier").handler(this::jsapiCashier);
    router.get("/sandbox/native/:token").handler(this::nativeCashier);
    router.post("/sandbox/cashier/pay").handler(BodyHandler.create(false).setBodyLimit(4096))
        .handler(this::cashierPay);
    router.get("/sandbox/splits/:no").handler(this::splits);
    router.post("/sandbox/pay").handler(BodyHandler.create(false).setBodyLimit(4096))
        .handler(this::payerPay);
    return router;
  }

  /** Every /v3 request must carry a valid merchant signature, else 401 SIGN_ERROR (§1.3). */
  private void authenticate(RoutingContext ctx) {
    String method = ctx.request().method().name();
    String uri = ctx.request().uri();
    byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
    String header = ctx.request().getHeader("Authorization");
    vertx.executeBlocking(() -> authorization.verify(method, uri, body, header))
        .onComplete(result -> {
          if (result.succeeded() && result.result().ok()) {
            ctx.next();
          } else {
            String detail = result.succeeded() ? result.result().detail() : "check failed";
            answer(ctx, 401, error("SIGN_ERROR", "签名错误: " + detail));
          }
        });
  }

  /** Runs a handler body; a {@link Refusal} or bad JSON becomes WeChat's error answer. */
  private void api(RoutingContext ctx, java.util.function.Supplier<Answer> handler) {
    Answer result;
    try {
      result = handler.get();
    } catch (Refusal refusal) {
      result = new Answer(refusal.status, error(refusal.code, refusal.getMessage()));
    } catch (io.vertx.core.json.DecodeException | ClassCastException e) {
      result = new Answer(400, error("PARAM_ERROR", "参数错误: " + e.getMessage()));
    }
    answer(ctx, result.status, result.body);
  }

  private record Answer(int status, JsonObject body) {}

  private static JsonObject error(String code, String message) {
    return new JsonObject().put("code", code).put("message", message);
  }

  /**
   * Signs the answer as WeChat does ({@code Wechatpay-*} headers over {@code ts\nnonce\nbody\n},
   * §1.4) with one of the two platform keys; a 204 signs the empty body.
   */
  private void answer(RoutingContext ctx, int status, JsonObject body) {
    answer(ctx, status, body, currentCredential());
  }

  private void answer(RoutingContext ctx, int status, JsonObject body, WechatPlatformCredential credential) {
    byte[] bytes = body == null ? new byte[0] : body.encode().getBytes(StandardCharsets.UTF_8);
    vertx.executeBlocking(() -> signer(credential).sign(bytes))
        .onComplete(signed -> {
          if (signed.failed()) {
            ctx.response().setStatusCode(500).end();
            return;
          }
          var response = ctx.response().setStatusCode(status);
          signed.result().headers().forEach(response::putHeader);
          if (body != null) {
            response.putHeader("Content-Type", "application/json");
          }
          response.end(Buffer.buffer(bytes));
        });
  }

  private WechatPlatformCredential currentCredential() {
    return SandboxFaults.roll(options.publicKeyPercent()) ? publicKeyKey : certificateKey;
  }

  private WechatNotificationSigner signer(WechatPlatformCredential credential) {
    return new WechatNotificationSigner(credential, options.apiV3Key(), Clock.systemUTC());
  }

  /**
   * GET /v3/certificates: the platform certificates, each encrypted with the merchant's API v3 key
   * (AEAD_AES_256_GCM, associated data "certificate"), the answer signed by the certificate key
   * itself, since a merchant downloading certificates may trust nothing else yet.
   */
  private void certificates(RoutingContext ctx) {
    WechatPlatformCredential signing = certificateKey;
    WechatPlatformCredential retired = retiredCertificateKey;
    JsonArray data = new JsonArray().add(certificateItem(signing.certificate().orElseThrow()));
    if (retired != null) {
      data.add(certificateItem(retired.certificate().orElseThrow()));
    }
    answer(ctx, 200, new JsonObject().put("data", data), signing);
  }

  /**
   * Rotates the platform certificate as WeChat does (WeChat Pay's documentation): a new certificate signs
   * from now on, and GET /v3/certificates lists both until the next rotation. In memory only: a
   * restarted sandbox signs with its stored certificate again. For tests of the merchant side.
   */
  public X509Certificate rotatePlatformCertificate() {
    WechatPlatformCredential next = WechatPlatformCredential.withCertificate(WechatSignatureType.RSA, Clock.systemUTC());
    retiredCertificateKey = certificateKey;
    certificateKey = next;
    return next.certificate().orElseThrow();
  }

  private JsonObject certificateItem(X509Certificate certificate) {
    String nonce = Crypto.hex(randomBytes(6));
    String ciphertext = org.clearing.channel.wechat.AeadCipher.aes256Gcm(options.apiV3Key())
        .encrypt("certificate", nonce, Pem.write(certificate).getBytes(StandardCharsets.UTF_8));
    return new JsonObject()
        .put("serial_no", WechatPlatformKeys.certificateSerial(certificate))
        .put("effective_time", OffsetDateTime.ofInstant(certificate.getNotBefore().toInstant(), BEIJING).toString())
        .put("expire_time", OffsetDateTime.ofInstant(certificate.getNotAfter().toInstant(), BEIJING).toString())
        .put("encrypt_certificate", new JsonObject().put("algorithm", "AEAD_AES_256_GCM")
            .put("nonce", nonce).put("associated_data", "certificate").put("ciphertext", ciphertext));
  }

  // ---------------------------------------------------------------- orders

  /**
   * A service provider orders only through the partner API, a direct merchant only through its
   * own: a request in the other merchant's mode is refused as WeChat refuses it (no permission).
   */
  private void requireMode(boolean partner) {
    if (partner != options.serviceProvider()) {
      throw new Refusal(403, "NO_AUTH", partner
          ? "商户号 " + options.mchid() + " 不是服务商: the partner API is for service providers"
          : "商户号 " + options.mchid() + " 是服务商: use the partner API (sp_mchid, sub_mchid)");
    }
  }

  /** A sub-merchant named by a service provider must be bound to it. */
  private void requireBound(String subMchid) {
    require(options.receivers().contains(subMchid),
        "sub_mchid " + subMchid + " is not a sub-merchant of service provider " + options.mchid());
  }

  private Answer openDirect(RoutingContext ctx) {
    requireMode(false);
    return open(ctx, false);
  }

  private Answer openPartner(RoutingContext ctx) {
    requireMode(true);
    return open(ctx, false);
  }

  private Answer open(RoutingContext ctx, boolean combined) {
    String type = ctx.pathParam("type");
    if (!"jsapi".equals(type) && !"native".equals(type)) {
      throw new Refusal(404, "NOT_FOUND", "unsupported trade type " + type);
    }
    String tradeType = type.equals("jsapi") ? "JSAPI" : "NATIVE";
    JsonObject body = ctx.body().asJsonObject();
    if (body == null) {
      throw new Refusal(400, "PARAM_ERROR", "body is required");
    }
    SandboxOrder order = combined ? combinedOrder(tradeType, body) : plainOrder(tradeType, body);
    SandboxOrder existing = orders.get(order.outTradeNo);
    if (existing != null) {
      return reopen(existing, order);
    }
    for (SandboxOrder.Sub sub : order.subs) {
      if (payables.containsKey(sub.outTradeNo()) || orders.containsKey(sub.outTradeNo())) {
        throw new Refusal(400, "INVALID_REQUEST", "out_trade_no already used: " + sub.outTradeNo());
      }
    }
    register(order);
    remember(order.toJson());
    return new Answer(200, prepay(order));
  }

  /** Opening the same number again returns the same prepay handle, unless the content differs. */
  private Answer reopen(SandboxOrder existing, SandboxOrder again) {
    if (existing.state() == SandboxOrder.State.SUCCESS) {
      throw new Refusal(400, "ORDERPAID", "该订单已支付");
    }
    if (existing.state() == SandboxOrder.State.CLOSED) {
      throw new Refusal(400, "ORDER_CLOSED", "该订单已关闭");
    }
    if (!existing.fingerprint.equals(again.fingerprint)) {
      throw new Refusal(400, "INVALID_REQUEST", "201 商户订单号重复");
    }
    return new Answer(200, prepay(existing));
  }

  private JsonObject prepay(SandboxOrder order) {
    return order.tradeType.equals("JSAPI")
        ? new JsonObject().put("prepay_id", order.prepayId)
        : new JsonObject().put("code_url", codeUrl(order.codeToken));
  }

  static String codeUrl(String token) {
    return "weixin://wxpay/bizpayurl?pr=" + token;
  }

  private SandboxOrder plainOrder(String tradeType, JsonObject body) {
    String subMchid = "";
    if (options.serviceProvider()) {
      require(options.appid().equals(text(body, "sp_appid")), "sp_appid is not this service provider's app");
      require(options.mchid().equals(text(body, "sp_mchid")), "sp_mchid is not the signing merchant");
      subMchid = text(body, "sub_mchid");
      requireBound(subMchid);
    } else {
      requireMode(false);
      require(options.appid().equals(text(body, "appid")), "appid is not this merchant's app");
      require(options.mchid().equals(text(body, "mchid")), "mchid is not the signing merchant");
    }
    String outTradeNo = outTradeNo(text(body, "out_trade_no"));
    JsonObject amount = body.getJsonObject("amount");
    require(amount != null, "amount is required");
    long total = positiveFen(amount, "total");
    require("CNY".equals(amount.getString("currency", "CNY")), "currency must be CNY");
    String openid = payer(tradeType, body.getJsonObject("payer"), options.serviceProvider() ? "sp_openid" : "openid");
    String attach = body.getString("attach", "");
    List<SandboxOrder.Sub> subs = List.of(new SandboxOrder.Sub(options.mchid(), subMchid, outTradeNo, total,
        text(body, "description"), attach));
    return newOrder(false, tradeType, outTradeNo, text(body, "description"), body, openid, subs);
  }

  private SandboxOrder combinedOrder(String tradeType, JsonObject body) {
    require(options.appid().equals(text(body, "combine_appid")), "combine_appid is not this merchant's app");
    require(options.mchid().equals(text(body, "combine_mchid")), "combine_mchid is not the signing merchant");
    String outTradeNo = outTradeNo(text(body, "combine_out_trade_no"));
    JsonArray subsJson = body.getJsonArray("sub_orders");
    // A direct merchant may combine 2 to 10 sub-orders (WeChat Pay's documentation).
    require(subsJson != null && subsJson.size() >= 2 && subsJson.size() <= 10,
        "sub_orders must hold 2-10 entries for a direct merchant");
    List<SandboxOrder.Sub> subs = new ArrayList<>();
    Set<String> numbers = new HashSet<>();
    for (Object item : subsJson) {
      JsonObject sub = (JsonObject) item;
      String mchid = text(sub, "mchid");
      String subMchid = "";
      if (options.serviceProvider()) {
        // A service provider's sub-orders are its own (mchid) for a sub-merchant bound to it; a
        // sub-order without sub_mchid is a direct merchant's request.
        if (!sub.containsKey("sub_mchid")) {
          requireMode(false);
        }
        require(options.mchid().equals(mchid), "sub_orders.mchid must be the service provider " + options.mchid());
        subMchid = text(sub, "sub_mchid");
        requireBound(subMchid);
      } else {
        require(!sub.containsKey("sub_mchid"), "sub_orders.sub_mchid is for service providers; "
            + options.mchid() + " is a direct merchant");
        require(options.receivers().isEmpty() || options.receivers().contains(mchid),
            "sub-order mchid " + mchid + " is not a registered receiver");
      }
      String subNo = outTradeNo(text(sub, "out_trade_no"));
      require(numbers.add(subNo) && !subNo.equals(outTradeNo), "duplicate out_trade_no " + subNo);
      JsonObject amount = sub.getJsonObject("amount");
      require(amount != null, "sub_orders.amount is required");
      require("CNY".equals(amount.getString("currency", "CNY")), "currency must be CNY");
      subs.add(new SandboxOrder.Sub(mchid, subMchid, subNo, positiveFen(amount, "total_amount"),
          text(sub, "description"), text(sub, "attach")));
    }
    JsonObject payerInfo = body.getJsonObject("combine_payer_info");
    String openid = payer(tradeType, payerInfo, "openid");
    return newOrder(true, tradeType, outTradeNo, subs.get(0).description(), body, openid, subs);
  }

  private SandboxOrder newOrder(boolean combined, String tradeType, String outTradeNo,
      String description, JsonObject body, String openid, List<SandboxOrder.Sub> subs) {
    String notifyUrl = notifyUrl(text(body, "notify_url"));
    Instant expiresAt = expiry(body.getString("time_expire"));
    StringBuilder fingerprint = new StringBuilder(tradeType).append('|').append(openid);
    subs.forEach(s -> fingerprint.append('|').append(s.receiver()).append(':')
        .append(s.outTradeNo()).append(':').append(s.amountFen()));
    String prepayId = "wx" + COMPACT.format(LocalDateTime.now(BEIJING)) + Crypto.hex(
        randomBytes(12)).substring(0, 20);
    return new SandboxOrder(combined, tradeType, outTradeNo, options.appid(), options.mchid(),
        description, notifyUrl, expiresAt, openid, subs, prepayId, Crypto.randomToken(16),
        fingerprint.toString());
  }

  private static String payer(String tradeType, JsonObject payer, String field) {
    if (tradeType.equals("JSAPI")) {
      require(payer != null && !payer.getString(field, "").isBlank(), "payer " + field + " is required for JSAPI");
      return payer.getString(field);
    }
    require(payer == null, "a Native order has no payer");
    return "";
  }

  private static String notifyUrl(String url) {
    try {
      URI uri = new URI(url);
      require(("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
          && uri.getHost() != null && uri.getRawQuery() == null, "notify_url must be http(s) with no query");
    } catch (java.net.URISyntaxException e) {
      throw new Refusal(400, "PARAM_ERROR", "notify_url is not a URL");
    }
    return url;
  }

  private static Instant expiry(String timeExpire) {
    if (timeExpire == null) {
      return Instant.now().plus(Duration.ofHours(2)); // WeChat's default order validity
    }
    try {
      return OffsetDateTime.parse(timeExpire).toInstant();
    } catch (DateTimeParseException e) {
      throw new Refusal(400, "PARAM_ERROR", "time_expire is not RFC 3339");
    }
  }

  private void register(SandboxOrder order) {
    orders.put(order.outTradeNo, order);
    order.subs.forEach(s -> payables.put(s.outTradeNo(), order));
    byPrepayId.put(order.prepayId, order);
    byCodeToken.put(order.codeToken, order);
  }

  private Answer query(RoutingContext ctx, boolean combined) {
    if (!combined) {
      requireMode(false);
      require(options.mchid().equals(ctx.queryParams().get("mchid")), "mchid query parameter must be the merchant's");
    }
    SandboxOrder order = find(ctx.pathParam("no"), combined);
    return new Answer(200, order.resource(false));
  }

  /** A partner order is found only under the service provider and the sub-merchant it is for. */
  private Answer queryPartner(RoutingContext ctx) {
    requireMode(true);
    require(options.mchid().equals(ctx.queryParams().get("sp_mchid")), "sp_mchid must be the service provider's");
    String subMchid = String.valueOf(ctx.queryParams().get("sub_mchid"));
    requireBound(subMchid);
    return new Answer(200, partnerOrder(ctx.pathParam("no"), subMchid).resource(false));
  }

  private SandboxOrder partnerOrder(String outTradeNo, String subMchid) {
    SandboxOrder order = find(outTradeNo, false);
    if (!order.subs.get(0).subMchid().equals(subMchid)) {
      throw new Refusal(404, "ORDER_NOT_EXIST", "订单不存在");
    }
    return order;
  }

  private Answer closePartner(RoutingContext ctx) {
    requireMode(true);
    JsonObject body = ctx.body().asJsonObject();
    require(body != null, "body is required");
    require(options.mchid().equals(text(body, "sp_mchid")), "sp_mchid must be the service provider's");
    String subMchid = text(body, "sub_mchid");
    requireBound(subMchid);
    return closed(partnerOrder(ctx.pathParam("no"), subMchid));
  }

  private SandboxOrder find(String outTradeNo, boolean combined) {
    SandboxOrder order = orders.get(outTradeNo);
    if (order == null || order.combined != combined) {
      throw new Refusal(404, "ORDER_NOT_EXIST", "订单不存在");
    }
    return order;
  }

  private Answer close(RoutingContext ctx, boolean combined) {
    SandboxOrder order = find(ctx.pathParam("no"), combined);
    JsonObject body = ctx.body().asJsonObject();
    require(body != null, "body is required");
    if (combined) {
      require(order.appid.equals(text(body, "combine_appid")), "combine_appid does not match");
      JsonArray subs = body.getJsonArray("sub_orders");
      require(subs != null && subs.size() == order.subs.size(), "sub_orders must name every sub-order");
      for (int i = 0; i < subs.size(); i++) {
        JsonObject sub = subs.getJsonObject(i);
        SandboxOrder.Sub mine = order.subs.get(i);
        require(mine.mchid().equals(text(sub, "mchid")) && mine.subMchid().equals(sub.getString("sub_mchid", ""))
            && mine.outTradeNo().equals(text(sub, "out_trade_no")), "sub_orders do not match the order");
      }
    } else {
      requireMode(false);
      require(options.mchid().equals(text(body, "mchid")), "mchid must be the merchant's");
    }
    return closed(order);
  }

  private Answer closed(SandboxOrder order) {
    SandboxOrder.State before = order.close();
    if (before == SandboxOrder.State.SUCCESS) {
      throw new Refusal(400, "ORDERPAID", "订单已支付");
    }
    if (before == SandboxOrder.State.NOTPAY) {
      remember(new JsonObject().put("type", "closed").put("out_trade_no", order.outTradeNo));
    }
    return new Answer(204, null);
  }

  // ---------------------------------------------------------------- payment

  /** Pays an order as the wallet would and schedules its notification. */
  SandboxOrder.PayOutcome pay(SandboxOrder order, String payerOpenid) {
    return pay(order, payerOpenid, CallbackDispatcher.Notify.SEND);
  }

  /** Pays an order; its notification is scheduled ({@code SEND}) or left to the caller ({@code RETURN}). */
  private SandboxOrder.PayOutcome pay(SandboxOrder order, String payerOpenid, CallbackDispatcher.Notify notify) {
    Instant now = Instant.now();
    List<String> ids = new ArrayList<>();
    order.subs.forEach(s -> ids.add(transactionId(now)));
    String eventId = "EV-" + COMPACT.format(now.atOffset(BEIJING)) + Crypto.hex(randomBytes(6));
    String payer = order.tradeType.equals("JSAPI") ? order.openid : payerOpenid;
    SandboxOrder.PayOutcome outcome = order.pay(now, payer, ids, eventId);
    if (outcome == SandboxOrder.PayOutcome.PAID) {
      ids.forEach(id -> byTransactionId.put(id, order));
      remember(new JsonObject().put("type", "paid").put("out_trade_no", order.outTradeNo)
          .put("paid_at", now.toString()).put("openid", payer).put("event_id", eventId)
          .put("transaction_ids", new JsonArray(ids)));
      if (notify == CallbackDispatcher.Notify.SEND) {
        notifyPayment(order);
      }
    }
    return outcome;
  }

  private static String transactionId(Instant now) {
    // 28 digits like 4200000000202501010000000001 (§8): a prefix, the Beijing date, 15 random digits.
    StringBuilder digits = new StringBuilder("42000");
    digits.append(DateTimeFormatter.BASIC_ISO_DATE.format(now.atOffset(BEIJING).toLocalDate()));
    for (int i = 0; i < 15; i++) {
      digits.append(Crypto.random().nextInt(10));
    }
    return digits.toString();
  }

  private void notifyPayment(SandboxOrder order) {
    dispatcher.dispatch(order.outTradeNo, paymentCallback(order),
        probe(order.notifyUrl, order.eventId(), "TRANSACTION.SUCCESS", "transaction", order.resource(true)));
  }

  private CallbackDispatcher.CallbackFactory paymentCallback(SandboxOrder order) {
    String eventId = order.eventId();
    return (forged, skewSeconds) -> callback(order.notifyUrl, eventId, "TRANSACTION.SUCCESS", "支付成功",
        "transaction", order.resource(true), forged, skewSeconds);
  }

  /**
   * One signed delivery. The dispatcher calls this on the event loop for each attempt; signing
   * with RSA-2048 takes about a millisecond, well inside the loop's budget, and WeChat signs each
   * resend afresh.
   */
  private Callback callback(String url, String eventId, String eventType, String summary,
      String originalType, JsonObject resource, boolean forged, long skewSeconds) {
    if (stopped) {
      throw new IllegalStateException("sandbox stopped; callback " + eventId + " abandoned");
    }
    WechatNotificationSigner signer = signer(currentCredential());
    byte[] body = signer.envelope(eventId, eventType, summary, originalType, resource);
    Fault fault = forged ? Fault.forgedSignature(forgingKey)
        : skewSeconds != 0 ? Fault.skewedTimestamp(Duration.ofSeconds(skewSeconds)) : Fault.NONE;
    if (forged && skewSeconds != 0) {
      fault = new Fault(Duration.ofSeconds(skewSeconds), forgingKey, false);
    }
    SignedNotification signed = signer.sign(body, fault);
    return new Callback(url, withJson(signed.headers()), signed.body());
  }

  private Callback probe(String url, String eventId, String eventType, String originalType,
      JsonObject resource) {
    if (!faults.get().probe()) {
      return null;
    }
    WechatNotificationSigner signer = signer(certificateKey);
    byte[] body = signer.envelope(eventId, eventType, "签名探测", originalType, resource);
    SignedNotification signed = signer.sign(body, Fault.probeSignature());
    return new Callback(url, withJson(signed.headers()), signed.body());
  }

  private static Map<String, String> withJson(Map<String, String> headers) {
    Map<String, String> all = new java.util.LinkedHashMap<>(headers);
    all.put("Content-Type", "application/json");
    return all;
  }

  // ---------------------------------------------------------------- refunds

  private Answer refund(RoutingContext ctx) {
    JsonObject body = ctx.body().asJsonObject();
    require(body != null, "body is required");
    String outRefundNo = outTradeNo(text(body, "out_refund_no"));
    String byNo = body.getString("out_trade_no", "");
    String byId = body.getString("transaction_id", "");
    SandboxOrder order = !byId.isEmpty() ? byTransactionId.get(byId) : payables.get(byNo);
    if (order == null) {
      throw new Refusal(404, "RESOURCE_NOT_EXISTS", "订单不存在");
    }
    int subIndex = subIndex(order, byId, byNo);
    JsonObject amount = body.getJsonObject("amount");
    require(amount != null, "amount is required");
    long refundFen = positiveFen(amount, "refund");
    long totalFen = positiveFen(amount, "total");
    SandboxOrder.Sub sub = order.subs.get(subIndex);
    requireRefunder(sub, body.getString("sub_mchid", ""));
    require(totalFen == sub.amountFen(), "amount.total must be the (sub-)order's amount " + sub.amountFen());
    Refund existing = refunds.get(outRefundNo);
    if (existing != null) {
      if (existing.order() != order || existing.subIndex() != subIndex || existing.refundFen() != refundFen) {
        throw new Refusal(400, "INVALID_REQUEST", "out_refund_no already used for another refund");
      }
      return new Answer(200, refundJson(existing, "PROCESSING"));
    }
    if (order.state() != SandboxOrder.State.SUCCESS) {
      throw new Refusal(400, "INVALID_REQUEST", "订单未支付");
    }
    if (!order.reserveRefund(subIndex, refundFen)) {
      throw new Refusal(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额");
    }
    String notifyUrl = body.getString("notify_url", order.notifyUrl);
    Refund refund = new Refund(outRefundNo, "50" + transactionId(Instant.now()).substring(2),
        order, subIndex, refundFen, Instant.now(), notifyUrl);
    refunds.put(outRefundNo, refund);
    remember(refundRecord(refund));
    // The sandbox settles refunds at once; the notification follows on the dispatcher.
    dispatcher.dispatch(outRefundNo,
        (forged, skewSeconds) -> callback(notifyUrl, "EV-" + refund.refundId(), "REFUND.SUCCESS",
            "退款成功", "refund", refundResource(refund), forged, skewSeconds),
        probe(notifyUrl, "EV-" + refund.refundId(), "REFUND.SUCCESS", "refund", refundResource(refund)));
    return new Answer(200, refundJson(refund, "PROCESSING"));
  }

  /**
   * A service provider refunds for the sub-merchant that was paid, naming it ({@code sub_mchid});
   * a direct merchant names none.
   */
  private void requireRefunder(SandboxOrder.Sub sub, String subMchid) {
    if (options.serviceProvider()) {
      require(!subMchid.isEmpty(), "sub_mchid is required: the sub-merchant refunding");
      requireBound(subMchid);
      if (!sub.subMchid().equals(subMchid)) {
        throw new Refusal(404, "RESOURCE_NOT_EXISTS", "订单不存在");
      }
    } else {
      require(subMchid.isEmpty(), "sub_mchid is for service providers; " + options.mchid() + " is a direct merchant");
    }
  }

  private static int subIndex(SandboxOrder order, String transactionId, String outTradeNo) {
    for (int i = 0; i < order.subs.size(); i++) {
      if (order.subs.get(i).outTradeNo().equals(outTradeNo) || order.transactionId(i).equals(transactionId)) {
        return i;
      }
    }
    throw new Refusal(404, "RESOURCE_NOT_EXISTS", "订单不存在");
  }

  private Answer refundQuery(RoutingContext ctx) {
    Refund refund = refunds.get(ctx.pathParam("no"));
    if (refund == null) {
      throw new Refusal(404, "RESOURCE_NOT_EXISTS", "退款单不存在");
    }
    String subMchid = ctx.queryParams().get("sub_mchid");
    requireRefunder(refund.order().subs.get(refund.subIndex()), subMchid == null ? "" : subMchid);
    return new Answer(200, refundJson(refund, "SUCCESS"));
  }

  /** The refund resource of §1.6; the mchid is the merchant that asked for it. */
  private JsonObject refundJson(Refund refund, String status) {
    SandboxOrder.Sub sub = refund.order().subs.get(refund.subIndex());
    // A service provider's refund names it and the sub-merchant refunding (partner refunds).
    JsonObject json = sub.subMchid().isEmpty() ? new JsonObject().put("mchid", options.mchid())
        : new JsonObject().put("sp_mchid", options.mchid()).put("sub_mchid", sub.subMchid());
    json.put("refund_id", refund.refundId()).put("out_refund_no", refund.outRefundNo())
        .put("transaction_id", refund.order().transactionId(refund.subIndex()))
        .put("out_trade_no", sub.outTradeNo()).put("channel", "ORIGINAL")
        .put("user_received_account", "支付用户零钱").put("create_time", SandboxOrder.time(refund.createdAt()))
        .put("status", status).put("funds_account", "AVAILABLE")
        .put("amount", new JsonObject().put("total", sub.amountFen()).put("refund", refund.refundFen())
            .put("payer_total", sub.amountFen()).put("payer_refund", refund.refundFen())
            .put("settlement_total", sub.amountFen()).put("settlement_refund", refund.refundFen())
            .put("discount_refund", 0).put("currency", "CNY"));
    if (status.equals("SUCCESS")) {
      json.put("success_time", SandboxOrder.time(refund.createdAt()));
    }
    return json;
  }

  /** The notification's resource names the outcome {@code refund_status} where the API says {@code status}. */
  private JsonObject refundResource(Refund refund) {
    JsonObject json = refundJson(refund, "SUCCESS");
    json.remove("status");
    return json.put("refund_status", "SUCCESS");
  }

  private static JsonObject refundRecord(Refund refund) {
    return new JsonObject().put("type", "refund").put("out_refund_no", refund.outRefundNo())
        .put("refund_id", refund.refundId()).put("out_trade_no", refund.order().outTradeNo)
        .put("sub_index", refund.subIndex()).put("refund_fen", refund.refundFen())
        .put("created_at", refund.createdAt().toString()).put("notify_url", refund.notifyUrl());
  }

  // ---------------------------------------------------------------- bills

  private void tradeBill(RoutingContext ctx) {
    LocalDate day;
    try {
      day = LocalDate.parse(String.valueOf(ctx.queryParams().get("bill_date")));
    } catch (DateTimeParseException e) {
      answer(ctx, 400, error("PARAM_ERROR", "bill_date must be YYYY-MM-DD"));
      return;
    }
    String billType = ctx.queryParams().get("bill_type") == null ? "ALL" : ctx.queryParams().get("bill_type");
    if (!billType.equals("ALL")) {
      answer(ctx, 400, error("INVALID_REQUEST", "the sandbox serves bill_type ALL only"));
      return;
    }
    if (day.isAfter(LocalDate.now(BEIJING))) {
      answer(ctx, 400, error("NO_STATEMENT_EXIST", "账单文件不存在"));
      return;
    }
    // A service provider's bill covers all its sub-merchants, or the one named by sub_mchid.
    String subMchid = ctx.queryParams().get("sub_mchid");
    if (subMchid != null && (!options.serviceProvider() || !options.receivers().contains(subMchid))) {
      answer(ctx, 400, error("PARAM_ERROR", "sub_mchid " + subMchid + " is not a sub-merchant of " + options.mchid()));
      return;
    }
    boolean gzip = "GZIP".equals(ctx.queryParams().get("tar_type"));
    List<WechatTradeBillRow> rows = billRows(day).stream()
        .filter(row -> subMchid == null || subMchid.equals(row.subMchid())).toList();
    vertx.executeBlocking(() -> billBytes(rows, gzip)).onComplete(made -> {
      if (made.failed()) {
        answer(ctx, 500, error("SYSTEM_ERROR", "bill generation failed"));
        return;
      }
      String token = Crypto.randomToken(24);
      bills.put(token, new BillDownload(made.result(), Instant.now().plus(BILL_URL_VALIDITY)));
      answer(ctx, 200, new JsonObject().put("hash_type", "SHA1")
          .put("hash_value", sha1Hex(made.result()))
          .put("download_url", baseUrl() + "/v3/billdownload/file?token=" + token));
    });
  }

  /**
   * The day's rows: one per sub-order paid that day (a combined payment shows as one row per
   * sub-order, each with its own mchid, out_trade_no and transaction_id) and one per refund
   * accepted that day (§1.8: a refund belongs to the day it was accepted).
   */
  List<WechatTradeBillRow> billRows(LocalDate day) {
    List<WechatTradeBillRow> rows = new ArrayList<>();
    for (SandboxOrder order : orders.values()) {
      if (order.state() != SandboxOrder.State.SUCCESS
          || !order.paidAt().atOffset(BEIJING).toLocalDate().equals(day)) {
        continue;
      }
      LocalDateTime at = LocalDateTime.ofInstant(order.paidAt(), BEIJING);
      for (int i = 0; i < order.subs.size(); i++) {
        SandboxOrder.Sub sub = order.subs.get(i);
        rows.add(subMerchantRow(sub, WechatTradeBillRow.payment(at, order.appid, sub.mchid(), order.transactionId(i),
            sub.outTradeNo(), order.payerOpenid(), order.tradeType, Money.ofFen(sub.amountFen()),
            Money.ofFen(fee(sub.amountFen())), FEE_RATE_BP, clean(sub.description()), clean(sub.attach()))));
      }
    }
    for (Refund refund : refunds.values()) {
      if (!refund.createdAt().atOffset(BEIJING).toLocalDate().equals(day)) {
        continue;
      }
      SandboxOrder order = refund.order();
      SandboxOrder.Sub sub = order.subs.get(refund.subIndex());
      rows.add(subMerchantRow(sub, WechatTradeBillRow.refund(LocalDateTime.ofInstant(refund.createdAt(), BEIJING),
          order.appid, sub.mchid(), order.transactionId(refund.subIndex()), sub.outTradeNo(),
          order.payerOpenid(), order.tradeType, Money.ofFen(sub.amountFen()), refund.refundId(),
          refund.outRefundNo(), Money.ofFen(refund.refundFen()), Money.ofFen(-fee(refund.refundFen())),
          FEE_RATE_BP, clean(sub.description()), clean(sub.attach()))));
    }
    rows.sort(Comparator.comparing(WechatTradeBillRow::tradeTime));
    return rows;
  }

  private static WechatTradeBillRow subMerchantRow(SandboxOrder.Sub sub, WechatTradeBillRow row) {
    return sub.subMchid().isEmpty() ? row : row.forSubMerchant(sub.subMchid());
  }

  /** The fee in whole fen at the rate, rounded half up (§6 "WeChat simulator" item 5). */
  static long fee(long amountFen) {
    return Math.addExact(Math.multiplyExact(amountFen, FEE_RATE_BP), 5_000) / 10_000;
  }

  private static String clean(String text) {
    return text == null ? "" : text.replace('`', '\'').replace('\r', ' ').replace('\n', ' ');
  }

  private static byte[] billBytes(List<WechatTradeBillRow> rows, boolean gzip) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (gzip) {
      try (GZIPOutputStream zipped = new GZIPOutputStream(out)) {
        WechatTradeBillWriter.write(zipped, rows.iterator());
      }
    } else {
      WechatTradeBillWriter.write(out, rows.iterator());
    }
    return out.toByteArray();
  }

  static String sha1Hex(byte[] bytes) {
    try {
      return Crypto.hex(MessageDigest.getInstance("SHA-1").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The download itself is signed by the merchant but not answered with a signature (§1.8). */
  private void billDownload(RoutingContext ctx) {
    BillDownload bill = bills.get(String.valueOf(ctx.queryParams().get("token")));
    if (bill == null || Instant.now().isAfter(bill.expiresAt())) {
      answer(ctx, 400, error("INVALID_REQUEST", "download_url expired or unknown"));
      return;
    }
    ctx.response().putHeader("Content-Type", "application/octet-stream")
        .end(Buffer.buffer(bill.bytes()));
  }

  // ---------------------------------------------------------------- OAuth stand-in

  private void oauthAuthorize(RoutingContext ctx) {
    var params = ctx.queryParams();
    String redirect = params.get("redirect_uri");
    String problem = !options.appid().equals(params.get("appid")) ? "appid is not registered"
        : !"code".equals(params.get("response_type")) ? "response_type must be code"
        : !"snsapi_base".equals(params.get("scope")) ? "scope must be snsapi_base"
        : !isAbsoluteHttp(redirect) ? "redirect_uri must be an absolute http(s) URL" : "";
    if (!problem.isEmpty()) {
      html(ctx, 400, page("授权失败", "<p>" + escape(problem) + "</p>"));
      return;
    }
    String code = Crypto.randomToken(16);
    String openid = "o" + Crypto.randomToken(20).substring(0, 27);
    oauthCodes.put(code, new OauthCode(openid, Instant.now().plus(OAUTH_CODE_VALIDITY)));
    String state = params.get("state") == null ? "" : params.get("state");
    String location = redirect + (redirect.contains("?") ? "&" : "?") + "code=" + code
        + "&state=" + URLEncoder.encode(state, StandardCharsets.UTF_8);
    ctx.response().setStatusCode(302).putHeader("Location", location).end();
  }

  private static boolean isAbsoluteHttp(String url) {
    try {
      URI uri = new URI(url);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (java.net.URISyntaxException | NullPointerException e) {
      return false;
    }
  }

  /** Exchanges a code once for the openid, in WeChat's answer forms (errcode on failure). */
  private void oauthAccessToken(RoutingContext ctx) {
    var params = ctx.queryParams();
    JsonObject body;
    if (!options.appid().equals(params.get("appid"))) {
      body = new JsonObject().put("errcode", 40013).put("errmsg", "invalid appid");
    } else if (!options.appSecret().equals(params.get("secret"))) {
      body = new JsonObject().put("errcode", 40125).put("errmsg", "invalid appsecret");
    } else if (!"authorization_code".equals(params.get("grant_type"))) {
      body = new JsonObject().put("errcode", 40002).put("errmsg", "invalid grant_type");
    } else {
      OauthCode code = params.get("code") == null ? null : oauthCodes.remove(params.get("code"));
      if (code == null || Instant.now().isAfter(code.expiresAt())) {
        body = new JsonObject().put("errcode", 40029).put("errmsg", "invalid code");
      } else {
        body = new JsonObject().put("access_token", Crypto.randomToken(32)).put("expires_in", 7200)
            .put("refresh_token", Crypto.randomToken(32)).put("openid", code.openid())
            .put("scope", "snsapi_base");
      }
    }
    ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
  }

  // ---------------------------------------------------------------- payer side

  /**
   * The stand-in for the WeixinJSBridge cashier: checks {@code paySign} with the merchant key over
   * {@code appId\ntimeStamp\nnonceStr\npackage\n} as the WeChat client does (§1.2), then shows the
   * order and its one form.
   */
  private void jsapiCashier(RoutingContext ctx) {
    var params = ctx.queryParams();
    String appId = params.get("appId");
    String packageValue = params.get("package");
    String message = appId + "\n" + params.get("timeStamp") + "\n" + params.get("nonceStr") + "\n"
        + packageValue + "\n";
    SandboxOrder order = packageValue != null && packageValue.startsWith("prepay_id=")
        ? byPrepayId.get(packageValue.substring("prepay_id=".length())) : null;
    String paySign = params.get("paySign");
    if (order == null || !order.appid.equals(appId) || !"RSA".equals(params.get("signType"))
        || paySign == null) {
      html(ctx, 400, page("支付失败", "<p>unknown prepay_id, wrong appId or signType</p>"));
      return;
    }
    vertx.executeBlocking(() -> SignatureScheme.SHA256_RSA.verify(options.merchantPublicKey(),
        message.getBytes(StandardCharsets.UTF_8), paySign)).onComplete(ok -> {
          if (ok.failed() || !ok.result()) {
            html(ctx, 400, page("支付失败", "<p>paySign does not verify</p>"));
          } else {
            html(ctx, 200, orderPage(order, ""));
          }
        });
  }

  private void nativeCashier(RoutingContext ctx) {
    SandboxOrder order = byCodeToken.get(ctx.pathParam("token"));
    if (order == null || !order.tradeType.equals("NATIVE")) {
      html(ctx, 404, page("二维码无效", "<p>unknown code_url</p>"));
      return;
    }
    html(ctx, 200, orderPage(order,
        "<label>payer <input type=\"text\" name=\"payer\" value=\"sandbox-payer\"></label>"));
  }

  private String orderPage(SandboxOrder order, String extraField) {
    StringBuilder rows = new StringBuilder();
    for (SandboxOrder.Sub sub : order.subs) {
      rows.append("<tr><td>").append(escape(sub.mchid())).append("</td><td>")
          .append(escape(sub.outTradeNo())).append("</td><td>")
          .append(escape(Money.ofFen(sub.amountFen()).toYuanString())).append("</td></tr>");
    }
    String body = "<p>" + escape(order.description) + "</p>"
        + "<p>订单 <span id=\"out_trade_no\">" + escape(order.outTradeNo) + "</span></p>"
        + "<p>金额 ¥<span id=\"total\">" + Money.ofFen(order.totalFen()).toYuanString() + "</span></p>"
        + "<table><tr><th>mchid</th><th>out_trade_no</th><th>amount</th></tr>" + rows + "</table>"
        + "<form method=\"post\" action=\"/sandbox/cashier/pay\">"
        + "<input type=\"hidden\" name=\"out_trade_no\" value=\"" + escape(order.outTradeNo) + "\">"
        + extraField + "<button type=\"submit\">支付</button></form>";
    return page("微信支付 (sandbox)", body);
  }

  private void cashierPay(RoutingContext ctx) {
    var form = ctx.request().formAttributes();
    SandboxOrder order = orders.get(String.valueOf(form.get("out_trade_no")));
    if (order == null) {
      html(ctx, 404, page("支付失败", "<p>unknown order</p>"));
      return;
    }
    SandboxOrder.PayOutcome outcome = pay(order, openidOf(form.get("payer")));
    if (outcome == SandboxOrder.PayOutcome.PAID) {
      html(ctx, 200, page("支付成功", "<p>paid</p><p>transaction_id <span id=\"transaction_id\">"
          + escape(order.transactionId(0)) + "</span></p>"));
    } else {
      html(ctx, 409, page("支付失败", "<p>" + escape(outcome.name()) + "</p>"));
    }
  }

  /**
   * {@code POST /sandbox/pay {"out_trade_no": plain or combine_out_trade_no, "payer": name,
   * "notify": "send" | "return"}}. A JSAPI order is paid by the openid it was opened for; a Native
   * one by an openid derived from {@code payer}. With {@code "notify": "return"} the callback is
   * not sent but signed now and returned in the answer's {@code callback}.
   */
  private void payerPay(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    SandboxOrder order = body == null ? null : orders.get(String.valueOf(body.getValue("out_trade_no")));
    if (order == null) {
      json(ctx, 404, error("ORDER_NOT_EXIST", "unknown out_trade_no"));
      return;
    }
    CallbackDispatcher.Notify notify = CallbackDispatcher.Notify.of(body.getValue("notify")).orElse(null);
    if (notify == null) {
      json(ctx, 400, error("PARAM_ERROR", "notify must be \"send\" or \"return\""));
      return;
    }
    SandboxOrder.PayOutcome outcome = pay(order, openidOf(body.getString("payer")), notify);
    if (outcome != SandboxOrder.PayOutcome.PAID) {
      json(ctx, 409, error(outcome.name(), "order cannot be paid"));
      return;
    }
    JsonArray ids = new JsonArray();
    for (int i = 0; i < order.subs.size(); i++) {
      ids.add(order.transactionId(i));
    }
    JsonObject answer = new JsonObject().put("transaction_id", order.transactionId(0))
        .put("transaction_ids", ids).put("out_trade_no", order.outTradeNo)
        .put("openid", order.payerOpenid()).put("success_time", SandboxOrder.time(order.paidAt()));
    if (notify == CallbackDispatcher.Notify.RETURN) {
      answer.put("callback", dispatcher.signedNow(paymentCallback(order)).toJson());
    }
    json(ctx, 200, answer);
  }

  /**
   * {@code GET /sandbox/splits/{out_trade_no}}: what each receiver got of an order — one entry per
   * sub-order (the merchant itself for a plain order), paid and refunded amounts in fen.
   */
  private void splits(RoutingContext ctx) {
    SandboxOrder order = orders.get(ctx.pathParam("no"));
    if (order == null) {
      json(ctx, 404, error("ORDER_NOT_EXIST", "unknown out_trade_no"));
      return;
    }
    boolean paid = order.state() == SandboxOrder.State.SUCCESS;
    JsonArray receivers = new JsonArray();
    for (int i = 0; i < order.subs.size(); i++) {
      SandboxOrder.Sub sub = order.subs.get(i);
      long refunded = order.refundedFen(i);
      receivers.add(new JsonObject().put("mchid", sub.mchid()).put("sub_mchid", sub.subMchid())
          .put("out_trade_no", sub.outTradeNo())
          .put("transaction_id", order.transactionId(i)).put("amount_fen", sub.amountFen())
          .put("paid_fen", paid ? sub.amountFen() : 0).put("refunded_fen", refunded)
          .put("net_fen", paid ? sub.amountFen() - refunded : 0));
    }
    json(ctx, 200, new JsonObject().put("out_trade_no", order.outTradeNo)
        .put("state", order.state().name()).put("receivers", receivers));
  }

  private static String openidOf(String payer) {
    String name = payer == null || payer.isBlank() ? "sandbox-payer" : payer;
    return "o" + Crypto.hex(Crypto.sm3(name.getBytes(StandardCharsets.UTF_8))).substring(0, 27);
  }

  // ---------------------------------------------------------------- journal replay

  private void remember(JsonObject entry) {
    journal.append(entry).onFailure(e -> LOG.error("event=sandbox.journal_failed type={}",
        entry.getString("type"), e));
  }

  private void replay(JsonObject record) {
    switch (record.getString("type", "")) {
      case "order" -> register(SandboxOrder.fromJson(record));
      case "paid" -> {
        SandboxOrder order = orders.get(record.getString("out_trade_no"));
        List<String> ids = new ArrayList<>();
        record.getJsonArray("transaction_ids").forEach(id -> ids.add((String) id));
        order.markPaid(Instant.parse(record.getString("paid_at")), record.getString("openid"), ids,
            record.getString("event_id"));
        ids.forEach(id -> byTransactionId.put(id, order));
      }
      case "closed" -> orders.get(record.getString("out_trade_no")).close();
      case "refund" -> {
        SandboxOrder order = orders.get(record.getString("out_trade_no"));
        int subIndex = record.getInteger("sub_index");
        order.reserveRefund(subIndex, record.getLong("refund_fen"));
        refunds.put(record.getString("out_refund_no"), new Refund(record.getString("out_refund_no"),
            record.getString("refund_id"), order, subIndex, record.getLong("refund_fen"),
            Instant.parse(record.getString("created_at")), record.getString("notify_url")));
      }
      default -> { }
    }
  }

  // ---------------------------------------------------------------- small pieces

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new Refusal(400, "PARAM_ERROR", message);
    }
  }

  private static String text(JsonObject json, String field) {
    Object value = json.getValue(field);
    require(value instanceof String s && !s.isBlank(), field + " is required");
    return (String) value;
  }

  private static String outTradeNo(String value) {
    require(OUT_TRADE_NO.matcher(value).matches(), "order numbers are 6-32 of [A-Za-z0-9_-|*@]: " + value);
    return value;
  }

  private static long positiveFen(JsonObject amount, String field) {
    Object value = amount.getValue(field);
    require((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() > 0,
        "amount." + field + " must be a positive integer of fen");
    return ((Number) value).longValue();
  }

  private static byte[] randomBytes(int count) {
    byte[] bytes = new byte[count];
    Crypto.random().nextBytes(bytes);
    return bytes;
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  private static void html(RoutingContext ctx, int status, String html) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8").end(html);
  }

  private static String page(String title, String body) {
    return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + escape(title)
        + "</title></head><body><h1>" + escape(title) + "</h1>" + body + "</body></html>";
  }
}
