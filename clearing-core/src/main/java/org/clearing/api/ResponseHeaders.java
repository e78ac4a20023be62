package org.clearing.api;

import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import org.clearing.qr.ApplicantPage;

/**
 * The security headers of every response, set in one place as the headers are written, whatever
 * route (or failure) answered: every response {@code nosniff}; every HTML page a policy without
 * script that no site may frame, and no referrer (its URL holds the QR token); every API answer
 * {@code no-store}, so no cache keeps payer data or signed documents. The consoles' pages get a
 * policy of their own (scripts from the engine only) and are never stored either.
 */
final class ResponseHeaders {

  private ResponseHeaders() {}

  /**
   * The consoles' pages: scripts, styles and requests from the engine only, with no inline script
   * or style at all (each asset also carries its integrity hash), forms posted back to the engine.
   */
  static final String CONSOLE_CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self';"
      + " style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self';"
      + " frame-ancestors 'none'; base-uri 'none'";

  static void add(RoutingContext ctx) {
    boolean api = ctx.request().path().startsWith("/api/");
    boolean console = ctx.request().path().equals("/console") || ctx.request().path().startsWith("/console/");
    ctx.addHeadersEndHandler(v -> {
      MultiMap headers = ctx.response().headers();
      headers.set("X-Content-Type-Options", "nosniff");
      String contentType = headers.get("Content-Type");
      if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/html")) {
        headers.set("Content-Security-Policy",
            console ? CONSOLE_CONTENT_SECURITY_POLICY : ApplicantPage.CONTENT_SECURITY_POLICY);
        headers.set("X-Frame-Options", "DENY");
        headers.set("Referrer-Policy", "no-referrer");
      }
      if (api || (console && !headers.contains("Cache-Control"))) {
        headers.set("Cache-Control", "no-store");
      }
    });
    ctx.next();
  }
}
