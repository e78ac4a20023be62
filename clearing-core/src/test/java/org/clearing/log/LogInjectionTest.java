package org.clearing.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Log injection (issue 10 §8), performed over real HTTP against each channel's callback route and
 * the API: unsigned messages whose fields carry line breaks, quotes, spaces with {@code key=value}
 * text and bidi controls, written to look like an applied payment. The engine's log, captured with
 * its own console pattern, shows each as exactly one line whose keys are the engine's own.
 */
class LogInjectionTest {

  /** A complete line of the engine's own shape announcing a payment that never happened. */
  private static final String FORGED = "\n2026-12-06T05:31:54.384Z level=INFO logger=CallbackRoutes"
      + " thread=vert.x-eventloop-thread-0 event=callback.recorded channel=alipay"
      + " order_no=TF202612060000000001 out_trade_no=A2026 outcome=applied";
  private static final String FORM = "application/x-www-form-urlencoded; charset=utf-8";

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();

  @Test
  void anUnsignedAlipayFormCannotWriteAForgedLine() throws Exception {
    StringBuilder form = new StringBuilder();
    for (String name : List.of("sign", "notify_id", "notify_time", "notify_type", "app_id", "seller_id",
        "trade_no", "out_trade_no", "trade_status", "total_amount")) {
      form.append(name).append("=x&");
    }
    form.append("charset=utf-8&sign_type=")
        .append(URLEncoder.encode("RSA2\"\r" + FORGED + " \u202Eevil\u2066\u200B", StandardCharsets.UTF_8));
    List<String> lines = capture(() -> new ApiCaller(engine.baseUrl(), null).raw("POST", "/callbacks/alipay",
        form.toString().getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", FORM)),
        line -> line.contains("event=callback.rejected channel=alipay"));

    String line = theOnlyLine(lines, "event=callback.rejected channel=alipay");
    assertEquals(List.of("", "level", "logger", "thread", "event", "channel", "reason", "detail"), keys(line));
    assertTrue(line.contains("RSA2\\\"\\r\\n2026-12-06T05:31:54.384Z"), line);
    assertTrue(line.contains("\\u202Eevil\\u2066\\u200B"), line);
    assertNoForgedLine(lines);
  }

  @Test
  void anUnsignedUnionPayFormCannotWriteAForgedLine() throws Exception {
    String key = URLEncoder.encode("merId" + FORGED, StandardCharsets.UTF_8);
    byte[] body = (key + "=1&" + key + "=2").getBytes(StandardCharsets.UTF_8);
    List<String> lines = capture(() -> new ApiCaller(engine.baseUrl(), null).raw("POST", "/callbacks/unionpay",
        body, Map.of("Content-Type", FORM)), line -> line.contains("event=callback.rejected channel=unionpay"));

    String line = theOnlyLine(lines, "event=callback.rejected channel=unionpay");
    assertEquals(List.of("", "level", "logger", "thread", "event", "channel", "reason", "detail"), keys(line));
    assertTrue(line.contains("repeated form field merId\\n2026-12-06T05:31:54.384Z"), line);
    assertNoForgedLine(lines);
  }

  @Test
  void aWechatHeaderCannotAddKeysOrControlsAndALineBreakInOneIsRefused() throws Exception {
    String serial = "X\" outcome=applied event=callback.recorded channel=wechat \u0085\u00e2\u0080\u00ae";
    List<String> lines = capture(() -> {
      String timestamp = String.valueOf(System.currentTimeMillis() / 1000);
      String answer = rawRequest("POST /callbacks/wechat HTTP/1.1\r\nHost: localhost\r\n"
          + "Content-Type: application/json\r\nWechatpay-Serial: " + serial + "\r\n"
          + "Wechatpay-Signature: c2ln\r\nWechatpay-Timestamp: " + timestamp + "\r\n"
          + "Wechatpay-Nonce: n0nce\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
      assertTrue(answer.startsWith("HTTP/1.1 4") || answer.startsWith("HTTP/1.1 5"), answer);
      // A bare line feed inside a header value: the HTTP layer refuses the request outright.
      String split = rawRequest("POST /callbacks/wechat HTTP/1.1\r\nHost: localhost\r\n"
          + "Wechatpay-Serial: X" + FORGED + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
      assertTrue(split.isEmpty() || split.startsWith("HTTP/1.1 400"), split);
      return null;
    }, line -> line.contains("event=callback.rejected channel=wechat"));

    String line = theOnlyLine(lines, "event=callback.rejected channel=wechat");
    assertEquals(List.of("", "level", "logger", "thread", "event", "channel", "reason", "detail"), keys(line));
    assertTrue(line.contains("not trusted: X\\\" outcome=applied event=callback.recorded channel=wechat \\u0085"),
        line);
    assertTrue(line.contains("\\u0080"), line);
    assertNoForgedLine(lines);
  }

  @Test
  void aClientIdInTheAuthorizationHeaderIsLoggedAsOneEscapedValue() throws Exception {
    String clientId = "demo-admin outcome=applied role=admin \u0085\u00e2\u0080\u00ae";
    List<String> lines = capture(() -> {
      String answer = rawRequest("GET /api/v1/orders/TF202612060000000001 HTTP/1.1\r\nHost: localhost\r\n"
          + "Authorization: CLEARING-SM2-SM3 client_id=\"" + clientId + "\",timestamp=\""
          + System.currentTimeMillis() / 1000 + "\",nonce=\"abcdefgh1234\",signature=\"c2ln\"\r\n"
          + "Connection: close\r\n\r\n");
      assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
      return null;
    }, line -> line.contains("event=request.unauthenticated"));

    String line = theOnlyLine(lines, "event=request.unauthenticated");
    assertEquals(List.of("", "level", "logger", "thread", "event", "method", "path", "client_id", "reason"),
        keys(line));
    assertTrue(line.contains("client_id=\"demo-admin outcome=applied role=admin \\u0085\u00e2\\u0080\u00ae\""), line);
  }

  private interface Attack {
    Object run() throws Exception;
  }

  /** Runs the attack and returns the log lines written until one matching {@code until} appears. */
  private static List<String> capture(Attack attack, Predicate<String> until) throws Exception {
    try (LogCapture log = LogCapture.start()) {
      attack.run();
      long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (log.lines().stream().noneMatch(until) && System.nanoTime() < deadlineNs) {
        Thread.sleep(20);
      }
      return log.lines();
    }
  }

  private static String theOnlyLine(List<String> lines, String marker) {
    List<String> matching = lines.stream().filter(l -> l.contains(marker)).toList();
    assertEquals(1, matching.size(), String.join("\n", lines));
    return matching.get(0);
  }

  /** Every line is one of the engine's own: it starts with a timestamp and says no payment was made. */
  private static void assertNoForgedLine(List<String> lines) {
    for (String line : lines) {
      assertTrue(line.matches("\\d{4}-\\d{2}-\\d{2}T\\S+ level=\\S+ logger=.*"), "a line of its own: " + line);
      assertTrue(!line.contains("event=callback.recorded") || line.contains("event=callback.rejected"),
          "a forged line: " + line);
      assertTrue(keys(line).stream().filter("outcome"::equals).count() == 0, "a forged key: " + line);
    }
  }

  /**
   * The keys of a {@code key=value} line as a log shipper reads it: values bare up to the next
   * space, or quoted with backslash escapes. A token without {@code =} (the timestamp) is "".
   */
  static List<String> keys(String line) {
    List<String> keys = new ArrayList<>();
    int i = 0;
    while (i < line.length()) {
      int start = i;
      while (i < line.length() && line.charAt(i) != '=' && line.charAt(i) != ' ') {
        i++;
      }
      if (i >= line.length() || line.charAt(i) == ' ') {
        keys.add("");
        i++;
        continue;
      }
      keys.add(line.substring(start, i));
      i++;
      if (i < line.length() && line.charAt(i) == '"') {
        i++;
        while (i < line.length() && line.charAt(i) != '"') {
          i += line.charAt(i) == '\\' ? 2 : 1;
        }
        i++;
      } else {
        while (i < line.length() && line.charAt(i) != ' ') {
          i++;
        }
      }
      i++;
    }
    return keys;
  }

  /** Sends bytes exactly as written (Latin-1, as HTTP/1.1 headers travel) and reads the answer. */
  private static String rawRequest(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", engine.engine().httpPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      byte[] buffer = new byte[4096];
      try {
        for (int n; (n = in.read(buffer)) > 0; ) {
          answer.write(buffer, 0, n);
        }
      } catch (java.net.SocketException e) {
        // The server may reset after answering a refused request.
      }
      return answer.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
