package org.clearing.channel.unionpay;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The merchant's signed requests to UnionPay 全渠道, version 5.1.0 (UnionPay's documentation): the field
 * maps the adapter POSTs form-encoded, or renders as an auto-posting HTML form for the browser
 * gateway. {@code txnTime} is always "now" in Beijing time from the injected clock, because
 * UnionPay refuses any other ("txnTime无效").
 */
public final class UnionPayRequests {

  /** {@code bizType} of QR consumes and their follow-ups (query, refund). */
  public static final String BIZ_TYPE_QR = "000000";

  /** {@code bizType} of the browser (WAP/gateway) consume and its follow-ups. */
  public static final String BIZ_TYPE_WAP = "000201";

  /** {@code accessType} of a merchant connected directly, not through an acquirer (§3.1). */
  public static final String ACCESS_TYPE_DIRECT = "0";
  /**
   * {@code accessType} of a merchant connected through an acquirer (收单机构接入): every request then
   * names the acquirer in {@code acqInsCode} (UnionPay's access specification).
   */
  public static final String ACCESS_TYPE_ACQUIRER = "1";
  /** An acquirer's institution code: 8 to 11 digits. */
  public static final Pattern ACQ_INS_CODE = Pattern.compile("[0-9]{8,11}");
  /** The split field's limit on receivers with {@code accSplitType=1} (§3.6). */
  public static final int SPLIT_RECEIVERS_MAX = 5;

  private static final Pattern ORDER_ID = Pattern.compile("[0-9A-Za-z]{8,40}");
  private static final Pattern SPLIT_MER_ID = Pattern.compile("[0-9A-Za-z]{15}");
  private static final Pattern MER_ID = Pattern.compile("[0-9A-Za-z]{15}");
  private static final int REQ_RESERVED_BYTES_MAX = 1024;
  private static final long AMOUNT_FEN_MAX = 999_999_999_999L; // 12 digits on the wire

  private final UnionPaySignatureProfile signer;
  private final String merId;
  private final String acqInsCode;
  private final Clock clock;

  /** One receiver of a split: a secondary merchant registered with UnionPay beforehand (§3.6). */
  public record SplitLeg(String accSplitMerId, long accSplitAmtFen) {
    public SplitLeg {
      Objects.requireNonNull(accSplitMerId, "accSplitMerId");
    }
  }

  /**
   * A consume order.
   *
   * @param frontUrl where the browser returns after paying; only for the WAP consume
   * @param payTimeout when an unpaid order expires (UnionPay has no close, §4); may be null
   * @param split the receivers, empty for no split
   * @param reqReserved echoed back in notifications and the bill; may be null
   */
  public record Consume(
      String orderId,
      long txnAmtFen,
      String backUrl,
      String frontUrl,
      Instant payTimeout,
      List<SplitLeg> split,
      String reqReserved) {

    public Consume {
      Objects.requireNonNull(orderId, "orderId");
      Objects.requireNonNull(backUrl, "backUrl");
      split = List.copyOf(split == null ? List.of() : split);
    }
  }

  public UnionPayRequests(UnionPaySignatureProfile signer, String merId, Clock clock) {
    this(signer, merId, "", clock);
  }

  /**
   * @param acqInsCode the acquirer the merchant is connected through, sent with {@code
   *     accessType=1} in every request; empty for a merchant connected directly
   */
  public UnionPayRequests(UnionPaySignatureProfile signer, String merId, String acqInsCode, Clock clock) {
    this.signer = Objects.requireNonNull(signer, "signer");
    if (merId == null || !MER_ID.matcher(merId).matches()) {
      throw new IllegalArgumentException("merId must be 15 alphanumeric characters");
    }
    this.merId = merId;
    this.acqInsCode = acqInsCode == null ? "" : acqInsCode;
    if (!this.acqInsCode.isEmpty() && !ACQ_INS_CODE.matcher(this.acqInsCode).matches()) {
      throw new IllegalArgumentException("acqInsCode must be 8 to 11 digits");
    }
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** {@code accessType}, followed by {@code /acqInsCode} for acquirer access: the payee's app. */
  public String access() {
    return acqInsCode.isEmpty() ? ACCESS_TYPE_DIRECT : ACCESS_TYPE_ACQUIRER + "/" + acqInsCode;
  }

  /** Apply for a QR code the payer scans ({@code 01/07/000000}); the answer has {@code qrCode}. */
  public Map<String, String> applyQrConsume(Consume order) {
    Map<String, String> fields = consume(order, "07", BIZ_TYPE_QR);
    return signer.sign(fields);
  }

  /** The browser gateway consume ({@code 01/01/000201}), to be posted by {@link #autoPostForm}. */
  public Map<String, String> frontConsume(Consume order) {
    if (order.frontUrl() == null || order.frontUrl().isEmpty()) {
      throw new IllegalArgumentException("a front consume needs a frontUrl");
    }
    Map<String, String> fields = consume(order, "01", BIZ_TYPE_WAP);
    fields.put("frontUrl", order.frontUrl());
    return signer.sign(fields);
  }

  /** Status query ({@code 00/00}) of an order by its orderId and the txnTime it was sent with. */
  public Map<String, String> query(String orderId, String origTxnTime, String bizType) {
    checkOrderId(orderId);
    UnionPayTime.parseTxnTime(origTxnTime);
    Map<String, String> fields = base("00", "00", bizType);
    fields.put("orderId", orderId);
    // The query names the original order by the txnTime it was sent with, not the current time.
    fields.put("txnTime", origTxnTime);
    return signer.sign(fields);
  }

  /**
   * A refund ({@code 04/00}) of part or all of a payment.
   *
   * @param refundOrderId the refund's own orderId (our refund number), same rules as an orderId
   * @param origQryId the payment's {@code queryId}
   */
  public Map<String, String> refund(
      String refundOrderId, String origQryId, long txnAmtFen, String backUrl, String bizType) {
    checkOrderId(refundOrderId);
    if (origQryId == null || !origQryId.matches("[0-9A-Za-z]{21}")) {
      throw new IllegalArgumentException("origQryId must be a 21-character queryId");
    }
    checkAmount(txnAmtFen);
    Map<String, String> fields = base("04", "00", bizType);
    fields.put("channelType", "07");
    fields.put("orderId", refundOrderId);
    fields.put("txnTime", UnionPayTime.txnTime(clock.instant()));
    fields.put("origQryId", origQryId);
    fields.put("txnAmt", Long.toString(txnAmtFen));
    fields.put("backUrl", Objects.requireNonNull(backUrl, "backUrl"));
    return signer.sign(fields);
  }

  /** The reconciliation file of a clearing day ({@code 76/01}, {@code settleDate} MMDD, §3.5). */
  public Map<String, String> fileTransfer(LocalDate settleDate) {
    Map<String, String> fields = base("76", "01", BIZ_TYPE_QR);
    fields.put("txnTime", UnionPayTime.txnTime(clock.instant()));
    fields.put("settleDate", settleDate.format(UnionPayTime.SETTLE_DATE));
    fields.put("fileType", "00");
    return signer.sign(fields);
  }

  /**
   * Checks UnionPay's orderId rule: 8 to 40 letters and digits, no {@code -} or {@code _}
   * (§3.1).
   *
   * @throws IllegalArgumentException when it is broken
   */
  public static void checkOrderId(String orderId) {
    if (orderId == null || !ORDER_ID.matcher(orderId).matches()) {
      throw new IllegalArgumentException("orderId must be 8-40 letters and digits: " + orderId);
    }
  }

  /**
   * The {@code accSplitData} value for a split by merchant list ({@code accSplitType=1}, §3.6):
   * {@code {"accSplitType":"1","accSplitMchts":[{"accSplitMerId":"…","accSplitAmt":"…"},…]}}.
   *
   * <p>Sent as plain JSON. One public project base64-encodes it first; which form the acquirer
   * expects is <b>unverified</b> (§3.6, §7), so this is the one place to change.
   *
   * @throws IllegalArgumentException unless there are 1 to {@value #SPLIT_RECEIVERS_MAX} distinct
   *     receivers with 15-character ids and positive amounts that sum to {@code txnAmtFen} exactly
   */
  public static String accSplitData(long txnAmtFen, List<SplitLeg> legs) {
    if (legs.isEmpty() || legs.size() > SPLIT_RECEIVERS_MAX) {
      throw new IllegalArgumentException(
          "a split needs 1 to " + SPLIT_RECEIVERS_MAX + " receivers, got " + legs.size());
    }
    long sumFen = 0;
    Set<String> seen = new HashSet<>();
    StringBuilder json = new StringBuilder("{\"accSplitType\":\"1\",\"accSplitMchts\":[");
    for (SplitLeg leg : legs) {
      if (!SPLIT_MER_ID.matcher(leg.accSplitMerId()).matches()) {
        throw new IllegalArgumentException("accSplitMerId must be 15 letters and digits");
      }
      if (!seen.add(leg.accSplitMerId())) {
        throw new IllegalArgumentException("receiver named twice: " + leg.accSplitMerId());
      }
      checkAmount(leg.accSplitAmtFen());
      sumFen = Math.addExact(sumFen, leg.accSplitAmtFen());
      if (seen.size() > 1) {
        json.append(',');
      }
      // Ids are letters and digits and amounts are digits, so nothing needs JSON escaping.
      json.append("{\"accSplitMerId\":\"").append(leg.accSplitMerId())
          .append("\",\"accSplitAmt\":\"").append(leg.accSplitAmtFen()).append("\"}");
    }
    if (sumFen != txnAmtFen) {
      throw new IllegalArgumentException(
          "split legs sum to " + sumFen + " fen, the order is " + txnAmtFen + " fen");
    }
    return json.append("]}").toString();
  }

  /**
   * A minimal HTML page that posts {@code fields} to {@code actionUrl} as soon as it loads (the
   * browser gateway's way, §3.1), with a button for browsers without JavaScript. Every name and
   * value is HTML-escaped.
   */
  public static String autoPostForm(String actionUrl, Map<String, String> fields) {
    StringBuilder html =
        new StringBuilder(
            "<!DOCTYPE html>\n<html><head><meta charset=\"UTF-8\"><title>UnionPay</title></head>\n"
                + "<body onload=\"document.forms[0].submit()\">\n<form method=\"post\" action=\"")
            .append(escapeHtml(actionUrl))
            .append("\">\n");
    for (Map.Entry<String, String> field : new TreeMap<>(fields).entrySet()) {
      html.append("<input type=\"hidden\" name=\"")
          .append(escapeHtml(field.getKey()))
          .append("\" value=\"")
          .append(escapeHtml(field.getValue()))
          .append("\">\n");
    }
    return html.append("<noscript><button type=\"submit\">继续付款</button></noscript>\n")
        .append("</form>\n</body></html>\n")
        .toString();
  }

  static String escapeHtml(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        // Newlines as references so that no parser normalizes them inside the attribute.
        case '\r' -> out.append("&#13;");
        case '\n' -> out.append("&#10;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private Map<String, String> consume(Consume order, String txnSubType, String bizType) {
    checkOrderId(order.orderId());
    checkAmount(order.txnAmtFen());
    Map<String, String> fields = base("01", txnSubType, bizType);
    fields.put("channelType", "08");
    fields.put("orderId", order.orderId());
    fields.put("txnTime", UnionPayTime.txnTime(clock.instant()));
    fields.put("txnAmt", Long.toString(order.txnAmtFen()));
    fields.put("currencyCode", "156");
    fields.put("backUrl", order.backUrl());
    if (order.payTimeout() != null) {
      fields.put("payTimeout", UnionPayTime.txnTime(order.payTimeout()));
    }
    if (!order.split().isEmpty()) {
      fields.put("accSplitData", accSplitData(order.txnAmtFen(), order.split()));
    }
    if (order.reqReserved() != null && !order.reqReserved().isEmpty()) {
      fields.put("reqReserved", checkReqReserved(order.reqReserved()));
    }
    return fields;
  }

  private Map<String, String> base(String txnType, String txnSubType, String bizType) {
    if (!BIZ_TYPE_QR.equals(bizType) && !BIZ_TYPE_WAP.equals(bizType)) {
      throw new IllegalArgumentException("bizType must be 000000 or 000201");
    }
    Map<String, String> fields = new TreeMap<>();
    fields.put("version", UnionPayVerifier.VERSION);
    fields.put("encoding", "UTF-8");
    fields.put("signMethod", signer.signMethod());
    fields.put("txnType", txnType);
    fields.put("txnSubType", txnSubType);
    fields.put("bizType", bizType);
    // Every request, the file transfer included, says how the merchant is connected: an acquirer's
    // merchant is refused without its acquirer's code.
    fields.put("accessType", acqInsCode.isEmpty() ? ACCESS_TYPE_DIRECT : ACCESS_TYPE_ACQUIRER);
    if (!acqInsCode.isEmpty()) {
      fields.put("acqInsCode", acqInsCode);
    }
    fields.put("merId", merId);
    return fields;
  }

  /**
   * UnionPay echoes {@code reqReserved} in notifications, queries and the bill, but only up to
   * 1024 bytes and without {@code &={}[]}, which break its own form and JSON handling (§3.1).
   */
  private static String checkReqReserved(String reqReserved) {
    int bytes = reqReserved.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (bytes > REQ_RESERVED_BYTES_MAX
        || reqReserved.chars().anyMatch(c -> "&={}[]".indexOf(c) >= 0)) {
      throw new IllegalArgumentException("reqReserved must be at most 1024 bytes without &={}[]");
    }
    return reqReserved;
  }

  private static void checkAmount(long amountFen) {
    if (amountFen <= 0 || amountFen > AMOUNT_FEN_MAX) {
      throw new IllegalArgumentException("amount must be 1 to " + AMOUNT_FEN_MAX + " fen");
    }
  }
}
