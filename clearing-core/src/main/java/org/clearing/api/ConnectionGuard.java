package org.clearing.api;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;
import org.clearing.http.Problem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guards that sit below the routes, one per API verticle (so its state is confined to that
 * verticle's event loop):
 *
 * <ul>
 *   <li>A connection must complete a request's headers within {@value #HEADERS_TIMEOUT_MS} ms of
 *       opening, or of its previous answer; otherwise it is closed. Vert.x has no header-read
 *       timeout and its idle timeout is reset by every byte, so a client trickling one byte every
 *       few seconds could hold a connection (and its memory) for ever.
 *   <li>A request with both {@code Content-Length} and {@code Transfer-Encoding} is refused (400)
 *       and its connection closed: the two framings disagree about where the body ends, the
 *       root of request smuggling behind a proxy that picks the other one (RFC 9112 §6.1). Netty
 *       silently drops the {@code Content-Length}, so the decoder is swapped for one that keeps
 *       both headers where the route can see them.
 * </ul>
 */
final class ConnectionGuard {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
  /** Ten seconds is ample for any real client on any real network to send a few hundred bytes. */
  static final long HEADERS_TIMEOUT_MS = 10_000;
  private static final String DECODER = "httpDecoder";

  private final Vertx vertx;
  private final HttpServerOptions options;
  private final Map<HttpConnection, Waiting> connections = new HashMap<>();

  /** A connection's requests in flight and the timer that runs while it has none. */
  private static final class Waiting {
    int inFlight;
    long timerId = -1;
  }

  ConnectionGuard(Vertx vertx, HttpServerOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  /** For {@code HttpServer.connectionHandler}: called on the event loop as a connection opens. */
  void opened(HttpConnection connection) {
    keepBothFramings(connection);
    Waiting waiting = new Waiting();
    connections.put(connection, waiting);
    awaitHeaders(connection, waiting);
    connection.closeHandler(closed -> {
      Waiting gone = connections.remove(connection);
      if (gone != null && gone.timerId >= 0) {
        vertx.cancelTimer(gone.timerId);
      }
    });
  }

  /** The router's first handler: every request has completed its headers by now. */
  Handler<RoutingContext> requests() {
    return ctx -> {
      HttpServerRequest request = ctx.request();
      HttpConnection connection = request.connection();
      Waiting waiting = connections.get(connection);
      if (waiting != null) {
        waiting.inFlight++;
        if (waiting.timerId >= 0) {
          vertx.cancelTimer(waiting.timerId);
          waiting.timerId = -1;
        }
        ctx.addEndHandler(ended -> {
          waiting.inFlight--;
          if (waiting.inFlight == 0 && connections.get(connection) == waiting) {
            awaitHeaders(connection, waiting);
          }
        });
      }
      if (request.headers().contains(HttpHeaders.CONTENT_LENGTH)
          && request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
        request.pause();
        Security.refuse(ctx, Problem.of(400, "ambiguous-framing", "The request's body framing is ambiguous",
            "a request may carry Content-Length or Transfer-Encoding, not both"), true);
        return;
      }
      ctx.next();
    };
  }

  private void awaitHeaders(HttpConnection connection, Waiting waiting) {
    waiting.timerId = vertx.setTimer(HEADERS_TIMEOUT_MS, fired -> {
      waiting.timerId = -1;
      if (waiting.inFlight == 0) {
        LOG.info("event=connection.headers_timeout remote={} timeout_ms={}", connection.remoteAddress(),
            HEADERS_TIMEOUT_MS);
        connection.close();
      }
    });
  }

  /** Swaps Vert.x's HTTP/1.x decoder for one that keeps {@code Content-Length} beside chunking. */
  private void keepBothFramings(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      return;
    }
    ChannelPipeline pipeline = base.channel().pipeline();
    if (pipeline.get(DECODER) instanceof VertxHttpRequestDecoder
        && !(pipeline.get(DECODER) instanceof BothFramingsDecoder)) {
      pipeline.replace(DECODER, DECODER, new BothFramingsDecoder(options));
    }
  }

  /**
   * Vert.x's decoder, except that a chunked request keeps its {@code Content-Length} header; the
   * body is still read as chunked, and the request is refused before any of it is used.
   */
  private static final class BothFramingsDecoder extends VertxHttpRequestDecoder {
    BothFramingsDecoder(HttpServerOptions options) {
      super(options);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      // Kept on purpose: ConnectionGuard.requests() refuses the request with both headers.
    }
  }
}
