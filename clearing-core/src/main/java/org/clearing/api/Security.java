package org.clearing.api;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.RoutingContextInternal;
import java.util.Set;
import org.clearing.client.ApiClient;
import org.clearing.client.Authenticator;
import org.clearing.client.AuthorizationHeader;
import org.clearing.client.Role;
import org.clearing.http.Problem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Route handlers that authenticate signed requests and enforce roles, in an order that never
 * reads a body for a stranger: {@link #claim} checks the headers (client, timestamp, key scheme)
 * with the body left unread, the route's role handler ({@link #require}, {@link #requireAny},
 * {@link #signed}, {@link #requireUpload}) checks the claimed client's role, and only then is the
 * body read — bounded — and the signature over it verified, then the nonce. Every refusal before
 * the body was read closes the connection, so no more than a bounded rest of the unread body
 * is ever taken in (and dropped).
 */
final class Security {

  private static final Logger LOG = LoggerFactory.getLogger(Security.class);
  private static final String CLIENT_KEY = "clearing.client";
  private static final String CLAIM_KEY = "clearing.claim";
  /** Compiled once: {@code String.matches} compiles its pattern on every call. */
  private static final java.util.regex.Pattern DECIMAL_LENGTH = java.util.regex.Pattern.compile("[0-9]{1,18}");
  /** The most of a refused body taken in (and dropped) so its client can read the answer. */
  static final long LINGER_BYTES_MAX = 1024 * 1024;
  /** The longest a refused request's connection stays open for the rest of its body. */
  static final long LINGER_MS = 2_000;

  private Security() {}

  /** What {@link #claim} found, for the role handler that proves it. */
  private record Pending(Authenticator authenticator, Authenticator.Claim claim) {}

  /** First for every {@code /api/*} request: the header checks, with the body paused and unread. */
  static Handler<RoutingContext> claim(Authenticator authenticator) {
    return ctx -> {
      ctx.request().pause();
      authenticator.claim(ctx.request().getHeader("Authorization"))
          .onSuccess(result -> {
            if (result instanceof Authenticator.Claimed claimed) {
              ctx.put(CLAIM_KEY, new Pending(authenticator, claimed.claim()));
              ctx.next();
            } else {
              unauthenticated(ctx, ((Authenticator.Denied) result).reason());
            }
          })
          .onFailure(ctx::fail);
    };
  }

  static Handler<RoutingContext> require(Role role) {
    return ctx -> {
      ApiClient claimed = claimed(ctx);
      if (claimed.role() == role) {
        proveSmall(ctx);
      } else {
        refuse(ctx, Problem.of(403, "forbidden", "This client's role may not use this endpoint",
            "client " + claimed.clientId() + " has role " + claimed.role().code()
                + "; this endpoint is for role " + role.code()));
      }
    };
  }

  static Handler<RoutingContext> requireAny(Role... roles) {
    Set<Role> allowed = Set.of(roles);
    return ctx -> {
      if (roleAllowed(ctx, allowed)) {
        proveSmall(ctx);
      }
    };
  }

  /** For endpoints every role may use: the signature is still proved before the handler runs. */
  static Handler<RoutingContext> signed() {
    return Security::proveSmall;
  }

  /**
   * For the one endpoint with a large body (a bill): the role is checked from the headers, then
   * the body streams to a temporary file through {@link Uploads} while the signature is verified
   * piece by piece; the handler finds the file with {@link Uploads#file}.
   */
  static Handler<RoutingContext> requireUpload(Uploads uploads, Role... roles) {
    Set<Role> allowed = Set.of(roles);
    return ctx -> {
      if (roleAllowed(ctx, allowed)) {
        Pending pending = ctx.get(CLAIM_KEY);
        uploads.receive(ctx, pending.authenticator(), pending.claim());
      }
    };
  }

  /** The proven client of a request; a route without a role handler is a bug, not a bypass. */
  static ApiClient client(RoutingContext ctx) {
    ApiClient client = ctx.get(CLIENT_KEY);
    if (client == null) {
      throw new IllegalStateException("route " + ctx.request().path() + " reads the client without proving it");
    }
    return client;
  }

  /** Marks the request proven: the client for the handlers, and the body if it was held in memory. */
  static void accept(RoutingContext ctx, ApiClient client, Buffer body) {
    if (body != null) {
      // What BodyHandler would have done: the handlers read ctx.body() as before.
      RoutingContextInternal internal = (RoutingContextInternal) ctx;
      internal.visitHandler(RoutingContextInternal.BODY_HANDLER);
      internal.setBody(body);
    }
    ctx.put(CLIENT_KEY, client);
    ctx.next();
  }

  static void unauthenticated(RoutingContext ctx, String reason) {
    // Who claimed to call is attacker's text; the log escapes it like every value.
    LOG.info("event=request.unauthenticated method={} path={} client_id={} reason=\"{}\"",
        ctx.request().method(), ctx.request().path(),
        AuthorizationHeader.parse(ctx.request().getHeader("Authorization"))
            instanceof AuthorizationHeader.Parsed parsed ? parsed.header().clientId() : "-",
        reason);
    ctx.response().putHeader("WWW-Authenticate", "CLEARING-SM2-SM3, CLEARING-SHA256-RSA2048");
    refuse(ctx, Problem.of(401, "unauthenticated", "The request is not signed by a known client", reason));
  }

  static void tooLarge(RoutingContext ctx, long limitBytes) {
    refuse(ctx, Problem.of(413, "body-too-large", "The request body is too large",
        "this endpoint takes bodies of at most " + limitBytes + " bytes"));
  }

  /**
   * Answers with a problem; when the body was not read to its end (HTTP/1.x) the connection is
   * closed once the answer is written, so the rest of the body is never taken in.
   */
  static void refuse(RoutingContext ctx, Problem problem) {
    refuse(ctx, problem, false);
  }

  /** As {@link #refuse(RoutingContext, Problem)}, closing the connection even if the body was read. */
  static void refuse(RoutingContext ctx, Problem problem, boolean closeAlways) {
    HttpServerRequest request = ctx.request();
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    boolean closeAfter = (closeAlways || !request.isEnded()) && request.version() != HttpVersion.HTTP_2;
    if (closeAfter) {
      ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    ctx.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.CONTENT_TYPE)
        .end(problem.toJson().encode())
        .onComplete(written -> {
          if (closeAfter) {
            closeLingering(ctx);
          }
        });
  }

  /**
   * Closes a refused request's connection once a bounded rest of its body is taken in and
   * dropped: closing with unread bytes makes the kernel reset the connection, and a client still
   * writing its body would lose the answer already sent. A body that goes on past
   * {@value #LINGER_BYTES_MAX} bytes or {@value #LINGER_MS} ms is cut off (the answer is then its
   * own risk), so a refusal never takes in a huge body.
   */
  private static void closeLingering(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    HttpConnection connection = request.connection();
    if (request.isEnded()) {
      connection.close();
      return;
    }
    long[] dropped = {0};
    long timer = ctx.vertx().setTimer(LINGER_MS, late -> connection.close());
    Handler<Void> closeNow = ignored -> {
      ctx.vertx().cancelTimer(timer);
      connection.close();
    };
    request.exceptionHandler(error -> closeNow.handle(null));
    request.endHandler(closeNow);
    request.handler(chunk -> {
      dropped[0] += chunk.length();
      if (dropped[0] > LINGER_BYTES_MAX) {
        request.pause();
        closeNow.handle(null);
      }
    });
    request.resume();
  }

  /** The body's declared length, or -1 when it is chunked or absent. */
  static long declaredLength(HttpServerRequest request) {
    String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (value == null || !DECIMAL_LENGTH.matcher(value).matches()) {
      return -1;
    }
    return Long.parseLong(value);
  }

  private static ApiClient claimed(RoutingContext ctx) {
    Pending pending = ctx.get(CLAIM_KEY);
    return pending.claim().client();
  }

  private static boolean roleAllowed(RoutingContext ctx, Set<Role> allowed) {
    ApiClient claimed = claimed(ctx);
    if (allowed.contains(claimed.role())) {
      return true;
    }
    refuse(ctx, Problem.of(403, "forbidden", "This client's role may not use this endpoint",
        "client " + claimed.clientId() + " has role " + claimed.role().code()));
    return false;
  }

  /** Reads a small body (bounded), verifies the signature over it and the nonce, then goes on. */
  private static void proveSmall(RoutingContext ctx) {
    Pending pending = ctx.get(CLAIM_KEY);
    HttpServerRequest request = ctx.request();
    if (declaredLength(request) > ApiVerticle.BODY_SIZE_MAX_BYTES) {
      tooLarge(ctx, ApiVerticle.BODY_SIZE_MAX_BYTES);
      return;
    }
    readBounded(request, ApiVerticle.BODY_SIZE_MAX_BYTES)
        .onFailure(error -> {
          if (error instanceof BodyTooLarge) {
            tooLarge(ctx, ApiVerticle.BODY_SIZE_MAX_BYTES);
          } else if (!(error instanceof HttpClosedException)) {
            ctx.fail(error);
          }
        })
        .compose(body -> pending.authenticator()
            .verify(pending.claim(), request.method().name(), request.uri(), body.getBytes())
            .onSuccess(result -> {
              if (result instanceof Authenticator.Authenticated ok) {
                accept(ctx, ok.client(), body);
              } else {
                unauthenticated(ctx, ((Authenticator.Denied) result).reason());
              }
            })
            .onFailure(ctx::fail));
  }

  /** A body that grew past its endpoint's limit while being read (chunked, or longer than declared). */
  static final class BodyTooLarge extends RuntimeException {
    BodyTooLarge() {
      super("body too large", null, false, false);
    }
  }

  /** Reads the (paused) body into memory, failing with {@link BodyTooLarge} past {@code limitBytes}. */
  private static Future<Buffer> readBounded(HttpServerRequest request, long limitBytes) {
    Promise<Buffer> promise = Promise.promise();
    Buffer body = Buffer.buffer();
    request.handler(chunk -> {
      if (promise.future().isComplete()) {
        return;
      }
      if (body.length() + (long) chunk.length() > limitBytes) {
        request.pause();
        promise.tryFail(new BodyTooLarge());
        return;
      }
      body.appendBuffer(chunk);
    });
    request.exceptionHandler(promise::tryFail);
    request.endHandler(end -> promise.tryComplete(body));
    request.resume();
    return promise.future();
  }
}
