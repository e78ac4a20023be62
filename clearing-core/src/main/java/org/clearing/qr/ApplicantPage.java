package org.clearing.qr;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.clearing.order.Order;
import org.clearing.order.OrderLine;
import org.clearing.order.OrderStatus;
import org.clearing.routing.PayeeAccount;
import org.clearing.routing.RoutingTable;

/**
 * The page behind the QR code: what the applicant owes, item by item, who receives each item, and
 * the total in yuan. Plain HTML that reads on a phone without scripts.
 */
public final class ApplicantPage {

  private static final DateTimeFormatter BEIJING_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.ofHours(8));

  /** The pages' only style sheet, inline; the policy below allows exactly this text by its hash. */
  private static final String STYLE =
      "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:36em;padding:1em;color:#222}"
      + "h1{font-size:1.3em}small{color:#666;font-weight:normal}"
      + "table{width:100%;border-collapse:collapse}td,th{padding:.5em .3em;border-bottom:1px solid #ddd;"
      + "text-align:left;vertical-align:top}.amount{text-align:right;white-space:nowrap}"
      + "tfoot th{font-size:1.15em}.status{margin-top:1em;padding:.7em;background:#f3f6fa;border-radius:.4em}"
      + ".notice{color:#a40}ul.pay{list-style:none;padding:0}ul.pay a{display:block;margin:.5em 0;"
      + "padding:.8em;border:1px solid #ccd;border-radius:.4em;text-decoration:none;text-align:center}";

  /**
   * The Content-Security-Policy of every page the engine serves: no script at all (the pages need
   * none), the one style sheet above, images from the engine only, no framing by anyone.
   */
  public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'sha256-"
      + sha256Base64(STYLE) + "'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private ApplicantPage() {}

  /** A way to pay offered on the page: a label and the link that starts it. */
  public record PayOption(String label, String href) {}

  public static String render(Order order, RoutingTable routing) {
    return render(order, routing, java.util.List.of(), "");
  }

  /**
   * The page with payment options (offered only while the order is open) and an optional
   * notice, e.g. that a channel is unavailable right now.
   */
  public static String render(Order order, RoutingTable routing, java.util.List<PayOption> options,
      String notice) {
    StringBuilder rows = new StringBuilder();
    for (OrderLine line : order.lines()) {
      String payee = routing.account(line.payeeAccountId()).map(PayeeAccount::name)
          .orElse(line.payeeAccountId());
      rows.append("<tr><td>").append(Html.escape(line.kind().chineseName()))
          .append("<br><small>").append(Html.escape(line.kind().englishName())).append("</small></td>")
          .append("<td>").append(Html.escape(payee)).append("</td>")
          .append("<td class=\"amount\">¥").append(line.amount().toYuanString()).append("</td></tr>\n");
    }
    return head("缴款 Payment " + order.orderNo())
        + "<h1>不动产登记税费缴纳<br><small>Real-estate registration taxes and fees</small></h1>\n"
        + "<p>案件 Case: <b>" + Html.escape(order.caseNo()) + "</b><br>"
        + "地区 Region: " + Html.escape(routing.regionName(order.region())) + "<br>"
        + "缴款人 Payer: " + Html.escape(maskedName(order.payerName())) + "<br>"
        + "缴款单 Order: " + Html.escape(order.orderNo()) + "</p>\n"
        + "<table><thead><tr><th>项目 Item</th><th>收款方 Received by</th><th>金额 Amount</th></tr></thead>\n"
        + "<tbody>\n" + rows + "</tbody>\n"
        + "<tfoot><tr><th colspan=\"2\">合计 Total</th><th class=\"amount\">¥"
        + order.total().toYuanString() + "</th></tr></tfoot></table>\n"
        + statusNote(order)
        + (notice.isEmpty() ? "" : "<p class=\"notice\">" + Html.escape(notice) + "</p>\n")
        + (order.status() == OrderStatus.OPEN ? options(options) : "")
        + "</body></html>\n";
  }

  private static String options(java.util.List<PayOption> options) {
    if (options.isEmpty()) {
      return "";
    }
    StringBuilder html = new StringBuilder("<h2>选择支付方式 Choose how to pay</h2>\n<ul class=\"pay\">\n");
    for (PayOption option : options) {
      html.append("<li><a href=\"").append(Html.escape(option.href())).append("\">")
          .append(Html.escape(option.label())).append("</a></li>\n");
    }
    return html.append("</ul>\n").toString();
  }

  private static String statusNote(Order order) {
    OrderStatus status = order.status();
    String text = switch (status) {
      case OPEN -> "请在 " + BEIJING_TIME.format(order.expiresAt())
          + " 前一次付清。 Please pay the total in one payment before "
          + BEIJING_TIME.format(order.expiresAt()) + " (Beijing time).";
      case PAID, SETTLED, COMPLETE -> "已缴款，无需再付。 Paid: nothing more to pay.";
      case EXPIRED -> "缴款单已过期，请联系登记窗口。 This bill has expired; please ask the registration counter.";
      case CANCELLED -> "缴款单已撤销。 This bill was cancelled.";
      case REFUNDING -> "退款处理中，款项将原路退回。 Your payment is being returned to you the way you paid.";
      case REFUNDED -> "已退款。 This payment has been returned.";
      case EXCEPTION -> "缴款待人工核查，请勿重复付款。 Under review; please do not pay again.";
    };
    return "<p class=\"status status-" + status.name().toLowerCase(java.util.Locale.ROOT) + "\">"
        + Html.escape(text) + "</p>\n";
  }

  /** The page for a token that names no order. */
  public static String notFound() {
    return head("未找到 Not found")
        + "<h1>未找到缴款单<br><small>No such payment</small></h1>\n"
        + "<p>二维码无效或已失效。 This QR code is not valid.</p></body></html>\n";
  }

  static String head(String title) {
    return "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>" + Html.escape(title) + "</title><style>" + STYLE + "</style></head><body>\n";
  }

  /**
   * The payer's name as the public page shows it: the first character, then one {@code *} for
   * each other one (张三 → 张*, 欧阳娜娜 → 欧***). Anyone holding the QR code or its link sees the
   * page, so it confirms a name the payer knows without disclosing it to others.
   */
  public static String maskedName(String name) {
    int[] codePoints = name.codePoints().toArray();
    if (codePoints.length <= 1) {
      return "*";
    }
    return new String(codePoints, 0, 1) + "*".repeat(codePoints.length - 1);
  }

  private static String sha256Base64(String text) {
    try {
      return java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
