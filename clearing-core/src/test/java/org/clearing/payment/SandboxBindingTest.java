package org.clearing.payment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.Channel;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.TestCertificates;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The three demo sandboxes — fake channels whose fault switches and pay pages anyone reaching
 * them can use to mark payments — listen on 127.0.0.1 by default: a neighbour on the LAN cannot
 * connect to any of them. Given a LAN address (--sandbox-host), they listen there and name it in
 * their URLs, so a phone can follow the pay pages.
 */
class SandboxBindingTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static String lan;

  @BeforeAll
  static void start() {
    lan = TestCertificates.lanAddress().orElse(null);
  }

  @Test
  void noSandboxAcceptsAConnectionFromTheLanByDefault() throws IOException {
    Assumptions.assumeTrue(lan != null, "this machine has no LAN address to connect through");
    for (Channel channel : Channel.values()) {
      URI sandbox = URI.create(engine.sandboxUrl(channel));
      assertEquals("127.0.0.1", sandbox.getHost(), channel + " names loopback in its URLs");
      assertThrows(IOException.class, () -> connect(lan, sandbox.getPort()),
          channel + " sandbox accepted a connection on " + lan + ":" + sandbox.getPort());
      assertTrue(connects("127.0.0.1", sandbox.getPort()), channel + " sandbox serves this machine");
    }
  }

  @Test
  void withALanAddressTheSandboxesListenThereAndNameItInTheirUrls() throws Exception {
    Assumptions.assumeTrue(lan != null, "this machine has no LAN address to listen on");
    var vertx = engine.engine().vertx();
    WebClient client = WebClient.create(vertx);
    DemoSandboxes sandboxes = DemoSandboxes.start(vertx, Files.createTempDirectory("clearing-lan-sandboxes-"),
        lan, 0, 1, Map.of()).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    try {
      for (DemoSandboxes.Started started : sandboxes.started()) {
        URI sandbox = URI.create(started.baseUrl());
        assertEquals(lan, sandbox.getHost(), started.channel() + " names the LAN address");
        assertTrue(connects(lan, sandbox.getPort()), started.channel() + " is reachable from the LAN");
      }
    } finally {
      sandboxes.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      client.close();
    }
  }

  private static boolean connects(String host, int port) throws IOException {
    connect(host, port);
    return true;
  }

  private static void connect(String host, int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 2_000);
    }
  }
}
