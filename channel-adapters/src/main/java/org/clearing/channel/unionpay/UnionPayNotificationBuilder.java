package org.clearing.channel.unionpay;

import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.clearing.channel.unionpay.UnionPayCertificates.Issued;
import org.clearing.channel.unionpay.UnionPayCertificates.Pki;
import org.clearing.crypto.Crypto;

/**
 * The channel side of backUrl notifications, for the sandbox: builds the consume and refund
 * forms of UnionPay's documentation and signs them as UnionPay does (its signing key, {@code certId} and
 * {@code signPubKeyCert}), optionally with a fault the merchant must catch.
 *
 * <p>{@code settleDate} is the calendar day in Beijing time; the real clearing-day cut-off is
 * unverified (§3.5), so the sandbox does not model it.
 */
public final class UnionPayNotificationBuilder {

  /** A deliberate defect in a notification, for failure tests. */
  public enum Fault {
    NONE,
    /** Signed by a key other than the attached certificate's: a bad signature. */
    FORGED_SIGNATURE,
    /** A well-formed UnionPay certificate issued by a root the merchant does not trust. */
    UNTRUSTED_CHAIN,
    /** A certificate under the trusted chain whose CN names another company. */
    WRONG_OWNER_CN
  }

  /** What the sandbox knows about the paid order when it notifies. */
  public record Consume(
      String merId,
      String orderId,
      String txnTime,
      long txnAmtFen,
      String bizType,
      String txnSubType,
      String accNo,
      String reqReserved) {

    public Consume {
      Objects.requireNonNull(merId, "merId");
      Objects.requireNonNull(orderId, "orderId");
      Objects.requireNonNull(txnTime, "txnTime");
      Objects.requireNonNull(bizType, "bizType");
      Objects.requireNonNull(txnSubType, "txnSubType");
    }
  }

  /** A refund's outcome; {@code orderId} is the refund request's own orderId. */
  public record Refund(
      String merId,
      String orderId,
      String origQryId,
      String txnTime,
      long txnAmtFen,
      String bizType,
      String respCode,
      String reqReserved) {

    public Refund {
      Objects.requireNonNull(merId, "merId");
      Objects.requireNonNull(orderId, "orderId");
      Objects.requireNonNull(origQryId, "origQryId");
      Objects.requireNonNull(txnTime, "txnTime");
      Objects.requireNonNull(bizType, "bizType");
      Objects.requireNonNull(respCode, "respCode");
    }
  }

  private static final DateTimeFormatter QUERY_ID_TIME =
      DateTimeFormatter.ofPattern("yyMMddHHmmss");
  private static final String ROGUE_OWNER_CN = "041@Z12@某某支付有限公司@00000001";

  private final Pki pki;
  private final Clock clock;
  private final UnionPayRsaProfile signer;
  /** The key of the forged-signature fault (a sandbox keeps one); null: one made on first use. */
  private final PrivateKey forgerKey;
  private UnionPayRsaProfile forged;
  private UnionPayRsaProfile untrusted;
  private UnionPayRsaProfile wrongOwner;
  /** The acquirer a merchant connected through one is named with; empty for direct access. */
  private volatile String acqInsCode = "";

  public UnionPayNotificationBuilder(Pki pki, Clock clock) {
    this(pki, clock, null);
  }

  /** @param forgerKey what {@link Fault#FORGED_SIGNATURE} signs with, or null for a key made on first use */
  public UnionPayNotificationBuilder(Pki pki, Clock clock, PrivateKey forgerKey) {
    this.pki = Objects.requireNonNull(pki, "pki");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.forgerKey = forgerKey;
    this.signer =
        UnionPayRsaProfile.forUnionPay(
            pki.unionPaySigning().keyPair().getPrivate(), pki.unionPaySigning().certificate());
  }

  /**
   * A new 21-digit {@code queryId}: the Beijing time to the second (yyMMddHHmmss) and 9 random
   * digits, like the real ones (e.g. {@code 951807261002324791038}, §3.2) in length only.
   */
  public static String newQueryId(Clock clock) {
    return UnionPayTime.beijingNow(clock).format(QUERY_ID_TIME) + digits(9);
  }

  /**
   * Names the acquirer in every notification from now on ({@code accessType=1} and {@code
   * acqInsCode}), as UnionPay does for a merchant connected through one; empty: direct access.
   */
  public UnionPayNotificationBuilder acquiredBy(String acqInsCode) {
    this.acqInsCode = acqInsCode == null ? "" : acqInsCode;
    return this;
  }

  /** Signs any UnionPay message (responses too) with the sandbox's UnionPay certificate. */
  public Map<String, String> sign(Map<String, String> fields) {
    return signer.sign(fields);
  }

  /** A successful consume notification ({@code respCode=00}) for the paid order. */
  public Map<String, String> consume(Consume order, String queryId, Fault fault) {
    Map<String, String> fields = common(order.merId(), order.orderId(), order.txnTime());
    fields.put("txnType", "01");
    fields.put("txnSubType", order.txnSubType());
    fields.put("bizType", order.bizType());
    fields.put("queryId", queryId);
    fields.put("respCode", "00");
    fields.put("respMsg", "成功[0000000]");
    putAmounts(fields, order.txnAmtFen());
    putIfPresent(fields, "accNo", order.accNo());
    putIfPresent(fields, "reqReserved", order.reqReserved());
    return signWith(fault, fields);
  }

  /** A refund notification with the refund's outcome in {@code respCode}. */
  public Map<String, String> refund(Refund refund, String queryId, Fault fault) {
    Map<String, String> fields = common(refund.merId(), refund.orderId(), refund.txnTime());
    fields.put("txnType", "04");
    fields.put("txnSubType", "00");
    fields.put("bizType", refund.bizType());
    fields.put("queryId", queryId);
    fields.put("origQryId", refund.origQryId());
    fields.put("respCode", refund.respCode());
    fields.put("respMsg", refund.respCode().equals("00") ? "成功[0000000]" : "失败");
    putAmounts(fields, refund.txnAmtFen());
    putIfPresent(fields, "reqReserved", refund.reqReserved());
    return signWith(fault, fields);
  }

  private Map<String, String> common(String merId, String orderId, String txnTime) {
    LocalDateTime now = UnionPayTime.beijingNow(clock);
    Map<String, String> fields = new TreeMap<>();
    fields.put("version", UnionPayVerifier.VERSION);
    fields.put("encoding", "UTF-8");
    String acquirer = acqInsCode;
    fields.put("accessType", acquirer.isEmpty() ? UnionPayRequests.ACCESS_TYPE_DIRECT
        : UnionPayRequests.ACCESS_TYPE_ACQUIRER);
    if (!acquirer.isEmpty()) {
      fields.put("acqInsCode", acquirer);
    }
    fields.put("merId", merId);
    fields.put("orderId", orderId);
    fields.put("txnTime", txnTime);
    fields.put("currencyCode", "156");
    fields.put("traceNo", digits(6));
    fields.put("traceTime", now.format(UnionPayTime.TRACE_TIME));
    fields.put("settleDate", now.format(UnionPayTime.SETTLE_DATE));
    return fields;
  }

  private static void putAmounts(Map<String, String> fields, long txnAmtFen) {
    if (txnAmtFen <= 0) {
      throw new IllegalArgumentException("txnAmt must be positive");
    }
    fields.put("txnAmt", Long.toString(txnAmtFen));
    fields.put("settleAmt", Long.toString(txnAmtFen));
    fields.put("settleCurrencyCode", "156");
  }

  private static void putIfPresent(Map<String, String> fields, String key, String value) {
    if (value != null && !value.isEmpty()) {
      fields.put(key, value);
    }
  }

  private Map<String, String> signWith(Fault fault, Map<String, String> fields) {
    return switch (fault) {
      case NONE -> signer.sign(fields);
      case FORGED_SIGNATURE -> forged().sign(fields);
      case UNTRUSTED_CHAIN -> untrusted().sign(fields);
      case WRONG_OWNER_CN -> wrongOwner().sign(fields);
    };
  }

  // The fault signers cost an RSA key generation or three, so they are made on first use only.

  private synchronized UnionPayRsaProfile forged() {
    if (forged == null) {
      PrivateKey stranger = forgerKey != null ? forgerKey : Crypto.generateRsa(2048).getPrivate();
      forged = UnionPayRsaProfile.forUnionPay(stranger, pki.unionPaySigning().certificate());
    }
    return forged;
  }

  private synchronized UnionPayRsaProfile untrusted() {
    if (untrusted == null) {
      String cn = UnionPayCertificates.commonName(pki.unionPaySigning().certificate());
      Issued signing = Pki.generate(clock, cn, "000000000000000").unionPaySigning();
      untrusted =
          UnionPayRsaProfile.forUnionPay(signing.keyPair().getPrivate(), signing.certificate());
    }
    return untrusted;
  }

  private synchronized UnionPayRsaProfile wrongOwner() {
    if (wrongOwner == null) {
      Issued signing =
          UnionPayCertificates.signing(
              pki.intermediate(),
              ROGUE_OWNER_CN,
              clock.instant().minus(Duration.ofDays(1)),
              Duration.ofDays(732));
      wrongOwner =
          UnionPayRsaProfile.forUnionPay(signing.keyPair().getPrivate(), signing.certificate());
    }
    return wrongOwner;
  }

  private static String digits(int count) {
    StringBuilder text = new StringBuilder(count);
    for (int i = 0; i < count; i++) {
      text.append((char) ('0' + Crypto.random().nextInt(10)));
    }
    return text.toString();
  }
}
