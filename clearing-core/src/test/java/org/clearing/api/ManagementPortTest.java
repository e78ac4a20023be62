package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import org.clearing.Main;
import org.clearing.config.Network;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.TestCertificates;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * /metrics (route timings, pools, callback outcomes per channel) is not served on the public
 * port: anyone who can open a QR page gets 404 there. It is served on the management port,
 * bound to 127.0.0.1 by default, so a neighbour on the LAN cannot connect to it; /health stays
 * on the public port for load balancers.
 */
class ManagementPortTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();

  @Test
  void metricsOnThePublicPortAnswer404() {
    ApiCaller.Answer answer = new ApiCaller(engine.baseUrl(), null).raw("GET", "/metrics", new byte[0], Map.of());
    assertEquals(404, answer.status(), answer.text());
    assertTrue(!answer.text().contains("vertx_http_server"), "no metric leaks in the 404");
  }

  @Test
  void metricsAreServedOnTheManagementPortOnLoopback() {
    ApiCaller.Answer metrics = new ApiCaller(engine.managementUrl(), null).raw("GET", "/metrics", new byte[0], Map.of());
    assertEquals(200, metrics.status());
    assertTrue(engine.managementUrl().startsWith("http://127.0.0.1:"), engine.managementUrl());
    assertTrue(metrics.text().contains("vertx_http_server"), "Vert.x HTTP metrics");
  }

  @Test
  void aNeighbourOnTheLanCannotReachTheManagementPort() {
    String lan = TestCertificates.lanAddress().orElse(null);
    Assumptions.assumeTrue(lan != null, "this machine has no LAN address to connect through");
    assertThrows(IOException.class, () -> {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(lan, engine.engine().managementPort()), 2_000);
      }
    }, "the management port answered on " + lan);
  }

  @Test
  void healthStaysOnThePublicPort() {
    ApiCaller.Answer health = new ApiCaller(engine.baseUrl(), null).raw("GET", "/health", new byte[0], Map.of());
    assertEquals(200, health.status());
  }

  @Test
  void theCommandLineDefaultsKeepMetricsAndSandboxesOnThisMachine() {
    Main main = new Main();
    new CommandLine(main).parseArgs();
    Network network = main.network();
    assertEquals("127.0.0.1", network.managementHost());
    assertEquals(Network.MANAGEMENT_PORT_DEFAULT, network.managementPort());
    assertEquals("127.0.0.1", network.sandboxHost());
    assertEquals(null, network.tlsCertFile());
  }
}
