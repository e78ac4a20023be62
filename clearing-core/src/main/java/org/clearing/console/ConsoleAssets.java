package org.clearing.console;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The consoles' scripts and styles: htmx and ECharts from their WebJars (no Node build step) and
 * the console's own. Each is read once at start-up, hashed, and served under a URL holding its
 * hash, so a browser may cache it for a year ({@code immutable}) and a new version is a new URL.
 * Pages load each with its Subresource Integrity hash (SHA-384), so a proxy or a cache that
 * altered a script would have it refused by the browser.
 */
public final class ConsoleAssets {

  public static final String PREFIX = "/console/assets/";
  static final String CACHE_CONTROL = "public, max-age=31536000, immutable";

  /** One asset: its URL (with its hash), its integrity attribute, its type and bytes. */
  public record Asset(String name, String url, String integrity, String contentType, Buffer bytes) {
    /** For the templates: {@code asset.url}, {@code asset.integrity}. */
    public String getUrl() {
      return url;
    }

    public String getIntegrity() {
      return integrity;
    }
  }

  private final Map<String, Asset> byName;
  private final Map<String, Asset> byUrl;

  private ConsoleAssets(Map<String, Asset> byName) {
    this.byName = Map.copyOf(byName);
    Map<String, Asset> urls = new LinkedHashMap<>();
    byName.values().forEach(a -> urls.put(a.url(), a));
    this.byUrl = Map.copyOf(urls);
  }

  /** Reads and hashes every asset from the class path. Blocking: call it at start-up, off the event loop. */
  public static ConsoleAssets load() {
    Map<String, Asset> assets = new LinkedHashMap<>();
    String htmx = webjarVersion("htmx.org");
    String echarts = webjarVersion("echarts");
    add(assets, "htmx.min.js", "META-INF/resources/webjars/htmx.org/" + htmx + "/dist/htmx.min.js");
    add(assets, "echarts.min.js", "META-INF/resources/webjars/echarts/" + echarts + "/dist/echarts.min.js");
    add(assets, "console.js", "console/assets/console.js");
    add(assets, "console.css", "console/assets/console.css");
    add(assets, "tax.js", "console/assets/tax.js");
    add(assets, "tax.css", "console/assets/tax.css");
    add(assets, "finance.js", "console/assets/finance.js");
    add(assets, "finance.css", "console/assets/finance.css");
    add(assets, "channels.js", "console/assets/channels.js");
    add(assets, "channels.css", "console/assets/channels.css");
    return new ConsoleAssets(assets);
  }

  /** The asset called {@code name}; a missing one is a packaging bug. */
  public Asset get(String name) {
    Asset asset = byName.get(name);
    if (asset == null) {
      throw new IllegalArgumentException("no console asset " + name);
    }
    return asset;
  }

  /** Every asset by name, for the templates. */
  public Map<String, Asset> all() {
    return byName;
  }

  /** Serves {@code GET /console/assets/<hash>/<name>}; any other URL is not found. */
  void serve(RoutingContext ctx) {
    Asset asset = byUrl.get(ctx.request().path());
    if (asset == null) {
      ctx.response().setStatusCode(404).putHeader("Cache-Control", "no-store").end();
      return;
    }
    ctx.response().putHeader("Content-Type", asset.contentType())
        .putHeader("Cache-Control", CACHE_CONTROL)
        .putHeader("Cross-Origin-Resource-Policy", "same-origin")
        .end(asset.bytes());
  }

  private static void add(Map<String, Asset> assets, String name, String resource) {
    byte[] bytes = read(resource);
    String hash = HexFormat.of().formatHex(digest("SHA-256", bytes)).substring(0, 16);
    String integrity = "sha384-" + Base64.getEncoder().encodeToString(digest("SHA-384", bytes));
    String type = name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
    assets.put(name, new Asset(name, PREFIX + hash + "/" + name, integrity, type, Buffer.buffer(bytes)));
  }

  /** The version of a WebJar on the class path, from its Maven metadata: the build pins it, not this code. */
  private static String webjarVersion(String artifact) {
    Properties pom = new Properties();
    try (InputStream in = resource("META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties")) {
      pom.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pom.getProperty("version");
  }

  private static byte[] read(String name) {
    try (InputStream in = resource(name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream resource(String name) {
    InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException("the console asset " + name + " is missing from the class path");
    }
    return in;
  }

  private static byte[] digest(String algorithm, byte[] bytes) {
    try {
      return MessageDigest.getInstance(algorithm).digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has " + algorithm, e);
    }
  }
}
