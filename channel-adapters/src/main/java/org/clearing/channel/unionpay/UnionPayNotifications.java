package org.clearing.channel.unionpay;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.clearing.channel.Notification;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.PaymentNotification;
import org.clearing.channel.Rejection;
import org.clearing.channel.RefundNotification;

/**
 * The merchant side's reading of UnionPay's backUrl notifications (UnionPay's documentation): verify
 * first, then map a consume ({@code txnType=01}) to a {@link PaymentNotification} and a refund
 * ({@code txnType=04}) to a {@link RefundNotification}; anything untrusted or unreadable becomes
 * a {@link Rejection}.
 *
 * <p>Acknowledge a booked (or duplicate) notification with HTTP {@value #ACK_STATUS}; UnionPay
 * ignores the body, the demo sends {@value #ACK_BODY}. Any other status is a failure and UnionPay
 * resends (§3.4). UnionPay advises confirming money movements with a query before booking (§3.2);
 * that is the engine's decision, not this parser's.
 */
public final class UnionPayNotifications {

  public static final int ACK_STATUS = 200;
  public static final String ACK_BODY = "ok";

  /** A form larger than this is not a UnionPay notification (a certificate is about 2 KB). */
  public static final int FORM_BYTES_MAX = 64 * 1024;

  private final UnionPayVerifier verifier;

  public UnionPayNotifications(UnionPayVerifier verifier) {
    this.verifier = Objects.requireNonNull(verifier, "verifier");
  }

  /** Decodes, verifies and maps a raw {@code application/x-www-form-urlencoded} body. */
  public Notification parse(byte[] body) {
    Map<String, String> form;
    try {
      form = decodeForm(body);
    } catch (IllegalArgumentException e) {
      return rejection(Rejection.Reason.MALFORMED, e.getMessage());
    }
    return parse(form);
  }

  /** Verifies and maps an already decoded form. */
  public Notification parse(Map<String, String> form) {
    UnionPayVerification verification = verifier.verify(form);
    if (!verification.isOk()) {
      return verification.toRejection();
    }
    try {
      return switch (Objects.requireNonNullElse(form.get("txnType"), "")) {
        case "01" -> payment(form);
        case "04" -> refund(form);
        default -> rejection(Rejection.Reason.MALFORMED, "unsupported txnType");
      };
    } catch (IllegalArgumentException e) {
      return rejection(Rejection.Reason.MALFORMED, e.getMessage());
    }
  }

  /** Encodes fields as a UTF-8 form body, the way UnionPay's requests and answers travel. */
  public static String encodeForm(Map<String, String> fields) {
    return fields.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
            + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  /**
   * Decodes a form body as UTF-8 ({@code +} is a space). A repeated key is refused: two values
   * for one signed field make the message ambiguous.
   *
   * @throws IllegalArgumentException for an oversized body, bad percent-escapes or repeated keys
   */
  public static Map<String, String> decodeForm(byte[] body) {
    return decodeForm(body, FORM_BYTES_MAX);
  }

  /**
   * The same for a form of up to {@code maxBytes}: an API answer may be far larger than a
   * notification (a file-transfer answer carries the whole day's bill, UnionPay's documentation).
   */
  public static Map<String, String> decodeForm(byte[] body, int maxBytes) {
    if (body.length > maxBytes) {
      throw new IllegalArgumentException("form larger than " + maxBytes + " bytes");
    }
    Map<String, String> form = new TreeMap<>();
    String text = new String(body, StandardCharsets.UTF_8);
    for (String pair : text.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String key = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      if (form.put(key, value) != null) {
        throw new IllegalArgumentException("repeated form field " + key);
      }
    }
    return form;
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  private static PaymentNotification payment(Map<String, String> form) {
    String respCode = required(form, "respCode");
    String queryId = required(form, "queryId");
    // A6 is "partial success": the money moved, so it is booked as paid (§3.2).
    boolean successful = respCode.equals("00") || respCode.equals("A6");
    return new PaymentNotification(
        Channel.UNIONPAY,
        queryId,
        required(form, "orderId"),
        queryId,
        amount(form, "txnAmt"),
        currency(form),
        successful,
        // txnTime is when the merchant sent the order, not when the payer paid, but it is the
        // only complete timestamp: traceTime (MMddHHmmss) and settleDate (MMdd) lack the year.
        UnionPayTime.parseTxnTime(required(form, "txnTime")),
        maskAccount(form.getOrDefault("accNo", "")),
        payee(form));
  }

  private static RefundNotification refund(Map<String, String> form) {
    String queryId = required(form, "queryId");
    Instant occurredAt = UnionPayTime.parseTxnTime(required(form, "txnTime"));
    return new RefundNotification(
        Channel.UNIONPAY,
        queryId,
        // The refund notification names the original payment only by origQryId; our original
        // orderId is not in it, so the engine resolves the order by transactionId.
        "",
        required(form, "origQryId"),
        required(form, "orderId"),
        queryId,
        amount(form, "txnAmt"),
        refundStatus(required(form, "respCode")),
        occurredAt,
        payee(form));
  }

  /**
   * Who a message says was paid: {@code merId}; the access as {@code accessType}, followed by
   * {@code /acqInsCode} when an acquirer is named (acquirer access, §3.1); {@code subMerId}; and
   * the {@code accSplitData} receivers when the message carries the split.
   *
   * @throws IllegalArgumentException when {@code merId} is missing or the split cannot be read
   */
  static PayeeIdentity payee(Map<String, String> form) {
    String access = form.getOrDefault("accessType", "");
    String acquirer = form.getOrDefault("acqInsCode", "");
    return new PayeeIdentity(required(form, "merId"),
        acquirer.isEmpty() ? access : access + "/" + acquirer,
        form.getOrDefault("subMerId", ""),
        splitReceivers(form.getOrDefault("accSplitData", "")));
  }

  /**
   * The {@code accSplitMerId}s of an {@code accSplitData} value, read as plain JSON or, failing
   * that, as base64 of it (which of the two UnionPay sends back is unverified, §3.6).
   */
  static List<String> splitReceivers(String accSplitData) {
    if (accSplitData.isEmpty()) {
      return List.of();
    }
    JsonObject split;
    try {
      split = new JsonObject(accSplitData);
    } catch (RuntimeException plain) {
      try {
        split = new JsonObject(new String(Base64.getDecoder().decode(accSplitData), StandardCharsets.UTF_8));
      } catch (RuntimeException encoded) {
        throw new IllegalArgumentException("accSplitData is not readable");
      }
    }
    List<String> receivers = new ArrayList<>();
    try {
      for (Object mcht : split.getJsonArray("accSplitMchts", new JsonArray())) {
        String merId = ((JsonObject) mcht).getString("accSplitMerId", "");
        if (merId.isEmpty()) {
          throw new IllegalArgumentException("accSplitData names a receiver without accSplitMerId");
        }
        receivers.add(merId);
      }
    } catch (ClassCastException e) {
      throw new IllegalArgumentException("accSplitData is not a merchant list");
    }
    if (receivers.isEmpty()) {
      throw new IllegalArgumentException("accSplitData names no receiver");
    }
    return receivers;
  }

  /** 00/A6 done; 03/04/05 still in progress (as in query's origRespCode, §3.4); else failed. */
  private static RefundNotification.Status refundStatus(String respCode) {
    return switch (respCode) {
      case "00", "A6" -> RefundNotification.Status.SUCCEEDED;
      case "03", "04", "05" -> RefundNotification.Status.PROCESSING;
      default -> RefundNotification.Status.FAILED;
    };
  }

  static Money amount(Map<String, String> form, String key) {
    String text = required(form, key);
    if (!text.matches("[0-9]{1,12}")) {
      throw new IllegalArgumentException(key + " is not a fen amount");
    }
    return Money.ofFen(Long.parseLong(text));
  }

  private static String currency(Map<String, String> form) {
    String code = form.getOrDefault("currencyCode", "156");
    if (!code.equals("156")) {
      throw new IllegalArgumentException("unsupported currencyCode " + code);
    }
    return "CNY";
  }

  private static String required(Map<String, String> form, String key) {
    String value = form.get(key);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("missing " + key);
    }
    return value;
  }

  /**
   * A display-only card reference: the first 6 (the issuer's BIN) and last 4 digits of a card
   * number, only the last 4 of a shorter account. Anything else (an encrypted accNo, §3.2) is not
   * shown at all.
   */
  static String maskAccount(String accNo) {
    if (!accNo.matches("[0-9*]{8,19}")) {
      return "";
    }
    String last4 = accNo.substring(accNo.length() - 4);
    return accNo.length() >= 14 ? accNo.substring(0, 6) + "****" + last4 : "****" + last4;
  }

  private static Rejection rejection(Rejection.Reason reason, String detail) {
    return new Rejection(Channel.UNIONPAY, reason, detail);
  }
}
