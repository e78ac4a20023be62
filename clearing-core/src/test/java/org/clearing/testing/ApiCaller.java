package org.clearing.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.clearing.client.RequestSigner;

/** A client of the engine's API over real HTTP, signing each request as a registered client would. */
public final class ApiCaller {

  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NEVER)
      .build();

  private final String baseUrl;
  private final RequestSigner signer;
  private final HttpClient http;

  public ApiCaller(String baseUrl, RequestSigner signer) {
    this(baseUrl, signer, HTTP);
  }

  /** A caller over its own client, e.g. one trusting a test CA and presenting a certificate. */
  public ApiCaller(String baseUrl, RequestSigner signer, HttpClient http) {
    this.baseUrl = baseUrl;
    this.signer = signer;
    this.http = http;
  }

  /** An answer: status, headers of interest and body. */
  public record Answer(int status, String contentType, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonObject json() {
      return new JsonObject(text());
    }
  }

  public Answer post(String path, String body, String idempotencyKey) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    if (idempotencyKey != null) {
      headers.put("Idempotency-Key", idempotencyKey);
    }
    return send("POST", path, body.getBytes(StandardCharsets.UTF_8), headers, true);
  }

  public Answer get(String path) {
    return send("GET", path, new byte[0], Map.of(), true);
  }

  /** A signed GET answered with every header, e.g. a report's {@code X-Clearing-Signature}. */
  public HttpResponse<byte[]> getWithHeaders(String path) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20))
        .header("Authorization", signer.authorization("GET", path, new byte[0])).GET().build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sends a request; {@code signed} false leaves the Authorization header out. */
  public Answer send(String method, String path, byte[] body, Map<String, String> headers, boolean signed) {
    Map<String, String> all = new LinkedHashMap<>(headers);
    if (signed && !all.containsKey("Authorization")) {
      all.put("Authorization", signer.authorization(method, path, body));
    }
    return raw(method, path, body, all);
  }

  /** Sends exactly these headers and body, nothing added. */
  public Answer raw(String method, String path, byte[] body, Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(20))
        .method(method, body.length == 0 && method.equals("GET")
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(request::header);
    try {
      HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Answer(response.statusCode(),
          response.headers().firstValue("Content-Type").orElse(""), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public RequestSigner signer() {
    return signer;
  }

  public String baseUrl() {
    return baseUrl;
  }
}
