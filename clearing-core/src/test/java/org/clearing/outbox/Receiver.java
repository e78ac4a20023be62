package org.clearing.outbox;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.clearing.client.AuthorizationHeader;
import org.clearing.crypto.SignatureBase;
import org.clearing.crypto.SignatureScheme;

/**
 * The registration system's webhook receiver, as a small Vert.x server: it records every request
 * and answers with the status {@code answer} chooses (0 closes the connection without an answer,
 * {@link #SILENT} never answers).
 * Signatures are checked afterwards on the test thread, as a receiver would, with the engine's
 * public key and nothing of the engine's code but the canonical form of signed messages.
 */
public final class Receiver implements AutoCloseable {

  static final int SILENT = -1;

  /** One request as it arrived. */
  public record Request(String method, String pathWithQuery, String authorization, byte[] body, long arrivedNs,
      String host) {
    JsonObject json() {
      return new JsonObject(new String(body, StandardCharsets.UTF_8));
    }

    long eventId() {
      return json().getLong("event_id");
    }
  }

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile Function<Request, Integer> answer;

  private Receiver(Vertx vertx, int port, Function<Request, Integer> answer) throws Exception {
    this.answer = answer;
    this.server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      Request received = new Request(request.method().name(), request.uri(),
          request.getHeader("Authorization"), body.getBytes(), System.nanoTime(), request.getHeader("Host"));
      requests.add(received);
      int status = this.answer.apply(received);
      if (status == SILENT) {
        return;
      }
      if (status == 0) {
        request.connection().close();
      } else {
        request.response().setStatusCode(status).end();
      }
    })).listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static Receiver start(Vertx vertx, int port, Function<Request, Integer> answer) throws Exception {
    return new Receiver(vertx, port, answer);
  }

  public static Receiver answering(Vertx vertx, int status) throws Exception {
    return new Receiver(vertx, 0, r -> status);
  }

  void answer(Function<Request, Integer> answer) {
    this.answer = answer;
  }

  int port() {
    return server.actualPort();
  }

  public String url(String pathWithQuery) {
    return "http://127.0.0.1:" + port() + pathWithQuery;
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  List<Request> requestsFor(long eventId) {
    return requests.stream().filter(r -> r.eventId() == eventId).toList();
  }

  /** What a receiver checks: the engine's client id, its SM2 signature over the request as received. */
  static boolean verifies(PublicKey engineKey, String method, String pathWithQuery, String authorization,
      byte[] body) {
    if (!(AuthorizationHeader.parse(authorization) instanceof AuthorizationHeader.Parsed parsed)) {
      return false;
    }
    AuthorizationHeader header = parsed.header();
    return header.clientId().equals("clearing-engine")
        && header.keyType().authorizationScheme().equals("CLEARING-SM2-SM3")
        && SignatureScheme.SM2_SM3.verify(engineKey,
            SignatureBase.request(method, pathWithQuery, header.timestamp(), header.nonce(), body),
            header.signature());
  }

  static boolean verifies(PublicKey engineKey, Request request) {
    return verifies(engineKey, request.method(), request.pathWithQuery(), request.authorization(), request.body());
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
