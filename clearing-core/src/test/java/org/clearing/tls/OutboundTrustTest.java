package org.clearing.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLHandshakeException;
import org.clearing.client.Role;
import org.clearing.crypto.Pem;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.TestCertificates;
import org.clearing.testing.TestCertificates.Issued;
import org.clearing.testing.TestDatabase;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's outbound clients — the one the channel adapters call the gateways with and the
 * webhook relay's — check the server's certificate against the JVM's trust store plus the
 * --channel-ca-bundle, and its host name: an endpoint presenting a self-signed certificate, or
 * one issued for another host (a man in the middle), gets no request at all; one whose
 * certificate the bundle's CA issued is served.
 */
class OutboundTrustTest {

  private static TestEngine engine;
  private static Vertx vertx;
  private static Gateway trusted;
  private static Gateway selfSigned;
  private static Gateway otherHost;

  /** An HTTPS endpoint on loopback that counts the requests that reached it. */
  private record Gateway(HttpServer server, AtomicInteger requests) {
    String url(String path) {
      return "https://127.0.0.1:" + server.actualPort() + path;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    Path directory = Files.createTempDirectory("clearing-outbound-tls-");
    Issued channelAuthority = TestCertificates.authority("Channel Private CA");
    channelAuthority.writeCertificateTo(directory.resolve("channel-ca.pem"));
    engine = TestEngine.startWith(network -> network.withChannelCaBundle(directory.resolve("channel-ca.pem")), null);
    vertx = engine.engine().vertx();
    trusted = gateway(TestCertificates.server(channelAuthority));
    selfSigned = gateway(TestCertificates.selfSignedServer());
    otherHost = gateway(TestCertificates.server(channelAuthority, "gateway.other.example"));
  }

  @AfterAll
  static void stop() throws Exception {
    for (Gateway gateway : new Gateway[] {trusted, selfSigned, otherHost}) {
      Await.result(gateway.server().close());
    }
    engine.close();
  }

  @Test
  void theChannelClientIsServedByAGatewayWhoseCertificateTheBundlesAuthorityIssued() throws Exception {
    HttpResponse<Buffer> answer = Await.result(engine.engine().channelClient().getAbs(trusted.url("/v3/ping")).send());
    assertEquals(200, answer.statusCode());
    assertEquals(1, trusted.requests().get());
  }

  @Test
  void theChannelClientSendsNothingToAGatewayPresentingASelfSignedCertificate() {
    Throwable refused = failure(engine.engine().channelClient().getAbs(selfSigned.url("/v3/ping")).send());
    assertTrue(refused instanceof SSLHandshakeException, String.valueOf(refused));
    assertEquals(0, selfSigned.requests().get());
  }

  @Test
  void theChannelClientSendsNothingToACertificateIssuedForAnotherHost() {
    Throwable refused = failure(engine.engine().channelClient().getAbs(otherHost.url("/v3/ping")).send());
    assertTrue(refused instanceof SSLHandshakeException, String.valueOf(refused));
    assertEquals(0, otherHost.requests().get());
  }

  @Test
  void withoutTheBundleThePrivateAuthorityIsNotTrusted() {
    WebClient systemOnly = WebClient.create(vertx, OutboundTrust.system().applyTo(new WebClientOptions()));
    try {
      Throwable refused = failure(systemOnly.getAbs(trusted.url("/v3/ping")).send());
      assertTrue(refused instanceof SSLHandshakeException, String.valueOf(refused));
    } finally {
      systemOnly.close();
    }
  }

  @Test
  void theWebhookRelaySendsNothingToASelfSignedReceiverAndDeliversToOneTheBundleTrusts() throws Exception {
    ApiCaller admin = engine.as(Role.ADMIN);
    setEndpoint(admin, selfSigned.url("/hooks/clearing"));
    TestDatabase.execute(engine.pgUrl(), "INSERT INTO outbox (event_type, order_no, payload)"
        + " VALUES ('payment.unmatched', NULL, '{\"type\":\"payment.unmatched\"}')");
    long eventId = engine.count("SELECT max(event_id) FROM outbox");

    Await.until("an attempt to the self-signed receiver is logged",
        () -> engine.count("SELECT count(*) FROM webhook_delivery WHERE event_id = " + eventId) > 0);
    assertEquals(-1, engine.count("SELECT max(status) FROM webhook_delivery WHERE event_id = " + eventId),
        "no answer: the handshake failed");
    assertEquals(0, selfSigned.requests().get(), "the signed event never reached the impostor");

    setEndpoint(admin, trusted.url("/hooks/clearing"));
    Await.until("the event is delivered to the receiver the bundle's authority certified",
        () -> engine.count("SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL AND event_id = "
            + eventId) == 1);
    assertTrue(trusted.requests().get() >= 1);
  }

  private static void setEndpoint(ApiCaller admin, String url) {
    ApiCaller.Answer answer = admin.send("PUT", "/api/v1/webhook-endpoint",
        new JsonObject().put("url", url).encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"), true);
    assertEquals(200, answer.status(), answer.text());
  }

  private static Gateway gateway(Issued certificate) throws Exception {
    AtomicInteger requests = new AtomicInteger();
    HttpServer server = Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions()
                .setCertValue(Buffer.buffer(Pem.write(certificate.certificate())))
                .setKeyValue(Buffer.buffer(Pem.write(certificate.keys().getPrivate())))))
        .requestHandler(request -> {
          requests.incrementAndGet();
          request.response().end("ok");
        })
        .listen(0, "127.0.0.1"));
    return new Gateway(server, requests);
  }

  private static Throwable failure(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      throw new AssertionError("the call succeeded");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
