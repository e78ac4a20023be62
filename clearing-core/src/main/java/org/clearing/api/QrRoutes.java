package org.clearing.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;
import org.clearing.order.Order;
import org.clearing.qr.ApplicantPage;
import org.clearing.qr.QrCodes;

/**
 * The QR images. These are public: the 128-bit token in the URL is the only key, and it names
 * one order. The page the QR code opens is the cashier's.
 */
final class QrRoutes {

  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{22}");

  private final ApiContext context;

  QrRoutes(ApiContext context) {
    this.context = context;
  }

  void png(RoutingContext ctx) {
    withOrder(ctx, order -> {
      String url = qrUrl(order);
      context.qrPool().executeBlocking(() -> QrCodes.png(url), false)
          .onSuccess(bytes -> ctx.response()
              .putHeader("Content-Type", "image/png")
              .putHeader("Cache-Control", "private, max-age=3600")
              .end(Buffer.buffer(bytes)))
          .onFailure(ctx::fail);
    });
  }

  void svg(RoutingContext ctx) {
    withOrder(ctx, order -> {
      String url = qrUrl(order);
      context.qrPool().executeBlocking(() -> QrCodes.svg(url), false)
          .onSuccess(svg -> ctx.response()
              .putHeader("Content-Type", "image/svg+xml")
              .putHeader("Cache-Control", "private, max-age=3600")
              .end(svg))
          .onFailure(ctx::fail);
    });
  }

  private String qrUrl(Order order) {
    return context.publicBaseUrl() + "/q/" + order.qrToken();
  }

  private void withOrder(RoutingContext ctx, java.util.function.Consumer<Order> action) {
    String token = ctx.pathParam("token");
    if (!TOKEN.matcher(token).matches()) {
      html(ctx, 404, ApplicantPage.notFound());
      return;
    }
    context.orders().findByQrToken(token).onSuccess(found -> {
      if (found.isEmpty()) {
        html(ctx, 404, ApplicantPage.notFound());
      } else {
        action.accept(found.get().order());
      }
    }).onFailure(ctx::fail);
  }

  private static void html(RoutingContext ctx, int status, String page) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end(page);
  }
}
