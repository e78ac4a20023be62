package org.clearing.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.clearing.net.Cidr;

/**
 * The engine's settings. Each comes from a command-line option or the environment variable of the
 * same meaning ({@code --http-port} / {@code CLEARING_HTTP_PORT}, and so on).
 *
 * @param httpHost the address the HTTP server binds to
 * @param httpPort the HTTP port; 0 picks a free one (tests)
 * @param dataDir where the embedded database, the demo client keys and the payer-ID key live
 * @param pgUrl an external PostgreSQL ({@code postgresql://user:password@host:port/database});
 *     null to run the embedded one. Its user runs the migrations; the engine's pool takes the role
 *     {@code clearing_engine} at connection start (see {@code store/Database})
 * @param publicBaseUrl what the QR codes point to, without a trailing slash; null to derive it
 *     from this machine's LAN address and the port
 * @param dbPoolSizeMax connections in the database pool
 * @param dbWaitQueueSizeMax requests that may wait for a connection before the engine sheds load
 * @param eventLoopBlockWarnMs how long an event-loop task may run before Vert.x warns that it
 *     blocks; tests set it low and fail on the warning
 * @param sandboxes whether the three channel sandboxes start in this process (demo mode)
 * @param sandboxBasePort the WeChat sandbox's port; Alipay's and UnionPay's follow it; 0 = any
 * @param sandboxTimeCompression how much faster than real time the sandboxes' callback retry
 *     schedules run (1 = real time)
 * @param settlementIntervalMs how often the channels' bills of today and yesterday are read to
 *     settle legs
 * @param paymentQueryDelayMs how long after a channel order opens the engine first asks the
 *     channel for it when no callback has come
 * @param webhookAllowCidrs address ranges webhooks may reach although they are loopback,
 *     private, link-local or otherwise special-purpose ({@code --webhook-allow-cidr}); empty by
 *     default, so webhooks reach public addresses only
 * @param webhookHttpsOnly whether webhook endpoints must be https (set when the engine runs with
 *     TLS)
 * @param network TLS on the public port, the management port, where the sandboxes listen and
 *     which certificate authorities the engine trusts when it calls out
 * @param keys where the engine's signing and payer-ID keys and the master key sealing them come
 *     from (issue 11 §6)
 * @param merchantConfig the merchant configuration file ({@code --config}) the channels are built
 *     from; null without one. Demo mode writes its own into the data directory and ignores this
 */
public record EngineConfig(
    String httpHost,
    int httpPort,
    Path dataDir,
    String pgUrl,
    String publicBaseUrl,
    int dbPoolSizeMax,
    int dbWaitQueueSizeMax,
    long eventLoopBlockWarnMs,
    boolean sandboxes,
    int sandboxBasePort,
    double sandboxTimeCompression,
    long settlementIntervalMs,
    long paymentQueryDelayMs,
    // Webhook targets (issue 10 §5).
    List<String> webhookAllowCidrs,
    boolean webhookHttpsOnly,
    // TLS, the management port, the sandboxes' address, outbound trust (issue 10 §4, §9).
    Network network,
    // The engine's own keys (issue 11 §6).
    KeySources keys,
    // Go-live merchant configuration (issue 11 §1).
    Path merchantConfig) {

  public static final int DB_POOL_SIZE_DEFAULT = 8;
  public static final long EVENT_LOOP_BLOCK_WARN_MS_DEFAULT = 2_000;
  public static final int SANDBOX_BASE_PORT_DEFAULT = 8081;
  public static final long SETTLEMENT_INTERVAL_MS_DEFAULT = 60_000;
  public static final int DB_WAIT_QUEUE_SIZE_DEFAULT = 2_048;
  public static final long PAYMENT_QUERY_DELAY_MS_DEFAULT = 60_000;

  public EngineConfig {
    if (httpPort < 0 || httpPort > 65_535) {
      throw new IllegalArgumentException("--http-port must be 0..65535, not " + httpPort);
    }
    if (dbPoolSizeMax < 1 || dbWaitQueueSizeMax < 1) {
      throw new IllegalArgumentException("database pool and wait queue sizes must be positive");
    }
    if (sandboxBasePort < 0 || sandboxBasePort > 65_533 || sandboxTimeCompression < 1) {
      throw new IllegalArgumentException("sandbox port must be 0..65533 and time compression >= 1");
    }
    if (paymentQueryDelayMs < 0) {
      throw new IllegalArgumentException("--payment-query-after must not be negative");
    }
    webhookAllowCidrs = List.copyOf(webhookAllowCidrs);
    for (String cidr : webhookAllowCidrs) {
      try {
        Cidr.parse(cidr);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--webhook-allow-cidr: " + e.getMessage(), e);
      }
    }
    java.util.Objects.requireNonNull(network, "network");
    java.util.Objects.requireNonNull(keys, "keys");
    if (sandboxes && merchantConfig != null) {
      // Demo mode writes and reads its own merchant configuration; silently ignoring the operator's
      // file would start an engine paying into sandboxes they did not ask for.
      throw new IllegalArgumentException("--config is read with --no-sandboxes; demo mode writes its own"
          + " merchant configuration into the data directory");
    }
    if (publicBaseUrl != null) {
      if (!publicBaseUrl.matches("https?://[^\\s/?#]+(/[^\\s?#]*)?")) {
        throw new IllegalArgumentException(
            "--public-base-url must be an http(s) URL without query or fragment: " + publicBaseUrl);
      }
      while (publicBaseUrl.endsWith("/")) {
        publicBaseUrl = publicBaseUrl.substring(0, publicBaseUrl.length() - 1);
      }
    }
  }

  public static EngineConfig defaults(Path dataDir) {
    return new EngineConfig("0.0.0.0", 8080, dataDir, null, null, DB_POOL_SIZE_DEFAULT,
        DB_WAIT_QUEUE_SIZE_DEFAULT, EVENT_LOOP_BLOCK_WARN_MS_DEFAULT, true, SANDBOX_BASE_PORT_DEFAULT, 1,
        SETTLEMENT_INTERVAL_MS_DEFAULT, PAYMENT_QUERY_DELAY_MS_DEFAULT,
        List.of(), false, Network.defaults(), KeySources.defaults(), null);
  }

  public EngineConfig withHttpPort(int port) {
    return new EngineConfig(httpHost, port, dataDir, pgUrl, publicBaseUrl, dbPoolSizeMax,
        dbWaitQueueSizeMax, eventLoopBlockWarnMs, sandboxes, sandboxBasePort, sandboxTimeCompression,
        settlementIntervalMs, paymentQueryDelayMs, webhookAllowCidrs,
        webhookHttpsOnly, network, keys,
        merchantConfig);
  }

  public EngineConfig withPgUrl(String url) {
    return new EngineConfig(httpHost, httpPort, dataDir, url, publicBaseUrl, dbPoolSizeMax,
        dbWaitQueueSizeMax, eventLoopBlockWarnMs, sandboxes, sandboxBasePort, sandboxTimeCompression,
        settlementIntervalMs, paymentQueryDelayMs, webhookAllowCidrs,
        webhookHttpsOnly, network, keys,
        merchantConfig);
  }

  public EngineConfig withPublicBaseUrl(String url) {
    return new EngineConfig(httpHost, httpPort, dataDir, pgUrl, url, dbPoolSizeMax,
        dbWaitQueueSizeMax, eventLoopBlockWarnMs, sandboxes, sandboxBasePort, sandboxTimeCompression,
        settlementIntervalMs, paymentQueryDelayMs, webhookAllowCidrs,
        webhookHttpsOnly, network, keys,
        merchantConfig);
  }

  public EngineConfig withEventLoopBlockWarnMs(long ms) {
    return new EngineConfig(httpHost, httpPort, dataDir, pgUrl, publicBaseUrl, dbPoolSizeMax,
        dbWaitQueueSizeMax, ms, sandboxes, sandboxBasePort, sandboxTimeCompression,
        settlementIntervalMs, paymentQueryDelayMs, webhookAllowCidrs,
        webhookHttpsOnly, network, keys,
        merchantConfig);
  }

  /** Sandboxes on or off, on which base port, how fast their callback schedules run. */
  public EngineConfig withSandboxes(boolean on, int basePort, double timeCompression) {
    return new EngineConfig(httpHost, httpPort, dataDir, pgUrl, publicBaseUrl, dbPoolSizeMax,
        dbWaitQueueSizeMax, eventLoopBlockWarnMs, on, basePort, timeCompression, settlementIntervalMs,
        paymentQueryDelayMs, webhookAllowCidrs, webhookHttpsOnly, network, keys,
        merchantConfig);
  }

  public EngineConfig withPaymentQueryDelayMs(long ms) {
    return new EngineConfig(httpHost, httpPort, dataDir, pgUrl, publicBaseUrl, dbPoolSizeMax,
        dbWaitQueueSizeMax, eventLoopBlockWarnMs, sandboxes, sandboxBasePort, sandboxTimeCompression,
        settlementIntervalMs, ms, webhookAllowCidrs, webhookHttpsOnly, network, keys,
        merchantConfig);
  }

  /** Webhook targets: ranges allowed although special-purpose, and whether only https goes. */
  public EngineConfig withWebhookTargets(List<String> allowCidrs, boolean httpsOnly) {
    return new EngineConfig(httpHost, httpPort, dataDir, pgUrl, publicBaseUrl, dbPoolSizeMax,
        dbWaitQueueSizeMax, eventLoopBlockWarnMs, sandboxes, sandboxBasePort, sandboxTimeCompression,
        settlementIntervalMs, paymentQueryDelayMs, allowCidrs, httpsOnly, network, keys,
        merchantConfig);
  }

  // --- issue 10 §4, §9: TLS, the management port, the sandboxes' address, outbound trust ---

  public EngineConfig withNetwork(Network value) {
    return new EngineConfig(httpHost, httpPort, dataDir, pgUrl, publicBaseUrl, dbPoolSizeMax,
        dbWaitQueueSizeMax, eventLoopBlockWarnMs, sandboxes, sandboxBasePort, sandboxTimeCompression,
        settlementIntervalMs, paymentQueryDelayMs, webhookAllowCidrs, webhookHttpsOnly, value, keys,
        merchantConfig);
  }

  // --- the engine's own keys ---

  public EngineConfig withKeys(KeySources value) {
    return new EngineConfig(httpHost, httpPort, dataDir, pgUrl, publicBaseUrl, dbPoolSizeMax,
        dbWaitQueueSizeMax, eventLoopBlockWarnMs, sandboxes, sandboxBasePort, sandboxTimeCompression,
        settlementIntervalMs, paymentQueryDelayMs, webhookAllowCidrs, webhookHttpsOnly, network, value,
        merchantConfig);
  }

  // --- the merchant configuration file ---

  public EngineConfig withMerchantConfig(Path file) {
    return new EngineConfig(httpHost, httpPort, dataDir, pgUrl, publicBaseUrl, dbPoolSizeMax,
        dbWaitQueueSizeMax, eventLoopBlockWarnMs, sandboxes, sandboxBasePort, sandboxTimeCompression,
        settlementIntervalMs, paymentQueryDelayMs, webhookAllowCidrs, webhookHttpsOnly, network, keys, file);
  }

  /** The public base URL, or one built from this machine's first LAN address and the port. */
  public String publicBaseUrlOr(int actualPort) {
    if (sandboxBasePort < 0 || sandboxBasePort > 65_533 || sandboxTimeCompression < 1) {
      throw new IllegalArgumentException("sandbox port must be 0..65533 and time compression >= 1");
    }
    if (publicBaseUrl != null) {
      return publicBaseUrl;
    }
    return (network.tlsEnabled() ? "https://" : "http://") + lanAddress() + ":" + actualPort;
  }

  /** A phone on the same network can open a LAN address; "localhost" only as the last resort. */
  private static String lanAddress() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback() || nic.isVirtual()) {
          continue;
        }
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address && address.isSiteLocalAddress()) {
            return address.getHostAddress();
          }
        }
      }
    } catch (SocketException e) {
      // Fall through to localhost.
    }
    return "localhost";
  }
}
