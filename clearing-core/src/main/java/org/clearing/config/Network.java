package org.clearing.config;

import java.nio.file.Path;

/**
 * Where the engine listens and whom it trusts: TLS on the public port (issue 10 §4), the
 * management port that serves {@code /metrics} apart from the public one, the address the demo
 * sandboxes bind to, and the certificate authorities the engine trusts when it calls a channel or
 * a webhook receiver.
 *
 * @param tlsCertFile PEM certificate chain of the public port, leaf first; null serves plain HTTP
 * @param tlsKeyFile PEM private key of that certificate (PKCS#8, or a traditional RSA/EC key)
 * @param tlsClientCaFile PEM certificates of the authority that issues API clients' certificates;
 *     when set, every {@code /api/} request must come over a connection whose client presented a
 *     certificate it issued; null asks for none
 * @param tlsReloadCheckMs how often the three TLS files are looked at for a change
 * @param channelCaBundleFile PEM certificates trusted for outbound calls in addition to the JVM's
 *     trust store (a channel's private CA, a registration system's internal CA); null for none
 * @param managementHost the address of the management port; loopback keeps metrics on this machine
 * @param managementPort the port serving {@code /metrics}; 0 picks a free one (tests)
 * @param sandboxHost the address the demo sandboxes bind to and name in their URLs
 */
public record Network(Path tlsCertFile, Path tlsKeyFile, Path tlsClientCaFile, long tlsReloadCheckMs,
    Path channelCaBundleFile, String managementHost, int managementPort, String sandboxHost) {

  public static final String LOOPBACK = "127.0.0.1";
  /**
   * Not 9090 (Prometheus's own port, often on the same host) nor 8081-8083 (the sandboxes): 9464
   * is the port OpenTelemetry's Prometheus exporter uses, which scrapers are often already set for.
   */
  public static final int MANAGEMENT_PORT_DEFAULT = 9464;
  /** A renewed certificate is served within ten seconds; a stat of two or three files is cheap. */
  public static final long TLS_RELOAD_CHECK_MS_DEFAULT = 10_000;

  public Network {
    if ((tlsCertFile == null) != (tlsKeyFile == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together: give both or neither");
    }
    if (tlsClientCaFile != null && tlsCertFile == null) {
      throw new IllegalArgumentException("--tls-client-ca needs --tls-cert and --tls-key");
    }
    if (tlsReloadCheckMs < 1) {
      throw new IllegalArgumentException("the TLS reload check interval must be positive");
    }
    if (managementPort < 0 || managementPort > 65_535) {
      throw new IllegalArgumentException("--management-port must be 0..65535, not " + managementPort);
    }
    if (managementHost == null || managementHost.isBlank()) {
      throw new IllegalArgumentException("--management-host must name an address");
    }
    if (sandboxHost == null || sandboxHost.isBlank()) {
      throw new IllegalArgumentException("--sandbox-host must name an address");
    }
  }

  /** Plain HTTP, metrics on 127.0.0.1:9464, sandboxes on 127.0.0.1, the JVM's trust store only. */
  public static Network defaults() {
    return new Network(null, null, null, TLS_RELOAD_CHECK_MS_DEFAULT, null, LOOPBACK,
        MANAGEMENT_PORT_DEFAULT, LOOPBACK);
  }

  public boolean tlsEnabled() {
    return tlsCertFile != null;
  }

  /** TLS on the public port from these files; {@code clientCaFile} may be null. */
  public Network withTls(Path certFile, Path keyFile, Path clientCaFile) {
    return new Network(certFile, keyFile, clientCaFile, tlsReloadCheckMs, channelCaBundleFile,
        managementHost, managementPort, sandboxHost);
  }

  public Network withTlsReloadCheckMs(long ms) {
    return new Network(tlsCertFile, tlsKeyFile, tlsClientCaFile, ms, channelCaBundleFile,
        managementHost, managementPort, sandboxHost);
  }

  public Network withChannelCaBundle(Path file) {
    return new Network(tlsCertFile, tlsKeyFile, tlsClientCaFile, tlsReloadCheckMs, file,
        managementHost, managementPort, sandboxHost);
  }

  public Network withManagement(String host, int port) {
    return new Network(tlsCertFile, tlsKeyFile, tlsClientCaFile, tlsReloadCheckMs, channelCaBundleFile,
        host, port, sandboxHost);
  }

  public Network withSandboxHost(String host) {
    return new Network(tlsCertFile, tlsKeyFile, tlsClientCaFile, tlsReloadCheckMs, channelCaBundleFile,
        managementHost, managementPort, host);
  }
}
