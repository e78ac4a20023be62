package org.clearing.tls;

import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Whom the engine trusts when it calls out — the channels' gateways and the webhook receivers
 * (issue 10 §4): the JVM's trust store plus, optionally, a bundle of extra CA certificates, with
 * the host name checked against the certificate. Never trust-all: an endpoint with a self-signed
 * or otherwise unknown certificate is refused at the handshake, before a byte of a request (keys,
 * payer data, signed orders) leaves the engine.
 */
public final class OutboundTrust {

  /** Null: the JVM's own trust store, as Vert.x uses it when given none. */
  private final TrustOptions trust;

  private OutboundTrust(TrustOptions trust) {
    this.trust = trust;
  }

  /** The JVM's trust store alone. */
  public static OutboundTrust system() {
    return new OutboundTrust(null);
  }

  /**
   * The JVM's trust store plus every certificate in {@code caBundleFile} (PEM); null for the JVM's
   * alone. Blocking: call it at start-up. An unreadable or empty bundle stops the start, named.
   */
  public static OutboundTrust load(Path caBundleFile) {
    if (caBundleFile == null) {
      return system();
    }
    try {
      List<X509Certificate> bundle = ServerTls.certificates(caBundleFile);
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (X509Certificate system : systemAuthorities()) {
        store.setCertificateEntry("system-" + i++, system);
      }
      i = 0;
      for (X509Certificate extra : bundle) {
        store.setCertificateEntry("bundle-" + i++, extra);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return new OutboundTrust(TrustOptions.wrap(factory));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("--channel-ca-bundle " + caBundleFile + ": " + e.getMessage(), e);
    }
  }

  /** The certificate authorities of the JVM's default trust store ({@code cacerts} or its override). */
  private static X509Certificate[] systemAuthorities() throws GeneralSecurityException {
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init((KeyStore) null);
    for (TrustManager manager : factory.getTrustManagers()) {
      if (manager instanceof X509TrustManager x509) {
        return x509.getAcceptedIssuers();
      }
    }
    return new X509Certificate[0];
  }

  /** Client options that verify servers' certificates and host names against this trust. */
  public WebClientOptions applyTo(WebClientOptions options) {
    // Both are Vert.x's defaults today; stated so that no later edit quietly turns them off.
    options.setTrustAll(false).setVerifyHost(true);
    if (trust != null) {
      options.setTrustOptions(trust);
    }
    return options;
  }
}
