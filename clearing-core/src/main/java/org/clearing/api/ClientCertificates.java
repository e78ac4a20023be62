package org.clearing.api;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.clearing.http.Problem;

/**
 * With {@code --tls-client-ca}, an API request must come over a connection whose client presented
 * a certificate. The handshake asks for one and fails on any certificate the client CA did not
 * issue, so a certificate present here is one the CA issued. Checked before the body is read: a
 * client without one is refused without the engine buffering its body.
 */
final class ClientCertificates {

  private ClientCertificates() {}

  static Handler<RoutingContext> required() {
    return ctx -> {
      if (presented(ctx.request())) {
        ctx.next();
        return;
      }
      // Refused unread: Security.refuse closes an HTTP/1.x connection whose body was not read.
      Security.refuse(ctx, Problem.of(401, "client-certificate-required", "The API needs a client certificate",
          "connect with a TLS client certificate issued by the engine's API client CA"));
    };
  }

  private static boolean presented(HttpServerRequest request) {
    if (!request.isSSL()) {
      return false;
    }
    try {
      var chain = request.connection().peerCertificates();
      return chain != null && !chain.isEmpty();
    } catch (SSLPeerUnverifiedException none) {
      return false;
    }
  }
}
