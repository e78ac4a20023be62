package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.clearing.client.AuthorizationHeader;
import org.clearing.client.KeyType;
import org.clearing.client.RequestSigner;
import org.clearing.client.Role;
import org.clearing.http.Problem;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.RawHttp;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The engine authenticates from the headers before it reads a byte of any body: a stranger, a
 * stale timestamp or a wrong role is refused at once and its connection closed with the body
 * unread; each endpoint bounds its body; a bill streams to a file while its signature is checked,
 * the file is deleted, and only {@value Uploads#CONCURRENT_MAX} uploads are received at once.
 */
class AuthenticateBeforeBodyTest {

  private static final String BILL = "/api/v1/admin/reconciliation/runs/2026-12-05/wechat/bill";
  private static final long QUARTER_GIGABYTE = 250L * 1024 * 1024;
  /** Far more than loopback socket buffers take in, far less than the bodies sent. */
  private static final long UNREAD_BYTES_MAX = 32L * 1024 * 1024;
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();

  private static String bigHead(String path, String authorization, long length) {
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    headers.put("Content-Type", "application/octet-stream");
    headers.put("Content-Length", Long.toString(length));
    if (authorization != null) {
      headers.put("Authorization", authorization);
    }
    return RawHttp.head("POST", path, headers);
  }

  /** Sends a head and starts a huge body; the answer must come, and the connection close, before it is read. */
  private static RawHttp.Response refusedBeforeTheBody(String path, String authorization) throws Exception {
    try (RawHttp http = RawHttp.connect(engine.baseUrl())) {
      http.send(bigHead(path, authorization, QUARTER_GIGABYTE));
      http.streamZeros(QUARTER_GIGABYTE);
      RawHttp.Response answer = http.read(ANSWER_TIMEOUT);
      assertNotNull(answer, "an answer before the connection closed");
      assertEquals(Problem.CONTENT_TYPE, answer.headers().get("content-type"));
      assertTrue(http.closedByServer(ANSWER_TIMEOUT), "the server closes the connection");
      http.awaitStreamer(ANSWER_TIMEOUT);
      assertTrue(http.bodyBytesSent() < UNREAD_BYTES_MAX,
          "the body was not taken in: " + http.bodyBytesSent() + " bytes sent");
      return answer;
    }
  }

  @Test
  void aBillUploadWithoutAValidClaimIsRefusedBeforeItsBodyIsRead() throws Exception {
    RequestSigner finance = TestEngine.demoSigner(engine.dataDir(), Role.FINANCE);
    RequestSigner registration = TestEngine.demoSigner(engine.dataDir(), Role.REGISTRATION);
    String stranger = new AuthorizationHeader(KeyType.SM2, "nobody-at-all", Long.toString(Instant.now().getEpochSecond()),
        "nonce-stranger-1", "AAAA").render();
    String stale = finance.authorization("POST", BILL, new byte[0],
        Long.toString(Instant.now().minusSeconds(3_600).getEpochSecond()), "nonce-stale-0001");
    String wrongRole = registration.authorization("POST", BILL, new byte[0]);

    record Case(String name, String authorization, int status, String detail) {}
    for (Case attack : Stream.of(
        new Case("unsigned", null, 401, "missing Authorization header"),
        new Case("unknown client", stranger, 401, "unknown client_id"),
        new Case("stale timestamp", stale, 401, "timestamp is more than"),
        new Case("wrong role", wrongRole, 403, "has role registration")).toList()) {
      RawHttp.Response answer = refusedBeforeTheBody(BILL, attack.authorization());
      assertEquals(attack.status(), answer.status(), attack.name() + ": " + answer.body());
      assertTrue(answer.json().getString("detail").contains(attack.detail()), attack.name() + ": " + answer.body());
    }
    assertEquals(0, engine.count("SELECT count(*) FROM recon_run"));
    assertEquals(0, uploadFiles().size(), "no upload file was even created");
  }

  @Test
  void anOrderBodyDeclaredPastTheLimitIsRefusedAtOnce() throws Exception {
    RequestSigner registration = TestEngine.demoSigner(engine.dataDir(), Role.REGISTRATION);
    long ordersBefore = engine.count("SELECT count(*) FROM orders");
    RawHttp.Response answer = refusedBeforeTheBody("/api/v1/orders",
        registration.authorization("POST", "/api/v1/orders", new byte[0]));
    assertEquals(413, answer.status(), answer.body());
    assertEquals(ordersBefore, engine.count("SELECT count(*) FROM orders"));
  }

  /**
   * A plain client writes its whole body before it reads: the refusal must wait for a body a
   * little past the limit, or the close resets the connection and the answer is lost with it.
   */
  @Test
  void aClientThatWritesItsWholeBodyAfterTheRefusalStillReadsIt() throws Exception {
    RequestSigner registration = TestEngine.demoSigner(engine.dataDir(), Role.REGISTRATION);
    long ordersBefore = engine.count("SELECT count(*) FROM orders");
    int length = (int) ApiVerticle.BODY_SIZE_MAX_BYTES * 3;
    try (RawHttp http = RawHttp.connect(engine.baseUrl())) {
      http.send(RawHttp.head("POST", "/api/v1/orders", Map.of("Content-Type", "application/json",
          "Content-Length", Integer.toString(length), "Idempotency-Key", "late-body-1",
          "Authorization", registration.authorization("POST", "/api/v1/orders", new byte[0]))));
      Thread.sleep(Security.LINGER_MS / 4); // the refusal is written meanwhile
      http.send("{" + " ".repeat(length - 1));
      RawHttp.Response answer = http.read(ANSWER_TIMEOUT);
      assertNotNull(answer, "the answer survives the close");
      assertEquals(413, answer.status(), answer.body());
      assertTrue(http.closedByServer(ANSWER_TIMEOUT), "the server closes the connection");
    }
    assertEquals(ordersBefore, engine.count("SELECT count(*) FROM orders"));
  }

  @Test
  void aChunkedOrderBodyThatGrowsPastTheLimitIsRefused() throws Exception {
    RequestSigner registration = TestEngine.demoSigner(engine.dataDir(), Role.REGISTRATION);
    long ordersBefore = engine.count("SELECT count(*) FROM orders");
    try (RawHttp http = RawHttp.connect(engine.baseUrl())) {
      http.send(RawHttp.head("POST", "/api/v1/orders", Map.of("Content-Type", "application/json",
          "Transfer-Encoding", "chunked", "Idempotency-Key", "chunked-1",
          "Authorization", registration.authorization("POST", "/api/v1/orders", new byte[0]))));
      String chunk = "{" + " ".repeat(16 * 1024 - 1);
      boolean cutOffWhileSending = false;
      try {
        for (int i = 0; i < 8; i++) {
          http.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
        }
      } catch (java.net.SocketException closed) {
        // The engine answered 413 and closed past the limit while chunks were still going out: the
        // refusal itself. Its answer may then be lost to the reset, so it is checked when it came.
        cutOffWhileSending = true;
      }
      RawHttp.Response answer = readOrNull(http);
      if (!cutOffWhileSending || answer != null) {
        assertNotNull(answer);
        assertEquals(413, answer.status(), answer.body());
        assertEquals(Problem.CONTENT_TYPE, answer.headers().get("content-type"));
        assertTrue(http.closedByServer(ANSWER_TIMEOUT));
      }
    }
    assertEquals(ordersBefore, engine.count("SELECT count(*) FROM orders"));
  }

  @Test
  void aForgedBillSignatureIsFoundWhileStreamingAndTheFileIsDeleted() throws Exception {
    RequestSigner finance = TestEngine.demoSigner(engine.dataDir(), Role.FINANCE);
    long length = 8L * 1024 * 1024;
    String signedForOtherBytes = finance.authorization("POST", BILL, "another bill".getBytes(StandardCharsets.UTF_8));
    try (RawHttp http = RawHttp.connect(engine.baseUrl())) {
      http.send(bigHead(BILL, signedForOtherBytes, length));
      http.streamZeros(length);
      RawHttp.Response answer = http.read(Duration.ofSeconds(30));
      assertNotNull(answer);
      assertEquals(401, answer.status(), answer.body());
      assertEquals("signature does not verify", answer.json().getString("detail"));
      assertEquals(length, http.bodyBytesSent(), "a known client's body is read, to check its signature");
    }
    awaitNoUploadFiles();
    assertEquals(0, engine.count("SELECT count(*) FROM recon_run"));
  }

  @Test
  void onlyTwoUploadsAreReceivedAtOnceAndAFinishedOneFreesItsPlace() throws Exception {
    RequestSigner finance = TestEngine.demoSigner(engine.dataDir(), Role.FINANCE);
    RawHttp first = RawHttp.connect(engine.baseUrl());
    RawHttp second = RawHttp.connect(engine.baseUrl());
    try {
      for (RawHttp stalled : new RawHttp[] {first, second}) {
        stalled.send(bigHead(BILL, finance.authorization("POST", BILL, new byte[0]), QUARTER_GIGABYTE));
        stalled.send("a part of the bill, then nothing");
      }
      long deadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
      while (uploadFiles().size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(2, uploadFiles().size(), "both uploads are being received");

      RawHttp.Response third = refusedBeforeTheBody(BILL, finance.authorization("POST", BILL, new byte[0]));
      assertEquals(503, third.status(), third.body());
      assertEquals("60", third.headers().get("retry-after"));
    } finally {
      first.close();
      second.close();
    }
    awaitNoUploadFiles();
    byte[] small = "not a bill".getBytes(StandardCharsets.UTF_8);
    try (RawHttp http = RawHttp.connect(engine.baseUrl())) {
      http.send(bigHead(BILL, finance.authorization("POST", BILL, small), small.length));
      http.send(new String(small, StandardCharsets.ISO_8859_1));
      RawHttp.Response answer = http.read(ANSWER_TIMEOUT);
      assertNotNull(answer);
      // Received and proven; this engine has no channels, so the run itself is refused.
      assertEquals(422, answer.status(), answer.body());
      assertEquals("channel", answer.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    }
    awaitNoUploadFiles();
  }

  private static java.util.List<Path> uploadFiles() throws IOException {
    try (Stream<Path> files = Files.list(engine.dataDir().resolve("tmp"))) {
      return files.filter(f -> f.getFileName().toString().startsWith("upload-")).toList();
    }
  }

  private static void awaitNoUploadFiles() throws Exception {
    Await.value("every upload file is deleted", ANSWER_TIMEOUT, () -> {
      try {
        return uploadFiles();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, java.util.List::isEmpty);
    assertEquals(java.util.List.of(), uploadFiles(), "every upload file is deleted");
  }

  /** The answer on a connection the engine may already have reset; null when none could be read. */
  private static RawHttp.Response readOrNull(RawHttp http) {
    try {
      return http.read(ANSWER_TIMEOUT);
    } catch (java.io.IOException reset) {
      return null;
    }
  }
}
