package org.clearing.tls;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.clearing.config.Network;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SecretFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS on the public port (issue 10 §4): the certificate and key from PEM files, TLS 1.2 and 1.3
 * only, HTTP/2 offered over ALPN, and client certificates asked for when an API client CA is set.
 * The files are looked at on a timer and a changed, valid pair is served to new connections
 * without a restart, so a renewed certificate (certbot, a Kubernetes secret) needs no downtime.
 *
 * <p>Client certificates are REQUESTED, not REQUIRED, at the handshake: the public port also
 * serves payers' phones (the QR page) and the channels' callbacks, neither of which can present
 * a certificate. A certificate that is presented must chain to the client CA or the handshake
 * fails; the API routes then refuse any request whose connection presented none.
 */
public final class ServerTls {

  private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
  /** TLS 1.0 and 1.1 are deprecated (RFC 8996); every client of this engine speaks 1.2 or 1.3. */
  public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  private final List<Path> files;
  private final boolean clientCertificates;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean checking = new AtomicBoolean();
  private volatile Material served;
  /** The files' state at the last attempt, good or bad: a bad pair is reported once, not each tick. */
  private volatile List<FileStamp> attempted;

  /** What one file looked like: a replaced or rewritten file changes at least one of these. */
  private record FileStamp(FileTime modified, long sizeBytes, Object fileKey) {}

  /** Validated PEM contents, ready for Vert.x, and the leaf certificate for the logs. */
  private record Material(List<FileStamp> stamps, Buffer certificateChain, Buffer privateKey,
      Buffer clientCa, X509Certificate leaf) {}

  private ServerTls(List<Path> files, boolean clientCertificates, Material served) {
    this.files = files;
    this.clientCertificates = clientCertificates;
    this.served = served;
    this.attempted = served.stamps();
  }

  /**
   * Reads and checks the files named in {@code network}. Blocking: call it at start-up, before
   * the engine serves anything; a missing, unreadable or mismatched file stops the start, named,
   * and so does a key file group or others may read ({@link SecretFiles.ExposedSecretException}).
   */
  public static ServerTls load(Network network) {
    List<Path> files = new ArrayList<>(List.of(network.tlsCertFile(), network.tlsKeyFile()));
    if (network.tlsClientCaFile() != null) {
      files.add(network.tlsClientCaFile());
    }
    Material material = read(files);
    LOG.info("event=tls.loaded serial={} not_after={} client_certificates={}",
        material.leaf().getSerialNumber().toString(16), material.leaf().getNotAfter().toInstant(),
        network.tlsClientCaFile() != null);
    return new ServerTls(List.copyOf(files), network.tlsClientCaFile() != null, material);
  }

  /** Whether API requests must come with a client certificate issued by the client CA. */
  public boolean clientCertificatesRequired() {
    return clientCertificates;
  }

  /** The public server's options with TLS as currently loaded. */
  public HttpServerOptions configure(HttpServerOptions options) {
    ServerSSLOptions ssl = sslOptions(served);
    options.setSsl(true)
        .setUseAlpn(true)
        .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
        .setKeyCertOptions(ssl.getKeyCertOptions())
        .setClientAuth(ssl.getClientAuth());
    if (ssl.getTrustOptions() != null) {
      options.setTrustOptions(ssl.getTrustOptions());
    }
    return options;
  }

  /** Registers a listening server for reloads (one per API verticle; they share the port). */
  public void serving(HttpServer server) {
    servers.add(server);
  }

  public void stoppedServing(HttpServer server) {
    servers.remove(server);
  }

  /** Looks at the files every {@code Network.tlsReloadCheckMs}; returns the timer's id. */
  public long watch(Vertx vertx, long checkIntervalMs) {
    return vertx.setPeriodic(checkIntervalMs, id -> reloadIfChanged(vertx));
  }

  /**
   * Reloads when a file changed since the last attempt and the new files are a valid pair;
   * completes with whether new TLS material is now served. A bad set is logged and the old
   * certificate stays in service until the files change again.
   */
  public Future<Boolean> reloadIfChanged(Vertx vertx) {
    if (!checking.compareAndSet(false, true)) {
      return Future.succeededFuture(false);
    }
    return vertx.executeBlocking(() -> {
          List<FileStamp> now = stamps(files);
          if (now.equals(attempted)) {
            return null;
          }
          attempted = now;
          return read(files);
        }, false)
        .compose(material -> material == null ? Future.succeededFuture(false) : apply(material))
        .onFailure(e -> LOG.warn("event=tls.reload_refused error=\"{}\" still_serving_serial={}",
            e.getMessage(), served.leaf().getSerialNumber().toString(16)))
        .eventually(() -> {
          checking.set(false);
          return Future.succeededFuture();
        });
  }

  private Future<Boolean> apply(Material material) {
    ServerSSLOptions ssl = sslOptions(material);
    return Future.all(servers.stream().map(server -> server.updateSSLOptions(ssl)).toList())
        .map(all -> {
          served = material;
          LOG.info("event=tls.reloaded serial={} not_after={}",
              material.leaf().getSerialNumber().toString(16), material.leaf().getNotAfter().toInstant());
          return true;
        });
  }

  private ServerSSLOptions sslOptions(Material material) {
    ServerSSLOptions ssl = new ServerSSLOptions()
        .setUseAlpn(true)
        .setEnabledSecureTransportProtocols(PROTOCOLS)
        .setKeyCertOptions(new PemKeyCertOptions()
            .setCertValue(material.certificateChain())
            .setKeyValue(material.privateKey()))
        .setClientAuth(clientCertificates ? ClientAuth.REQUEST : ClientAuth.NONE);
    if (clientCertificates) {
      ssl.setTrustOptions(new PemTrustOptions().addCertValue(material.clientCa()));
    }
    return ssl;
  }

  private static List<FileStamp> stamps(List<Path> files) throws IOException {
    List<FileStamp> stamps = new ArrayList<>();
    for (Path file : files) {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      stamps.add(new FileStamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey()));
    }
    return stamps;
  }

  /** Reads the files (stamped first, so a change during the read is seen next time) and checks them. */
  private static Material read(List<Path> files) {
    Path certFile = files.get(0);
    Path keyFile = files.get(1);
    try {
      List<FileStamp> stamps = stamps(files);
      // The key is a secret like the engine's own keys: one other users can read was possibly
      // read already, so it is not served (at start-up the engine does not start), named.
      SecretFiles.requireOwnerOnly(keyFile);
      List<X509Certificate> chain = certificates(certFile);
      PrivateKey key = privateKey(keyFile);
      checkPair(chain.get(0), key, certFile, keyFile);
      Buffer clientCa = null;
      if (files.size() > 2) {
        certificates(files.get(2));
        clientCa = Buffer.buffer(Files.readAllBytes(files.get(2)));
      }
      return new Material(stamps, Buffer.buffer(Files.readAllBytes(certFile)),
          Buffer.buffer(Pem.write(key)), clientCa, chain.get(0));
    } catch (IOException e) {
      throw new IllegalArgumentException("TLS file unreadable: " + e.getMessage(), e);
    }
  }

  /** Every certificate in a PEM file, in order; the first of a chain file is the server's own. */
  static List<X509Certificate> certificates(Path file) throws IOException {
    try (var in = new ByteArrayInputStream(Files.readAllBytes(file))) {
      List<X509Certificate> certificates = new ArrayList<>();
      CertificateFactory.getInstance("X.509").generateCertificates(in)
          .forEach(c -> certificates.add((X509Certificate) c));
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException(file + " holds no PEM certificate");
      }
      return certificates;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(file + " holds no readable PEM certificate: " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path file) throws IOException {
    try {
      return Pem.readPrivateKey(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Signs with the key and verifies with the certificate: a key that does not belong to the
   * certificate (say, the certificate file already renewed and the key not yet) is never served.
   */
  private static void checkPair(X509Certificate leaf, PrivateKey key, Path certFile, Path keyFile) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC", "ECDSA" -> "SHA256withECDSA";
      default -> throw new IllegalArgumentException(keyFile + ": a " + key.getAlgorithm()
          + " key cannot serve TLS here; use an RSA or EC (P-256, P-384) key");
    };
    byte[] probe = Crypto.randomToken(16).getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm, Crypto.provider());
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm, Crypto.provider());
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(probe);
      if (verifier.verify(signature)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      // Falls through: a key of another type or curve is a mismatch too.
    }
    throw new IllegalArgumentException(keyFile + " is not the private key of the first certificate in "
        + certFile);
  }
}
