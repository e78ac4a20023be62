package org.clearing.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.clearing.http.Problem;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestCertificates;
import org.clearing.testing.TestCertificates.Issued;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With --tls-client-ca, a request to the API is served only over a connection whose client
 * presented a certificate from that CA: a client holding a genuine signing key but no certificate
 * (a key stolen from a registration system's disk) is refused before its body is read, and a
 * certificate from another CA fails the handshake. Payers and load balancers need none.
 */
class ClientCertificateTest {

  private static Issued serverAuthority;
  private static Issued clientAuthority;
  private static TestEngine engine;

  @BeforeAll
  static void start() throws Exception {
    Path directory = Files.createTempDirectory("clearing-mtls-");
    serverAuthority = TestCertificates.authority("Clearing Server CA");
    clientAuthority = TestCertificates.authority("Clearing API Client CA");
    TestCertificates.server(serverAuthority).writeTo(directory.resolve("server.pem"), directory.resolve("server-key.pem"));
    clientAuthority.writeCertificateTo(directory.resolve("client-ca.pem"));
    engine = TestEngine.startWith(network -> network.withTls(directory.resolve("server.pem"),
            directory.resolve("server-key.pem"), directory.resolve("client-ca.pem")),
        client(TestCertificates.client(clientAuthority, "registration-system")));
  }

  @AfterAll
  static void stop() throws Exception {
    engine.close();
  }

  @Test
  void aCorrectlySignedRequestWithoutAClientCertificateIsRefusedAndCreatesNothing() {
    ApiCaller withoutCertificate = new ApiCaller(engine.baseUrl(),
        TestEngine.demoSigner(engine.dataDir(), Role.REGISTRATION), client(null));

    ApiCaller.Answer refused = withoutCertificate.post("/api/v1/orders",
        OrderBodies.typical("MTLS-STOLEN-KEY").encode(), "mtls-stolen-key");

    assertEquals(401, refused.status(), refused.text());
    assertEquals(Problem.CONTENT_TYPE, refused.contentType());
    assertEquals("/problems/client-certificate-required", refused.json().getString("type"));
    assertEquals(0, engine.count("SELECT count(*) FROM orders WHERE case_no = 'MTLS-STOLEN-KEY'"));
  }

  @Test
  void aCertificateFromAnotherAuthorityFailsTheHandshake() {
    Issued impostor = TestCertificates.client(TestCertificates.authority("Clearing API Client CA"), "impostor");
    ApiCaller withForeignCertificate = new ApiCaller(engine.baseUrl(),
        TestEngine.demoSigner(engine.dataDir(), Role.REGISTRATION), client(impostor));

    // ApiCaller wraps the client's IOException: the connection ends in a TLS alert, no answer.
    assertThrows(UncheckedIOException.class, () -> withForeignCertificate
        .post("/api/v1/orders", OrderBodies.typical("MTLS-IMPOSTOR").encode(), "mtls-impostor"));

    assertEquals(0, engine.count("SELECT count(*) FROM orders WHERE case_no = 'MTLS-IMPOSTOR'"));
  }

  @Test
  void aClientWithTheAuthoritysCertificateIsServed() {
    ApiCaller.Answer created = engine.as(Role.REGISTRATION)
        .post("/api/v1/orders", OrderBodies.typical("MTLS-OK").encode(), "mtls-ok");
    assertEquals(201, created.status(), created.text());
  }

  @Test
  void healthAndThePayersPagesNeedNoCertificate() throws Exception {
    HttpResponse<String> health = client(null).send(
        HttpRequest.newBuilder(URI.create(engine.baseUrl() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode());
    HttpResponse<String> page = client(null).send(
        HttpRequest.newBuilder(URI.create(engine.baseUrl() + "/q/no-such-token")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, page.statusCode(), "the QR page route answers a phone without a certificate");
  }

  /** Over HTTP/2, as the JDK client negotiates it: the check must hold on multiplexed connections too. */
  private static HttpClient client(Issued certificateOrNull) {
    return TestCertificates.httpClient(TestCertificates.context(serverAuthority, certificateOrNull),
        HttpClient.Version.HTTP_2);
  }
}
