package org.clearing.order;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.clearing.channel.Money;
import org.clearing.routing.ItemKind;

/**
 * A syntactically valid order request, before routing. Per-case codes may be empty: the tax
 * voucher number and the payment code are often issued after the order is created.
 */
public record NewOrder(
    String caseNo,
    String region,
    String payerName,
    String payerIdNo,
    List<NewLine> lines,
    long expiresInS) {

  /** The default time an applicant has to pay, one day; registration counters close daily. */
  public static final long EXPIRES_IN_S_DEFAULT = 86_400;
  public static final long EXPIRES_IN_S_MIN = 60;
  public static final long EXPIRES_IN_S_MAX = 30L * 86_400;
  public static final int LINES_MAX = 50;
  /** ¥1,000,000,000.00 per line: far beyond any real case, far below overflow. */
  public static final long LINE_AMOUNT_FEN_MAX = 100_000_000_000L;
  /** The same bound holds for the order total. */
  public static final long TOTAL_FEN_MAX = 100_000_000_000L;

  /** One requested line. */
  public record NewLine(
      ItemKind kind, Money amount, String taxOfficeCode, String taxVoucherNo, String paymentCode) {}

  public NewOrder {
    lines = List.copyOf(lines);
  }

  /**
   * The request's meaning as bytes, so that a replay with the same idempotency key can be told
   * apart from a different request under the same key, whatever the JSON whitespace or key order.
   * Each field is length-prefixed so no two requests share a form by concatenation. It holds the
   * payer's ID number in clear: it is only ever hashed under a secret key
   * ({@link RequestFingerprints}), never stored.
   */
  byte[] canonicalForm() {
    StringBuilder text = new StringBuilder();
    field(text, caseNo);
    field(text, region);
    field(text, payerName);
    field(text, payerIdNo);
    field(text, Long.toString(expiresInS));
    for (NewLine line : lines) {
      field(text, line.kind().name());
      field(text, Long.toString(line.amount().fen()));
      field(text, line.taxOfficeCode());
      field(text, line.taxVoucherNo());
      field(text, line.paymentCode());
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void field(StringBuilder text, String value) {
    String safe = value == null ? "" : value;
    text.append(value == null ? -1 : safe.length()).append(':').append(safe).append(';');
  }
}
