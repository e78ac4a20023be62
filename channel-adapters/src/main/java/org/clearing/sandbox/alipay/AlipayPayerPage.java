package org.clearing.sandbox.alipay;

import static org.clearing.sandbox.SandboxPages.escape;

import org.clearing.sandbox.alipay.AlipayTradeBook.Leg;
import org.clearing.sandbox.alipay.AlipayTradeBook.Trade;

/**
 * The sandbox's stand-in for the Alipay cashier: plain HTML showing the amount and each settle leg,
 * with exactly one {@code <form method="post">} whose submission pays. No JavaScript, so a script
 * that submits the form can pay as a browser does. Everything shown is escaped.
 */
final class AlipayPayerPage {

  private AlipayPayerPage() {}

  static String cashier(Trade trade) {
    StringBuilder legs = new StringBuilder();
    for (Leg leg : trade.legs) {
      legs.append("<tr><td class=\"receiver\">").append(escape(leg.transIn()))
          .append("</td><td class=\"amount\">").append(leg.amount().toYuanString())
          .append("</td></tr>\n");
    }
    return page("支付宝收银台 (sandbox)",
        "<h1>" + escape(trade.subject) + "</h1>\n"
        + "<p>订单号 <span id=\"out_trade_no\">" + escape(trade.outTradeNo) + "</span></p>\n"
        + "<p>应付金额 <span id=\"total_amount\">" + trade.total.toYuanString() + "</span> 元</p>\n"
        + "<table id=\"settle\"><tr><th>收款方</th><th>金额（元）</th></tr>\n" + legs + "</table>\n"
        + "<form method=\"post\" action=\"/sandbox/qr/" + escape(trade.pageToken) + "\">\n"
        + "<label>付款账号 <input name=\"payer\" value=\"\"></label>\n"
        + "<button type=\"submit\">确认付款</button>\n</form>\n");
  }

  static String paid(Trade trade) {
    String back = trade.returnUrl.isEmpty() ? ""
        : "<p><a id=\"return\" href=\"" + escape(trade.returnUrl) + "\">返回商户</a></p>\n";
    return page("支付成功 (sandbox)",
        "<h1>paid</h1>\n<p>支付宝交易号 <span id=\"trade_no\">" + escape(trade.tradeNo)
        + "</span></p>\n<p>金额 " + trade.total.toYuanString() + " 元</p>\n" + back);
  }

  static String error(String code, String message) {
    return page("错误 (sandbox)", "<h1>" + escape(code) + "</h1>\n<p>" + escape(message) + "</p>\n");
  }

  private static String page(String title, String body) {
    return "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>"
        + escape(title) + "</title></head>\n<body>\n" + body + "</body></html>\n";
  }
}
