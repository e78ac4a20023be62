package org.clearing.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine as a newcomer runs it: its own process on the embedded PostgreSQL under the data
 * directory. SIGTERM shuts it down in order, and a restart finds the data and the demo clients.
 */
class RestartTest {

  @TempDir
  Path dataDir;

  @Test
  void aSigtermStopsInOrderAndARestartKeepsTheData() throws Exception {
    int port = freePort();
    Process first = startEngine(port);
    String orderNo;
    String clientFile;
    try {
      waitForHealth(port);
      clientFile = Files.readString(dataDir.resolve("clients/registration.json"));
      ApiCaller registration = new ApiCaller("http://localhost:" + port,
          TestEngine.demoSigner(dataDir, Role.REGISTRATION));
      ApiCaller.Answer created = registration.post("/api/v1/orders",
          OrderBodies.typical("RESTART-1").encode(), "restart-1");
      assertEquals(201, created.status(), created.text());
      orderNo = created.json().getString("order_no");
    } finally {
      first.destroy();
    }
    assertTrue(first.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "engine did not stop");
    List<String> log = Files.readAllLines(dataDir.resolve("engine-1.log"));
    assertInOrder(log, "event=engine.stopping", "event=engine.stopped");
    assertInOrder(log, "event=engine.stopping", "event=database.stopped");

    Process second = startEngine(port);
    try {
      waitForHealth(port);
      assertEquals(clientFile, Files.readString(dataDir.resolve("clients/registration.json")),
          "demo clients must not be created again");
      ApiCaller registration = new ApiCaller("http://localhost:" + port,
          TestEngine.demoSigner(dataDir, Role.REGISTRATION));
      ApiCaller.Answer read = registration.get("/api/v1/orders/" + orderNo);
      assertEquals(200, read.status(), read.text());
      assertEquals("RESTART-1", read.json().getString("case_no"));
      assertEquals(200, registration.post("/api/v1/orders",
          OrderBodies.typical("RESTART-1").encode(), "restart-1").status(),
          "the idempotency key survives a restart");
    } finally {
      second.destroy();
      second.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  private static int runs;

  private Process startEngine(int port) throws IOException {
    runs++;
    return new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "org.clearing.Main",
        "--http-port", Integer.toString(port),
        "--data-dir", dataDir.toString(),
        "--public-base-url", "https://pay.example.test",
        "--sandbox-port", "0",
        "--management-port", "0")
        .redirectErrorStream(true)
        .redirectOutput(dataDir.resolve("engine-" + runs + ".log").toFile())
        .start();
  }

  private static void waitForHealth(int port) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> health = http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/health")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 200 && health.body().contains("\"UP\"")) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(200);
    }
    throw new AssertionError("engine did not become healthy on port " + port);
  }

  private static void assertInOrder(List<String> log, String earlier, String later) {
    int first = indexOf(log, earlier);
    int second = indexOf(log, later);
    assertTrue(first >= 0 && second > first, earlier + " then " + later + " in " + log);
  }

  private static int indexOf(List<String> log, String text) {
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
