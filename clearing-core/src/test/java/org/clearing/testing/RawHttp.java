package org.clearing.testing;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One HTTP/1.1 connection driven byte by byte over a plain socket, for the attacks an HTTP client
 * library will not make: a huge body the server should never read, two framings at once,
 * headers trickled a byte at a time. Loopback only.
 */
public final class RawHttp implements AutoCloseable {

  private static final byte[] ZEROS = new byte[64 * 1024];

  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final AtomicLong bodyBytesSent = new AtomicLong();
  private Thread streamer;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = socket.getInputStream();
  }

  public static RawHttp connect(String baseUrl) {
    try {
      URI uri = URI.create(baseUrl);
      Socket socket = new Socket();
      socket.connect(new InetSocketAddress("127.0.0.1", uri.getPort()), 5_000);
      return new RawHttp(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An answer: status, headers (names lower-cased) and body. */
  public record Response(int status, Map<String, String> headers, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** The request line and headers of a request, ended by the blank line. */
  public static String head(String method, String path, Map<String, String> headers) {
    StringBuilder text = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    headers.forEach((name, value) -> text.append(name).append(": ").append(value).append("\r\n"));
    return text.append("\r\n").toString();
  }

  public void send(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /**
   * Sends {@code totalBytes} zero bytes as the body, from a thread of its own, until all are sent
   * or the server stops the connection; {@link #bodyBytesSent} says how far it got.
   */
  public void streamZeros(long totalBytes) {
    streamer = new Thread(() -> {
      try {
        while (bodyBytesSent.get() < totalBytes) {
          int n = (int) Math.min(ZEROS.length, totalBytes - bodyBytesSent.get());
          out.write(ZEROS, 0, n);
          bodyBytesSent.addAndGet(n);
        }
        out.flush();
      } catch (IOException stoppedByServer) {
        // The server closed the connection: that is the point.
      }
    }, "raw-http-body");
    streamer.setDaemon(true);
    streamer.start();
  }

  public long bodyBytesSent() {
    return bodyBytesSent.get();
  }

  /** Waits for the body streamer to stop (all sent, or refused by the server). */
  public void awaitStreamer(Duration timeout) throws InterruptedException {
    streamer.join(timeout.toMillis());
  }

  /** Reads one answer, or null if the connection ended before a status line arrived. */
  public Response read(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    String statusLine = line();
    if (statusLine == null) {
      return null;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = line(); line != null && !line.isEmpty(); line = line()) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    return new Response(Integer.parseInt(statusLine.split(" ")[1]), headers,
        new String(body, StandardCharsets.UTF_8));
  }

  /** Whether the server closes the connection within {@code timeout} (end of stream or a reset). */
  public boolean closedByServer(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    try {
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (SocketException reset) {
      return true;
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int b;
    try {
      while ((b = in.read()) >= 0 && b != '\n') {
        if (b != '\r') {
          bytes.write(b);
        }
      }
    } catch (SocketException reset) {
      b = -1;
    }
    if (b < 0 && bytes.size() == 0) {
      return null;
    }
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
