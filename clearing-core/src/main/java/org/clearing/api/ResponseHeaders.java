package org.clearing.api;

import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import org.clearing.qr.ApplicantPage;

/**
 * The security headers of every response, set in one place as the headers are written, whatever
 * route (or failure) answered: every response {@code nosniff}; every HTML page a policy without
 * script that no site may frame, and no referrer (its URL holds the QR token); every API answer
 * {@code no-store}, so no cache keeps payer data or signed documents.
 */
final class ResponseHeaders {

  private ResponseHeaders() {}

  static void add(RoutingContext ctx) {
    boolean api = ctx.request().path().startsWith("/api/");
    ctx.addHeadersEndHandler(v -> {
      MultiMap headers = ctx.response().headers();
      headers.set("X-Content-Type-Options", "nosniff");
      String contentType = headers.get("Content-Type");
      if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/html")) {
        headers.set("Content-Security-Policy", ApplicantPage.CONTENT_SECURITY_POLICY);
        headers.set("X-Frame-Options", "DENY");
        headers.set("Referrer-Policy", "no-referrer");
      }
      if (api) {
        headers.set("Cache-Control", "no-store");
      }
    });
    ctx.next();
  }
}
