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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a wallet's webview does with our QR page, and no more: GET with its User-Agent, follow
 * plain HTTP redirects (across hosts), and submit the page's one POST form. Tests drive the whole
 * payment with it, as a newcomer would with a browser.
 */
public final class Browser {

  public static final String WECHAT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"
      + " AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f)"
      + " NetType/WIFI Language/zh_CN";
  public static final String ALIPAY = "Mozilla/5.0 (Linux; U; Android 13; zh-CN; V2238A)"
      + " AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/88.0.4324.181 Mobile"
      + " Safari/537.36 AlipayClient/10.5.36.8000 Language/zh-Hans";
  public static final String UNIONPAY = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X)"
      + " AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 (com.unionpay.chsp) (cordova 4.5.4)"
      + " (updebug 0) (version 1024) (UnionPay/1.0 CloudPay) (clientVersion 324)";
  public static final String DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"
      + " (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

  private static final int REDIRECTS_MAX = 10;
  private static final Pattern FORM = Pattern.compile(
      "<form\\b([^>]*)>(.*?)</form>", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
  private static final Pattern ATTRIBUTE = Pattern.compile("(\\w[\\w-]*)\\s*=\\s*\"([^\"]*)\"");
  private static final Pattern INPUT = Pattern.compile("<input\\b([^>]*)>", Pattern.CASE_INSENSITIVE);

  private final HttpClient http = HttpClient.newBuilder()
      .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
  private final String userAgent;

  public Browser(String userAgent) {
    this.userAgent = userAgent;
  }

  /** A page as the browser ended on it, with the redirects it followed. */
  public record Page(String url, int status, String html, List<String> redirects) {}

  public Page open(String url) {
    return follow("GET", url, null, new ArrayList<>());
  }

  /** Submits the page's only {@code <form method="post">} with its inputs' values. */
  public Page submitForm(Page page) {
    List<String[]> forms = new ArrayList<>();
    Matcher matcher = FORM.matcher(page.html());
    while (matcher.find()) {
      if ("post".equalsIgnoreCase(attributes(matcher.group(1)).getOrDefault("method", ""))) {
        forms.add(new String[] {matcher.group(1), matcher.group(2)});
      }
    }
    if (forms.size() != 1) {
      throw new AssertionError("expected exactly one POST form on " + page.url() + ", found " + forms.size());
    }
    String action = unescape(attributes(forms.get(0)[0]).getOrDefault("action", page.url()));
    StringBuilder body = new StringBuilder();
    Matcher input = INPUT.matcher(forms.get(0)[1]);
    while (input.find()) {
      Map<String, String> attrs = attributes(input.group(1));
      if (attrs.containsKey("name")) {
        body.append(body.length() == 0 ? "" : "&")
            .append(URLEncoder.encode(unescape(attrs.get("name")), StandardCharsets.UTF_8)).append('=')
            .append(URLEncoder.encode(unescape(attrs.getOrDefault("value", "")), StandardCharsets.UTF_8));
      }
    }
    return follow("POST", URI.create(page.url()).resolve(action).toString(), body.toString(), new ArrayList<>());
  }

  private Page follow(String method, String url, String formBody, List<String> redirects) {
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(20)).header("User-Agent", userAgent);
      if (formBody != null) {
        request.header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(formBody));
      }
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      int status = response.statusCode();
      if (status >= 300 && status < 400 && response.headers().firstValue("Location").isPresent()) {
        if (redirects.size() >= REDIRECTS_MAX) {
          throw new AssertionError("too many redirects: " + redirects);
        }
        String next = URI.create(url).resolve(response.headers().firstValue("Location").get()).toString();
        redirects.add(next);
        return follow("GET", next, null, redirects);
      }
      return new Page(url, status, response.body(), List.copyOf(redirects));
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + url, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> attributes(String text) {
    Map<String, String> attributes = new LinkedHashMap<>();
    Matcher matcher = ATTRIBUTE.matcher(text);
    while (matcher.find()) {
      attributes.put(matcher.group(1).toLowerCase(java.util.Locale.ROOT), matcher.group(2));
    }
    return attributes;
  }

  private static String unescape(String html) {
    return html.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<")
        .replace("&gt;", ">").replace("&amp;", "&");
  }
}
