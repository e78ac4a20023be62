package org.clearing.store;

import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code --pg-url} read once, for both ways the engine reaches PostgreSQL: the Vert.x SQL
 * client and Flyway's JDBC connection for the migrations. Each query parameter is honoured by both
 * or refused at start-up: Vert.x silently drops parameters it does not know, and a JDBC URL built
 * from host, port and database alone lost all of them, so {@code sslmode=require} protected the
 * pool while the migrations (which see the whole schema) went over plain TCP. TLS follows libpq:
 * {@code verify-ca}/{@code verify-full} check the server against {@code sslrootcert}, which must
 * then be given (no silent fallback to a file in the home directory).
 *
 * <p>No message made here carries the password: the URL is shown with it replaced by
 * {@code ***}, and Vert.x's own parse error (which quotes the whole URL) is not kept as a cause.
 */
record PgUrl(PgConnectOptions options, Properties jdbcProperties, int connectTimeoutMs) {

  /** The parameters understood, with libpq's names and meanings. */
  static final Set<String> PARAMETERS =
      Set.of("sslmode", "sslrootcert", "application_name", "connect_timeout");

  private static final Set<String> SSL_MODES =
      Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  /** libpq's connect_timeout is in seconds; 0 there means "wait forever", which we refuse. */
  private static final int CONNECT_TIMEOUT_S_MAX = 300;

  /** PostgreSQL keeps at most NAMEDATALEN - 1 = 63 bytes of an application name. */
  private static final Pattern APPLICATION_NAME = Pattern.compile("[\\x20-\\x7e]{1,63}");

  static final int CONNECT_TIMEOUT_MS_DEFAULT = 60_000;

  /** The embedded database: on this machine, so no TLS; the launcher's own settings otherwise. */
  static PgUrl local(PgConnectOptions options) {
    Properties jdbc = new Properties();
    jdbc.setProperty("user", options.getUser());
    jdbc.setProperty("password", options.getPassword());
    return new PgUrl(options, jdbc, CONNECT_TIMEOUT_MS_DEFAULT);
  }

  static PgUrl parse(String url) {
    // A password may hold an unescaped '?': the query starts after the user-info's last '@'.
    int question = url.indexOf('?', Math.max(0, url.lastIndexOf('@')));
    String base = question < 0 ? url : url.substring(0, question);
    Map<String, String> parameters = question < 0 ? Map.of() : parameters(url, url.substring(question + 1));
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(base);
    } catch (RuntimeException e) {
      // Vert.x's message quotes the URL with its password: say what is wrong without it.
      throw invalid(url, "it is not of the form postgresql://user:password@host:port/database");
    }
    // Vert.x replaces its default session settings (UTF-8, ISO dates) by the URL's properties;
    // keep them and add the application name on top.
    Map<String, String> properties = new HashMap<>(PgConnectOptions.DEFAULT_PROPERTIES);
    Properties jdbc = new Properties();
    jdbc.setProperty("user", options.getUser());
    jdbc.setProperty("password", options.getPassword() == null ? "" : options.getPassword());
    String sslMode = parameters.getOrDefault("sslmode", "disable");
    options.setSslMode(SslMode.of(sslMode));
    jdbc.setProperty("sslmode", sslMode);
    String rootCertificate = parameters.get("sslrootcert");
    requireRootCertificateWhereVerified(url, sslMode, rootCertificate);
    if (!sslMode.equals("disable")) {
      options.setSslOptions(tls(sslMode, rootCertificate));
    }
    if (rootCertificate != null) {
      jdbc.setProperty("sslrootcert", rootCertificate);
    }
    String applicationName = parameters.getOrDefault("application_name", "clearing-engine");
    properties.put("application_name", applicationName);
    jdbc.setProperty("ApplicationName", applicationName);
    int connectTimeoutMs = CONNECT_TIMEOUT_MS_DEFAULT;
    if (parameters.containsKey("connect_timeout")) {
      int seconds = Integer.parseInt(parameters.get("connect_timeout"));
      connectTimeoutMs = seconds * 1000;
    }
    jdbc.setProperty("connectTimeout", Integer.toString(connectTimeoutMs / 1000));
    options.setProperties(properties);
    return new PgUrl(options, jdbc, connectTimeoutMs);
  }

  /**
   * libpq's meaning on the Vert.x side: require, prefer and allow encrypt without checking the
   * server's certificate (as pgjdbc does for them); verify-ca checks it against the given CA and
   * verify-full also checks that it names the host.
   */
  private static ClientSSLOptions tls(String sslMode, String rootCertificate) {
    ClientSSLOptions tls = new ClientSSLOptions();
    if (rootCertificate == null) {
      return tls.setTrustAll(true).setHostnameVerificationAlgorithm("");
    }
    return tls.setTrustOptions(new PemTrustOptions().addCertPath(rootCertificate))
        .setHostnameVerificationAlgorithm(sslMode.equals("verify-full") ? "HTTPS" : "");
  }

  /**
   * libpq falls back to ~/.postgresql/root.crt, a file the operator may not know about; here the
   * CA is named in the URL, and only where it is used, so both clients check the same thing.
   */
  private static void requireRootCertificateWhereVerified(String url, String sslMode, String rootCertificate) {
    boolean verified = sslMode.startsWith("verify-");
    if (verified && rootCertificate == null) {
      throw invalid(url, "sslmode=" + sslMode + " needs sslrootcert=<file of the CA certificate, PEM>");
    }
    if (!verified && rootCertificate != null) {
      throw invalid(url, "sslrootcert is used only with sslmode=verify-ca or verify-full");
    }
    if (rootCertificate != null && !Files.isReadable(Path.of(rootCertificate))) {
      throw invalid(url, "the sslrootcert file cannot be read");
    }
  }

  /** The JDBC URL of the same server and database; credentials and settings go as properties. */
  String jdbcUrl() {
    String host = options.getHost().contains(":") ? "[" + options.getHost() + "]" : options.getHost();
    return "jdbc:postgresql://" + host + ":" + options.getPort() + "/" + options.getDatabase();
  }

  private static Map<String, String> parameters(String url, String query) {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String pair : query.split("&", -1)) {
      int equals = pair.indexOf('=');
      if (equals <= 0) {
        throw invalid(url, "its query part is not a list of name=value joined by '&'");
      }
      String name = decode(url, pair.substring(0, equals));
      String value = decode(url, pair.substring(equals + 1));
      if (!PARAMETERS.contains(name)) {
        throw invalid(url, "the parameter \"" + safe(name) + "\" is not supported (supported: "
            + String.join(", ", PARAMETERS.stream().sorted().toList()) + ")");
      }
      if (parameters.put(name, value) != null) {
        throw invalid(url, "the parameter \"" + name + "\" is given twice");
      }
      check(url, name, value);
    }
    return parameters;
  }

  private static void check(String url, String name, String value) {
    switch (name) {
      case "sslmode" -> {
        if (!SSL_MODES.contains(value)) {
          throw invalid(url, "sslmode must be one of " + String.join(", ", SSL_MODES.stream().sorted().toList()));
        }
      }
      case "connect_timeout" -> {
        if (!value.matches("[0-9]{1,3}") || Integer.parseInt(value) < 1
            || Integer.parseInt(value) > CONNECT_TIMEOUT_S_MAX) {
          throw invalid(url, "connect_timeout must be a whole number of seconds from 1 to "
              + CONNECT_TIMEOUT_S_MAX);
        }
      }
      case "sslrootcert" -> {
        if (value.isEmpty() || value.chars().anyMatch(Character::isISOControl)) {
          throw invalid(url, "sslrootcert must be the path of a file");
        }
      }
      case "application_name" -> {
        if (!APPLICATION_NAME.matcher(value).matches()) {
          throw invalid(url, "application_name must be 1 to 63 printable ASCII characters");
        }
      }
      default -> throw new IllegalStateException("unchecked parameter " + name);
    }
  }

  private static String decode(String url, String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid(url, "it has a malformed %-escape");
    }
  }

  private static IllegalArgumentException invalid(String url, String reason) {
    return new IllegalArgumentException("--pg-url " + redacted(url) + " is refused: " + reason);
  }

  /**
   * The URL for messages: the password and the query part (which could hold anything) replaced.
   * A password may hold '/', '?' or ':' unescaped, so the host starts after the last '@'.
   */
  static String redacted(String url) {
    int scheme = url.indexOf("://");
    int start = scheme < 0 ? 0 : scheme + 3;
    int at = url.lastIndexOf('@');
    String userInfo = "";
    if (at >= start) {
      int colon = url.indexOf(':', start);
      userInfo = (colon >= 0 && colon < at ? url.substring(start, colon) + ":***" : url.substring(start, at)) + "@";
    }
    String rest = url.substring(Math.max(start, at + 1));
    int question = rest.indexOf('?');
    String hostAndPath = question < 0 ? rest : rest.substring(0, question) + "?…";
    return safe(url.substring(0, start) + userInfo + hostAndPath);
  }

  /** Bounded and without control characters, so a message line stays one honest line. */
  private static String safe(String text) {
    String cut = text.length() > 200 ? text.substring(0, 200) + "…" : text;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
