package org.clearing.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A browser's cookie jar and forms, as plain HTTP: the console's security tests see the exact
 * status, headers and cookies of each answer (a real browser hides them). No redirect is followed.
 */
public final class ConsoleClient {

  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
  private final HttpClient http;
  private final String baseUrl;
  private final Map<String, String> cookies = new LinkedHashMap<>();

  public ConsoleClient(String baseUrl) {
    this(baseUrl, HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5)).build());
  }

  /** Over {@code http}, e.g. one trusting a test engine's TLS certificate; it must not follow redirects. */
  public ConsoleClient(String baseUrl, HttpClient http) {
    this.baseUrl = baseUrl;
    this.http = http;
  }

  public HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET());
  }

  /** Posts {@code fields} (name, value, name, value...) as a form. */
  public HttpResponse<String> post(String path, String... fields) {
    return post(path, List.of(fields), Map.of());
  }

  public HttpResponse<String> post(String path, List<String> fields, Map<String, String> headers) {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < fields.size(); i += 2) {
      body.append(body.length() == 0 ? "" : "&").append(URLEncoder.encode(fields.get(i), StandardCharsets.UTF_8))
          .append('=').append(URLEncoder.encode(fields.get(i + 1), StandardCharsets.UTF_8));
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    headers.forEach(request::header);
    return send(request);
  }

  /** The {@code _csrf} value of the first form of {@code html}. */
  public static String csrf(String html) {
    Matcher matcher = CSRF.matcher(html);
    if (!matcher.find()) {
      throw new AssertionError("no _csrf field in: " + html);
    }
    return matcher.group(1);
  }

  /** Signs in: GET the form, POST it with its token; the answer is the POST's. */
  public HttpResponse<String> signIn(String login, String password) {
    String token = csrf(get("/console/sign-in").body());
    return post("/console/sign-in", "_csrf", token, "login", login, "password", password);
  }

  public Map<String, String> cookies() {
    return cookies;
  }

  /** A GET whose body is kept as bytes, e.g. a signed report download. */
  public HttpResponse<byte[]> download(String path) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    return send(request, HttpResponse.BodyHandlers.ofString());
  }

  private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
    if (!cookies.isEmpty()) {
      StringBuilder header = new StringBuilder();
      cookies.forEach((k, v) -> header.append(header.length() == 0 ? "" : "; ").append(k).append('=').append(v));
      request.header("Cookie", header.toString());
    }
    request.header("Accept-Language", "zh-CN,zh;q=0.9").timeout(Duration.ofSeconds(30));
    try {
      HttpResponse<T> response = http.send(request.build(), handler);
      for (String set : response.headers().allValues("Set-Cookie")) {
        String pair = set.split(";", 2)[0];
        int eq = pair.indexOf('=');
        String name = pair.substring(0, eq);
        String value = pair.substring(eq + 1);
        if (value.isEmpty() || set.toLowerCase(java.util.Locale.ROOT).contains("max-age=0")) {
          cookies.remove(name);
        } else {
          cookies.put(name, value);
        }
      }
      return response;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
