package org.clearing.channel.unionpay;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.clearing.channel.Acknowledgement;
import org.clearing.channel.BillFile;
import org.clearing.channel.Channel;
import org.clearing.channel.ChannelAdapter;
import org.clearing.channel.ChannelOrder;
import org.clearing.channel.CloseResult;
import org.clearing.channel.IncomingNotification;
import org.clearing.channel.Money;
import org.clearing.channel.Notification;
import org.clearing.channel.OpenOrderRequest;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.QueryResult;
import org.clearing.channel.RefundNotification;
import org.clearing.channel.RefundRequest;
import org.clearing.channel.RefundResult;
import org.clearing.channel.Rejection;
import org.clearing.channel.SplitLeg;
import org.clearing.channel.StatementLine;
import org.clearing.channel.StatementReader;

/**
 * The UnionPay 全渠道 (acp 5.1.0) channel: QR apply for both flows, query, refund, notifications
 * and the ZM reconciliation file (UnionPay's documentation). Requests are signed with the merchant's RSA
 * certificate; every answer must carry a {@code signPubKeyCert} chaining to the configured root
 * and intermediate and verify, or the call's outcome is unknown.
 *
 * <p>Both flows use the QR apply ({@code 01/07/000000}): for the in-app flow the engine
 * redirects the UnionPay app to {@code qrCode} (the wallets' documented behaviour, behaviour in the app
 * unverified). UnionPay has no close: an unpaid order lapses at {@code payTimeout}.
 */
public final class UnionPayAdapter implements ChannelAdapter {

  /** ZM files are GBK text, as UnionPay's files are. */
  public static final Charset ZM_CHARSET = Charset.forName("GBK");
  /** A decoded bill zip larger than this is refused (a zip bomb is not a bill). */
  public static final long BILL_BYTES_MAX = 512L * 1024 * 1024;
  /** Remembered order send times (queries need them), bounded so memory stays bounded. */
  static final int TXN_TIMES_MAX = 100_000;

  /**
   * The gateway addresses: UnionPay serves back-channel requests and queries at one host and
   * bill files at another ({@code https://filedownload.95516.com/}).
   */
  public record Endpoints(String backUrl, String queryUrl, String fileTransferUrl) {
    public Endpoints {
      Objects.requireNonNull(backUrl, "backUrl");
      Objects.requireNonNull(queryUrl, "queryUrl");
      Objects.requireNonNull(fileTransferUrl, "fileTransferUrl");
    }

    /** The three addresses under one base, as the sandbox serves them. */
    public static Endpoints under(String gatewayBaseUrl) {
      return new Endpoints(gatewayBaseUrl + "/gateway/api/backTransReq.do",
          gatewayBaseUrl + "/gateway/api/queryTrans.do", gatewayBaseUrl + "/gateway/api/fileTransfer.do");
    }
  }

  /**
   * What the adapter needs.
   *
   * @param endpoints where back-channel requests, queries and file transfers go
   * @param merId the merchant's 15-character code
   * @param merchantKey the merchant's signing private key
   * @param merchantCertificate its certificate (certId = decimal serial)
   * @param rootCertificate UnionPay's root the adapter trusts
   * @param intermediateCertificate UnionPay's intermediate the adapter trusts
   * @param strictOwner whether UnionPay's certificate must name 中国银联股份有限公司 (production)
   * @param callTimeoutMs timeout of every call
   * @param billDirectory where downloaded bills are saved
   * @param acqInsCode the acquirer the merchant is connected through (收单机构接入, {@code
   *     accessType=1}); empty for a merchant connected directly
   */
  public record Config(Endpoints endpoints, String merId, PrivateKey merchantKey,
      X509Certificate merchantCertificate, X509Certificate rootCertificate,
      X509Certificate intermediateCertificate, boolean strictOwner, long callTimeoutMs,
      Path billDirectory, String acqInsCode) {

    public Config {
      Objects.requireNonNull(endpoints, "endpoints");
      Objects.requireNonNull(merId, "merId");
      Objects.requireNonNull(merchantKey, "merchantKey");
      Objects.requireNonNull(merchantCertificate, "merchantCertificate");
      Objects.requireNonNull(rootCertificate, "rootCertificate");
      Objects.requireNonNull(intermediateCertificate, "intermediateCertificate");
      Objects.requireNonNull(billDirectory, "billDirectory");
      if (callTimeoutMs <= 0) {
        throw new IllegalArgumentException("callTimeoutMs must be positive");
      }
      acqInsCode = acqInsCode == null ? "" : acqInsCode;
    }

    /** A merchant connected directly. */
    public Config(Endpoints endpoints, String merId, PrivateKey merchantKey,
        X509Certificate merchantCertificate, X509Certificate rootCertificate,
        X509Certificate intermediateCertificate, boolean strictOwner, long callTimeoutMs,
        Path billDirectory) {
      this(endpoints, merId, merchantKey, merchantCertificate, rootCertificate, intermediateCertificate,
          strictOwner, callTimeoutMs, billDirectory, "");
    }

    /** Every address under {@code gatewayBaseUrl}, e.g. {@code https://gateway.95516.com}. */
    public Config(String gatewayBaseUrl, String merId, PrivateKey merchantKey,
        X509Certificate merchantCertificate, X509Certificate rootCertificate,
        X509Certificate intermediateCertificate, boolean strictOwner, long callTimeoutMs,
        Path billDirectory) {
      this(Endpoints.under(gatewayBaseUrl), merId, merchantKey, merchantCertificate, rootCertificate,
          intermediateCertificate, strictOwner, callTimeoutMs, billDirectory);
    }

    /** With the strict owner check on, as production needs. */
    public Config(String gatewayBaseUrl, String merId, PrivateKey merchantKey,
        X509Certificate merchantCertificate, X509Certificate rootCertificate,
        X509Certificate intermediateCertificate, long callTimeoutMs, Path billDirectory) {
      this(gatewayBaseUrl, merId, merchantKey, merchantCertificate, rootCertificate,
          intermediateCertificate, true, callTimeoutMs, billDirectory);
    }
  }

  private final Vertx vertx;
  private final WebClient client;
  private final Config config;
  private final Clock clock;
  private final UnionPayRequests requests;
  private final UnionPayVerifier verifier;
  private final UnionPayNotifications notifications;
  private final Map<String, String> txnTimes = new ConcurrentHashMap<>();

  public UnionPayAdapter(Vertx vertx, WebClient client, Config config) {
    this(vertx, client, config, Clock.systemUTC());
  }

  public UnionPayAdapter(Vertx vertx, WebClient client, Config config, Clock clock) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.client = Objects.requireNonNull(client, "client");
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.requests = new UnionPayRequests(
        UnionPayRsaProfile.forMerchant(config.merchantKey(), config.merchantCertificate()),
        config.merId(), config.acqInsCode(), clock);
    this.verifier = new UnionPayVerifier(config.rootCertificate(),
        config.intermediateCertificate(), clock, config.strictOwner());
    this.notifications = new UnionPayNotifications(verifier);
  }

  @Override
  public Channel channel() {
    return Channel.UNIONPAY;
  }

  @Override
  public Future<ChannelOrder> openOrder(OpenOrderRequest request) {
    Future<Map<String, String>> signed = vertx.executeBlocking(() -> requests.applyQrConsume(
        new UnionPayRequests.Consume(request.outTradeNo(), request.total().fen(),
            request.notifyUrl(), null, request.expiresAt(),
            request.legs().stream().map(l -> new UnionPayRequests.SplitLeg(l.channelAccount(),
                l.amount().fen())).collect(Collectors.toList()), null)));
    return signed.compose(fields -> {
      rememberTxnTime(request.outTradeNo(), fields.get("txnTime"));
      return call(config.endpoints().backUrl(), fields);
    }).compose(answer -> {
      if (answer instanceof Answer.Trusted trusted) {
        Map<String, String> fields = trusted.fields();
        String qrCode = fields.getOrDefault("qrCode", "");
        if ("00".equals(fields.get("respCode")) && !qrCode.isEmpty()) {
          return Future.succeededFuture(
              new ChannelOrder(Channel.UNIONPAY, request.outTradeNo(), qrCode, qrCode));
        }
        return Future.failedFuture(new IllegalStateException("UnionPay refused the order: "
            + fields.get("respCode") + " " + fields.get("respMsg")));
      }
      return Future.failedFuture(
          new IllegalStateException("UnionPay order outcome unknown: " + answer.reason()));
    });
  }

  /**
   * {@code merId}, the access ({@code 0} direct, {@code 1/<acqInsCode>} through an acquirer: a
   * notification naming another acquirer is not ours), the receivers in accSplitData.
   */
  @Override
  public PayeeIdentity payee(List<SplitLeg> legs) {
    return new PayeeIdentity(config.merId(), requests.access(), "",
        legs.stream().map(SplitLeg::channelAccount).toList());
  }

  /**
   * A consume or refund notification that names another merchant (another {@code merId}, an
   * acquirer's access, a sub-merchant) is refused as {@link Rejection.Reason#FOREIGN}: UnionPay
   * signs every merchant's notifications with the same key, so its signature alone does not make
   * one ours.
   */
  @Override
  public Notification verify(IncomingNotification incoming) {
    try {
      Notification notification = notifications.parse(incoming.body());
      PayeeIdentity reported = notification instanceof PaymentNotification payment ? payment.payee()
          : notification instanceof RefundNotification refund ? refund.payee() : null;
      if (reported != null && !payee(List.of()).admitsAccount(reported)) {
        return new Rejection(Channel.UNIONPAY, Rejection.Reason.FOREIGN,
            "notification pays " + reported + ", not merId " + config.merId());
      }
      return notification;
    } catch (RuntimeException e) {
      return new Rejection(Channel.UNIONPAY, Rejection.Reason.MALFORMED,
          e.getClass().getSimpleName());
    }
  }

  /** UnionPay takes HTTP 200 as acknowledgement, whatever the body (§3.4). */
  @Override
  public Acknowledgement accepted() {
    return Acknowledgement.of(UnionPayNotifications.ACK_STATUS, "text/plain",
        UnionPayNotifications.ACK_BODY);
  }

  /** Any status but 200/302 makes UnionPay resend (§3.4). */
  @Override
  public Acknowledgement retryLater(String reason) {
    return Acknowledgement.of(503, "text/plain", "retry");
  }

  @Override
  public Acknowledgement rejected(Rejection rejection) {
    return Acknowledgement.of(400, "text/plain", "rejected");
  }

  @Override
  public Future<QueryResult> query(String outTradeNo) {
    // The query names the order by orderId and the txnTime it was sent with; an order opened
    // before a restart is asked with today's time (see the report: the engine should keep it).
    String txnTime = txnTimes.getOrDefault(outTradeNo,
        UnionPayTime.txnTime(clock.instant()));
    return vertx.<Map<String, String>>executeBlocking(() -> requests.query(outTradeNo, txnTime,
            UnionPayRequests.BIZ_TYPE_QR))
        .compose(fields -> call(config.endpoints().queryUrl(), fields))
        .<QueryResult>map(answer -> {
          if (!(answer instanceof Answer.Trusted trusted)) {
            return new QueryResult.Unknown(answer.reason());
          }
          Map<String, String> fields = trusted.fields();
          String respCode = fields.getOrDefault("respCode", "");
          if (respCode.equals("34")) {
            return new QueryResult.NotFound();
          }
          if (!respCode.equals("00")) {
            return new QueryResult.Unknown("respCode " + respCode);
          }
          String orig = fields.getOrDefault("origRespCode", "");
          if ((orig.equals("00") || orig.equals("A6"))
              && !payee(List.of()).admitsAccount(UnionPayNotifications.payee(fields))) {
            // A signed answer about somebody else's order (replayed, or a wrong gateway): not ours.
            return new QueryResult.Unknown("answer names another merchant: "
                + UnionPayNotifications.payee(fields));
          }
          return switch (orig) {
            case "00", "A6" -> new QueryResult.Paid(paid(fields));
            case "03", "04", "05" -> new QueryResult.NotPaid("processing " + orig, false);
            default -> new QueryResult.NotPaid("failed " + orig, true);
          };
        }).recover(e -> Future.succeededFuture(new QueryResult.Unknown(describe(e))));
  }

  private static PaymentNotification paid(Map<String, String> fields) {
    String queryId = fields.get("queryId");
    return new PaymentNotification(Channel.UNIONPAY, queryId, fields.get("orderId"), queryId,
        UnionPayNotifications.amount(fields, "txnAmt"),
        "156".equals(fields.getOrDefault("currencyCode", "156")) ? "CNY"
            : fields.get("currencyCode"),
        true, UnionPayTime.parseTxnTime(fields.get("txnTime")),
        UnionPayNotifications.maskAccount(fields.getOrDefault("accNo", "")),
        UnionPayNotifications.payee(fields));
  }

  /** UnionPay has no close; the order lapses at payTimeout and the sandbox refuses it then. */
  @Override
  public Future<CloseResult> close(String outTradeNo) {
    return Future.succeededFuture(new CloseResult.NotSupported());
  }

  @Override
  public Future<RefundResult> refund(RefundRequest request) {
    return vertx.<Map<String, String>>executeBlocking(() -> requests.refund(
            request.outRefundNo(), request.transactionId(), request.amount().fen(),
            request.notifyUrl(), UnionPayRequests.BIZ_TYPE_QR))
        .compose(fields -> call(config.endpoints().backUrl(), fields))
        .<RefundResult>map(answer -> {
          if (!(answer instanceof Answer.Trusted trusted)) {
            return new RefundResult.Unknown(answer.reason());
          }
          Map<String, String> fields = trusted.fields();
          String respCode = fields.getOrDefault("respCode", "");
          // 00 means accepted: the outcome follows by notification or query (§3.4).
          return switch (respCode) {
            case "00", "A6", "03", "04", "05" ->
                new RefundResult.Accepted(fields.getOrDefault("queryId", ""));
            default -> new RefundResult.Refused(respCode, fields.getOrDefault("respMsg", ""));
          };
        }).recover(e -> Future.succeededFuture(new RefundResult.Unknown(describe(e))));
  }

  /**
   * A refund is a transaction of its own (txnType 04) under our refund number as its orderId, so
   * it is asked for like an order (§3.4): 34 not found, origRespCode 00/A6 done, 03/04/05 still
   * processing, anything else failed. The query carries today's txnTime, as for an order whose
   * txnTime was not kept.
   */
  @Override
  public Future<RefundResult> queryRefund(RefundRequest request) {
    return vertx.<Map<String, String>>executeBlocking(() -> requests.query(request.outRefundNo(),
            UnionPayTime.txnTime(clock.instant()), UnionPayRequests.BIZ_TYPE_QR))
        .compose(fields -> call(config.endpoints().queryUrl(), fields))
        .<RefundResult>map(answer -> {
          if (!(answer instanceof Answer.Trusted trusted)) {
            return new RefundResult.Unknown(answer.reason());
          }
          Map<String, String> fields = trusted.fields();
          String respCode = fields.getOrDefault("respCode", "");
          if (respCode.equals("34")) {
            return new RefundResult.NotFound();
          }
          if (!respCode.equals("00") || !request.outRefundNo().equals(fields.get("orderId"))
              || !"04".equals(fields.get("txnType"))) {
            return new RefundResult.Unknown("respCode " + respCode + " txnType " + fields.get("txnType"));
          }
          String orig = fields.getOrDefault("origRespCode", "");
          return switch (orig) {
            case "00", "A6" -> new RefundResult.Succeeded(fields.getOrDefault("queryId", ""));
            case "03", "04", "05" -> new RefundResult.Accepted(fields.getOrDefault("queryId", ""));
            default -> new RefundResult.Refused(orig, fields.getOrDefault("origRespMsg", ""));
          };
        }).recover(e -> Future.succeededFuture(new RefundResult.Unknown(describe(e))));
  }

  /**
   * Saves the zip inside {@code fileContent} (base64 → inflate) exactly as decoded: that zip of
   * the ZM and ZME files is the channel's "own format" here.
   */
  @Override
  public Future<BillFile> downloadBill(LocalDate day) {
    return vertx.<Map<String, String>>executeBlocking(() -> requests.fileTransfer(day))
        .compose(fields -> call(config.endpoints().fileTransferUrl(), fields))
        .compose(answer -> {
          if (!(answer instanceof Answer.Trusted trusted)) {
            return Future.failedFuture(new IllegalStateException(
                "UnionPay bill unavailable: " + answer.reason()));
          }
          Map<String, String> fields = trusted.fields();
          if (!"00".equals(fields.get("respCode")) || !fields.containsKey("fileContent")) {
            return Future.failedFuture(new IllegalStateException("UnionPay bill refused: "
                + fields.get("respCode") + " " + fields.get("respMsg")));
          }
          return vertx.executeBlocking(() -> save(day, fields.get("fileContent")));
        });
  }

  private BillFile save(LocalDate day, String fileContent) throws IOException {
    Files.createDirectories(config.billDirectory());
    Path path = Files.createTempFile(config.billDirectory(), "unionpay-" + day + "-", ".zip");
    try (InputStream zip = new InflaterInputStream(Base64.getMimeDecoder()
        .wrap(new java.io.ByteArrayInputStream(fileContent.getBytes(StandardCharsets.US_ASCII))));
        var out = Files.newOutputStream(path)) {
      byte[] chunk = new byte[8192];
      long totalBytes = 0;
      for (int n = zip.read(chunk); n >= 0; n = zip.read(chunk)) {
        totalBytes += n;
        if (totalBytes > BILL_BYTES_MAX) {
          throw new IOException("bill inflates beyond " + BILL_BYTES_MAX + " bytes");
        }
        out.write(chunk, 0, n);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(path);
      throw e;
    }
    return new BillFile(Channel.UNIONPAY, day, path);
  }

  /** Streams the ZM entry of a saved bill zip; the clearing date is the bill's day. */
  @Override
  public StatementReader readBill(BillFile bill) {
    ZipInputStream zip;
    try {
      zip = new ZipInputStream(Files.newInputStream(bill.path()));
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        String name = entry.getName();
        if (name.contains("ZM_") && !name.contains("ZME_")) {
          ZmFileParser parser = ZmFileParser.open(zip, ZM_CHARSET, bill.day());
          return StatementReader.of(parser);
        }
      }
      zip.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read UnionPay bill " + bill.path(), e);
    }
    throw new IllegalArgumentException("no ZM file in the UnionPay bill " + bill.path());
  }

  // ---- transport -----------------------------------------------------------------------------

  /** An answer that verified, or why there is no usable answer. */
  private sealed interface Answer {
    String reason();

    record Trusted(Map<String, String> fields) implements Answer {
      public String reason() {
        return "";
      }
    }

    record Unusable(String reason) implements Answer {}
  }

  /**
   * The largest API answer read: a file-transfer answer carries a whole day's bill, deflated and
   * in base64, far beyond a notification's size (a busy day's bill is megabytes).
   */
  static final int ANSWER_BYTES_MAX = 256 * 1024 * 1024;

  /** POSTs a signed form; the answer counts only when UnionPay's signature on it verifies. */
  private Future<Answer> call(String url, Map<String, String> fields) {
    String body = UnionPayNotifications.encodeForm(fields);
    return client.postAbs(url).timeout(config.callTimeoutMs())
        .putHeader("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
        .sendBuffer(Buffer.buffer(body, "UTF-8"))
        .compose(response -> {
          if (response.statusCode() != 200) {
            return Future.succeededFuture(
                (Answer) new Answer.Unusable("HTTP " + response.statusCode()));
          }
          byte[] bytes = response.body() == null ? new byte[0] : response.body().getBytes();
          return vertx.executeBlocking(() -> {
            Map<String, String> answer;
            try {
              answer = UnionPayNotifications.decodeForm(bytes, ANSWER_BYTES_MAX);
            } catch (IllegalArgumentException e) {
              return (Answer) new Answer.Unusable("unreadable answer");
            }
            UnionPayVerification verification = verifier.verify(answer);
            return verification.isOk() ? new Answer.Trusted(answer)
                : new Answer.Unusable("unverifiable answer: " + verification.failure());
          });
        }, e -> Future.succeededFuture(new Answer.Unusable(describe(e))));
  }

  private void rememberTxnTime(String orderId, String txnTime) {
    if (txnTimes.size() >= TXN_TIMES_MAX) {
      txnTimes.clear();
    }
    txnTimes.put(orderId, txnTime);
  }

  private static String describe(Throwable e) {
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
