package org.clearing.load.driver;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.clearing.client.RequestSigner;
import org.clearing.client.Role;

/**
 * The engine's API as its clients call it: each request signed, just before it is sent, with the
 * key of the role it is made as (registration, tax, finance, admin), so a request is never older
 * than the engine's timestamp window. Used by scenarios whose requests are not timed.
 */
public final class EngineApi {

  /** An answer: its status and body (JSON, or the problem+json of a refusal). */
  public record Answer(int status, String body) {
    public JsonObject json() {
      return body.isEmpty() ? new JsonObject() : new JsonObject(body);
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  static final long REQUEST_TIMEOUT_S = 60;

  private final SystemUnderTest harness;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<Role, RequestSigner> signers = new EnumMap<>(Role.class);

  public EngineApi(SystemUnderTest harness) throws Exception {
    this.harness = harness;
    for (Role role : Role.values()) {
      signers.put(role, harness.signer(role.code()));
    }
  }

  public CompletableFuture<Answer> post(Role role, String path, JsonObject body, String idempotencyKey) {
    byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
    HttpRequest.Builder request = request(path)
        .header("Content-Type", "application/json")
        .header("Authorization", signers.get(role).authorization("POST", path, bytes))
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    return send(request.build());
  }

  public CompletableFuture<Answer> get(Role role, String pathWithQuery) {
    return send(request(pathWithQuery)
        .header("Authorization", signers.get(role).authorization("GET", pathWithQuery, new byte[0]))
        .GET().build());
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(harness.baseUrl() + path)).timeout(Duration.ofSeconds(REQUEST_TIMEOUT_S));
  }

  private CompletableFuture<Answer> send(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(response -> new Answer(response.statusCode(), response.body()));
  }
}
