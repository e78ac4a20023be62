package org.clearing.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.clearing.client.RequestSigner;
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
 * With --tls-cert/--tls-key the engine serves its API over real TLS on loopback: TLS 1.3 and 1.2,
 * HTTP/2 over ALPN, no TLS 1.1 or 1.0 handshake, and a certificate replaced on disk is served to
 * new connections without a restart (a half-replaced pair never is). The guards below the routes
 * hold over TLS too: authentication from the headers over HTTP/2, and a request framed both by
 * Content-Length and Transfer-Encoding refused over HTTPS.
 */
class HttpsServingTest {

  /** The engine looks at its TLS files this often here; the default is ten seconds. */
  static final long RELOAD_CHECK_MS = 200;
  static final long RELOAD_WAIT_MS = 15_000;

  private static Path directory;
  private static Path certFile;
  private static Path keyFile;
  private static Issued authority;
  private static SSLContext trustingTheAuthority;
  private static TestEngine engine;

  @BeforeAll
  static void start() throws Exception {
    directory = Files.createTempDirectory("clearing-tls-");
    certFile = directory.resolve("server.pem");
    keyFile = directory.resolve("server-key.pem");
    authority = TestCertificates.authority("Clearing Test CA");
    TestCertificates.server(authority).writeTo(certFile, keyFile);
    trustingTheAuthority = TestCertificates.context(authority, null);
    engine = TestEngine.startWith(network -> network.withTls(certFile, keyFile, null)
            .withTlsReloadCheckMs(RELOAD_CHECK_MS),
        TestCertificates.httpClient(trustingTheAuthority, HttpClient.Version.HTTP_1_1));
  }

  @AfterAll
  static void stop() throws Exception {
    engine.close();
  }

  @Test
  void theApiIsServedOverTls13AndOverTls12() throws Exception {
    try (SSLSocket tls13 = handshake(List.of("TLSv1.3"), List.of("http/1.1"))) {
      assertEquals("TLSv1.3", tls13.getSession().getProtocol());
    }
    try (SSLSocket tls12 = handshake(List.of("TLSv1.2"), List.of("http/1.1"))) {
      assertEquals("TLSv1.2", tls12.getSession().getProtocol());
    }
    assertTrue(engine.baseUrl().startsWith("https://"), engine.baseUrl());
    ApiCaller.Answer created = engine.as(Role.REGISTRATION)
        .post("/api/v1/orders", OrderBodies.typical("TLS-1").encode(), "tls-1");
    assertEquals(201, created.status(), created.text());
    assertTrue(created.json().getJsonObject("qr").getString("url").startsWith(TestEngine.PUBLIC_BASE_URL));
  }

  @Test
  void aClientOfferingAtMostTls11OrTls10GetsNoServerHello() throws Exception {
    for (int legacyVersion : new int[] {0x0302, 0x0301}) {
      assertFalse(serverHelloFor(legacyVersion),
          "the engine answered a TLS 0x" + Integer.toHexString(legacyVersion) + " ClientHello with a ServerHello");
    }
    // The same raw handshake offering TLS 1.2 is answered: the refusal above is about the version.
    assertTrue(serverHelloFor(0x0303), "a TLS 1.2 ClientHello is answered with a ServerHello");
  }

  @Test
  void http2IsNegotiatedOverAlpn() throws Exception {
    try (SSLSocket socket = handshake(List.of("TLSv1.3"), List.of("h2", "http/1.1"))) {
      assertEquals("h2", socket.getApplicationProtocol());
    }
    HttpResponse<String> health = TestCertificates.httpClient(trustingTheAuthority, HttpClient.Version.HTTP_2)
        .send(HttpRequest.newBuilder(URI.create(engine.baseUrl() + "/health")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode());
    assertEquals(HttpClient.Version.HTTP_2, health.version());
  }

  @Test
  void overHttp2AnUnsignedOrderIsRefusedFromItsHeadersAndASignedOneIsServed() throws Exception {
    RequestSigner registration = TestEngine.demoSigner(engine.dataDir(), Role.REGISTRATION);
    byte[] order = OrderBodies.typical("TLS-H2").encode().getBytes(StandardCharsets.UTF_8);
    HttpClient http2 = TestCertificates.httpClient(trustingTheAuthority, HttpClient.Version.HTTP_2);
    HttpRequest.Builder post = HttpRequest.newBuilder(URI.create(engine.baseUrl() + "/api/v1/orders"))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", "tls-h2")
        .POST(HttpRequest.BodyPublishers.ofByteArray(order));

    HttpResponse<String> unsigned = http2.send(post.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(HttpClient.Version.HTTP_2, unsigned.version());
    assertEquals(401, unsigned.statusCode(), unsigned.body());

    HttpResponse<String> created = http2.send(
        post.header("Authorization", registration.authorization("POST", "/api/v1/orders", order)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(HttpClient.Version.HTTP_2, created.version());
    assertEquals(201, created.statusCode(), created.body());
  }

  @Test
  void overTlsARequestFramedBothWaysIsRefusedAndTheRequestBehindItIsNeverRead() throws Exception {
    try (SSLSocket socket = handshake(List.of("TLSv1.3"), List.of("http/1.1"))) {
      // A proxy honouring Content-Length sees one request; one honouring chunking sees two.
      socket.getOutputStream().write(("POST /api/v1/orders HTTP/1.1\r\nHost: localhost\r\n"
          + "Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "0\r\n\r\nGET /health HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      // The engine closes the connection after its answer; a kept-open one times out here.
      String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertTrue(answers.startsWith("HTTP/1.1 400"), answers);
      assertTrue(answers.contains("Content-Length or Transfer-Encoding"), answers);
      assertEquals(1, answers.split("HTTP/1\\.1 ", -1).length - 1, "one answer only: " + answers);
    }
  }

  @Test
  void aCertificateReplacedOnDiskIsServedWithoutARestartAndAHalfReplacedPairIsNot() throws Exception {
    BigInteger before = servedSerial();

    // A renewal tool that has written the new certificate but not yet its key: the engine keeps
    // serving the old pair rather than a certificate it holds no key for.
    Issued renewed = TestCertificates.server(authority);
    renewed.writeCertificateTo(certFile);
    Thread.sleep(RELOAD_CHECK_MS * 5);
    assertEquals(before, servedSerial(), "a certificate without its key is not served");

    renewed.writeTo(certFile, keyFile);
    long deadline = System.currentTimeMillis() + RELOAD_WAIT_MS;
    while (!servedSerial().equals(renewed.serial()) && System.currentTimeMillis() < deadline) {
      Thread.sleep(RELOAD_CHECK_MS);
    }
    assertEquals(renewed.serial(), servedSerial(), "the renewed certificate is served after the reload");
    assertNotEquals(before, renewed.serial());
    try (SSLSocket socket = handshake(List.of("TLSv1.2"), List.of("h2", "http/1.1"))) {
      assertEquals("h2", socket.getApplicationProtocol(), "the reloaded server still offers HTTP/2");
      assertEquals("TLSv1.2", socket.getSession().getProtocol());
    }
    ApiCaller.Answer unknown = engine.as(Role.REGISTRATION).get("/api/v1/orders/NO-SUCH-ORDER");
    assertEquals(404, unknown.status(), "the API answers over the renewed certificate: " + unknown.text());
  }

  @Test
  void aClientThatDoesNotTrustTheEnginesAuthorityCannotTalkToIt() {
    HttpClient stranger = TestCertificates.httpClient(
        TestCertificates.context(TestCertificates.authority("Another CA"), null), HttpClient.Version.HTTP_1_1);
    assertThrows(IOException.class, () -> stranger.send(
        HttpRequest.newBuilder(URI.create(engine.baseUrl() + "/health")).build(),
        HttpResponse.BodyHandlers.ofString()));
  }

  private static BigInteger servedSerial() throws IOException {
    try (SSLSocket socket = handshake(List.of("TLSv1.3"), List.of("http/1.1"))) {
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  private static SSLSocket handshake(List<String> protocols, List<String> applicationProtocols) throws IOException {
    SSLSocket socket = (SSLSocket) trustingTheAuthority.getSocketFactory()
        .createSocket("localhost", engine.engine().httpPort());
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setProtocols(protocols.toArray(String[]::new));
    parameters.setApplicationProtocols(applicationProtocols.toArray(String[]::new));
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    socket.setSSLParameters(parameters);
    socket.setSoTimeout(5_000);
    socket.startHandshake();
    return socket;
  }

  /**
   * Sends a hand-made ClientHello whose highest version is {@code version} (0x0301 = TLS 1.0,
   * 0x0302 = TLS 1.1, 0x0303 = TLS 1.2) — written out byte by byte because the JDK's own client
   * refuses to speak TLS 1.0/1.1 at all — and reports whether the server answered with a
   * ServerHello (rather than an alert or a closed connection).
   */
  private static boolean serverHelloFor(int version) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", engine.engine().httpPort()), 5_000);
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(clientHello(version));
      socket.getOutputStream().flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      int contentType;
      try {
        contentType = in.readUnsignedByte();
        in.readUnsignedShort();
        in.readUnsignedShort();
      } catch (EOFException | java.net.SocketException closed) {
        return false;
      }
      if (contentType != 0x16) {
        return false; // 0x15: an alert (protocol_version)
      }
      int handshakeType = in.readUnsignedByte();
      in.skipNBytes(3);
      int serverVersion = in.readUnsignedShort();
      return handshakeType == 0x02 && serverVersion <= version;
    }
  }

  private static byte[] clientHello(int version) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    u16(body, version);
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    body.writeBytes(random);
    body.write(0); // no session id
    // ECDHE-ECDSA and RSA suites with AES-CBC-SHA (the ones TLS 1.0/1.1 have) and GCM for TLS 1.2.
    int[] suites = {0xC02B, 0xC02F, 0xC009, 0xC00A, 0xC013, 0xC014, 0x002F, 0x0035, 0x00FF};
    u16(body, suites.length * 2);
    for (int suite : suites) {
      u16(body, suite);
    }
    body.write(1);
    body.write(0); // compression: null only
    ByteArrayOutputStream extensions = new ByteArrayOutputStream();
    u16(extensions, 0x000a); // supported_groups: secp256r1
    u16(extensions, 4);
    u16(extensions, 2);
    u16(extensions, 0x0017);
    u16(extensions, 0x000b); // ec_point_formats: uncompressed
    u16(extensions, 2);
    extensions.write(1);
    extensions.write(0);
    u16(extensions, 0x000d); // signature_algorithms (TLS 1.2): ecdsa_secp256r1_sha256, rsa_pkcs1_sha256
    u16(extensions, 6);
    u16(extensions, 4);
    u16(extensions, 0x0403);
    u16(extensions, 0x0401);
    u16(body, extensions.size());
    body.writeBytes(extensions.toByteArray());

    ByteArrayOutputStream record = new ByteArrayOutputStream();
    record.write(0x16);
    u16(record, 0x0301);
    u16(record, body.size() + 4);
    record.write(0x01); // ClientHello
    record.write(0);
    u16(record, body.size());
    record.writeBytes(body.toByteArray());
    return record.toByteArray();
  }

  private static void u16(ByteArrayOutputStream out, int value) {
    out.write((value >> 8) & 0xff);
    out.write(value & 0xff);
  }
}
