package org.clearing.outbox;

import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.clearing.net.Cidr;

/**
 * Where webhooks may go. Any client sets its own endpoint, so without this check a client could
 * make the engine POST to the cloud metadata service, the database port or anything else on the
 * engine's own network, and read the status codes back from the delivery log (issue 10 §5).
 *
 * <p>A target is refused when any address it names or resolves to is loopback, link-local,
 * private (RFC 1918, unique local), shared (carrier-grade NAT), multicast, unspecified or another
 * special-purpose range — unless the operator allows a range with {@code --webhook-allow-cidr}.
 * IPv4 written the way {@code inet_aton} and browsers read it ({@code 2130706433},
 * {@code 0x7f000001}, {@code 0177.0.0.1}, {@code 127.1}) is decoded first, and IPv4 inside IPv6
 * (mapped, NAT64, 6to4) is checked as the IPv4 address it carries.
 *
 * <p>The relay checks at delivery time and then connects to the very address it checked, with
 * the endpoint's name in the Host header and TLS SNI: resolving once leaves no gap for a DNS
 * answer that changes between the check and the connection (DNS rebinding). The check when an
 * endpoint is set is a courtesy that refuses a bad target early; a name that does not resolve yet
 * is accepted there and checked again at every delivery.
 */
public final class WebhookTargets {

  /** Resolves a host name to all its addresses; injectable so tests control what a name means. */
  @FunctionalInterface
  public interface Resolver {
    Future<List<InetAddress>> resolve(String host);
  }

  /** What a check found. */
  public sealed interface Checked permits Allowed, Refused, Unresolved {}

  /**
   * A target the engine may reach: connect to {@code address}, say {@code host} in the Host
   * header and the TLS handshake.
   */
  public record Allowed(String host, int port, boolean ssl, String pathWithQuery, InetAddress address)
      implements Checked {}

  /** A target the engine must not reach, and why, in words for the client who set it. */
  public record Refused(String reason) implements Checked {}

  /** A name that did not resolve (now); nothing is known about where it points. */
  public record Unresolved(String reason) implements Checked {}

  private record Range(String kind, Cidr cidr) {}

  /** Special-purpose IPv4 ranges (IANA registry), each with the word the refusal uses. */
  private static final List<Range> REFUSED_V4 = List.of(
      range("unspecified", "0.0.0.0/8"),
      range("private", "10.0.0.0/8"),
      range("shared (carrier-grade NAT)", "100.64.0.0/10"),
      range("loopback", "127.0.0.0/8"),
      range("link-local", "169.254.0.0/16"),
      range("private", "172.16.0.0/12"),
      range("reserved", "192.0.0.0/24"),
      range("reserved", "192.0.2.0/24"),
      range("reserved", "192.88.99.0/24"),
      range("private", "192.168.0.0/16"),
      range("reserved", "198.18.0.0/15"),
      range("reserved", "198.51.100.0/24"),
      range("reserved", "203.0.113.0/24"),
      range("multicast", "224.0.0.0/4"),
      range("reserved", "240.0.0.0/4"));

  /** Special-purpose IPv6 ranges; IPv4-carrying ones are unwrapped before these are looked at. */
  private static final List<Range> REFUSED_V6 = List.of(
      range("unspecified", "::/128"),
      range("loopback", "::1/128"),
      range("reserved", "::/8"),
      range("reserved", "100::/64"),
      range("reserved", "2001::/23"),
      range("reserved", "2001:db8::/32"),
      range("private", "fc00::/7"),
      range("link-local", "fe80::/10"),
      range("private", "fec0::/10"),
      range("multicast", "ff00::/8"));

  private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
  private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");

  private final List<Cidr> allowed;
  private final boolean httpsOnly;
  private final Resolver resolver;

  /**
   * @param allowed ranges the operator lets webhooks reach even though they are special-purpose
   * @param httpsOnly whether plain http endpoints are refused (the engine runs with TLS)
   */
  public WebhookTargets(List<Cidr> allowed, boolean httpsOnly, Resolver resolver) {
    this.allowed = List.copyOf(allowed);
    this.httpsOnly = httpsOnly;
    this.resolver = resolver;
  }

  /**
   * The operating system's resolver (hosts file, then DNS), run on a worker thread because
   * {@link InetAddress#getAllByName} blocks.
   */
  public static Resolver systemResolver(Vertx vertx) {
    return host -> vertx.executeBlocking(() -> List.of(InetAddress.getAllByName(host)), false);
  }

  public boolean httpsOnly() {
    return httpsOnly;
  }

  /** Checks {@code url}: its form, then every address it names or resolves to. Never fails. */
  public Future<Checked> check(String url) {
    Optional<String> problem = WebhookRepository.urlProblem(url);
    if (problem.isPresent()) {
      return Future.succeededFuture(new Refused(problem.get()));
    }
    URI uri = URI.create(url);
    boolean ssl = uri.getScheme().equalsIgnoreCase("https");
    if (httpsOnly && !ssl) {
      return Future.succeededFuture(new Refused("must be an https URL: this engine sends webhooks only over TLS"));
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : ssl ? 443 : 80;
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String pathWithQuery = path + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    Literal literal = literal(name);
    if (literal instanceof Invalid invalid) {
      return Future.succeededFuture(new Refused(invalid.reason()));
    }
    Future<List<InetAddress>> addresses = literal instanceof Addresses known
        ? Future.succeededFuture(known.addresses())
        : resolver.resolve(name);
    return addresses.<Checked>map(all -> {
      for (InetAddress address : all) {
        Optional<String> kind = refusedKind(address);
        if (kind.isPresent()) {
          // A name's addresses stay unsaid: the answer must not map the engine's network.
          return new Refused(literal instanceof Addresses
              ? "points to an address webhooks may not reach (" + kind.get() + ": " + address.getHostAddress() + ")"
              : "resolves to an address webhooks may not reach (" + kind.get() + ")");
        }
      }
      if (all.isEmpty()) {
        return new Unresolved("the host has no address");
      }
      return new Allowed(uri.getHost(), port, ssl, pathWithQuery, all.get(0));
    }).otherwise(e -> new Unresolved("the host did not resolve: " + e.getClass().getSimpleName()));
  }

  private sealed interface Literal permits Name, Addresses, Invalid {}

  private record Name() implements Literal {}

  private record Addresses(List<InetAddress> addresses) implements Literal {}

  private record Invalid(String reason) implements Literal {}

  /**
   * The addresses a host stands for without asking any resolver: an IP literal, or a name that
   * is loopback by definition (RFC 6761 §6.3: {@code localhost} and names under it).
   */
  private static Literal literal(String host) {
    try {
      if (host.startsWith("[")) {
        String inside = host.substring(1, host.length() - 1);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(inside);
        if (bytes == null || inside.contains("%")) {
          return new Invalid("must name an IPv6 address without a network interface");
        }
        return new Addresses(List.of(InetAddress.getByAddress(bytes)));
      }
      if (host.equals("localhost") || host.endsWith(".localhost")) {
        return new Addresses(List.of(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}),
            InetAddress.getByAddress(NetUtil.LOCALHOST6.getAddress())));
      }
      String[] parts = host.split("\\.", -1);
      if (!parts[parts.length - 1].matches("[0-9]+|0x[0-9a-f]*")) {
        return new Name();
      }
      byte[] v4 = ipv4(parts);
      return v4 == null ? new Invalid("is not a valid IPv4 address")
          : new Addresses(List.of(InetAddress.getByAddress(v4)));
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4 or 16 bytes are always an address", e);
    }
  }

  /**
   * IPv4 the way the WHATWG URL standard (and {@code inet_aton}) reads it: one to four parts,
   * each decimal, {@code 0x} hexadecimal or {@code 0} octal, the last filling the remaining bytes.
   * Null when the parts are not such an address.
   */
  private static byte[] ipv4(String[] parts) {
    if (parts.length > 4) {
      return null;
    }
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      try {
        if (part.startsWith("0x")) {
          values[i] = part.length() == 2 ? 0 : Long.parseLong(part.substring(2), 16);
        } else if (part.length() > 1 && part.startsWith("0")) {
          values[i] = Long.parseLong(part.substring(1), 8);
        } else {
          values[i] = Long.parseLong(part);
        }
      } catch (NumberFormatException e) {
        return null;
      }
      long max = i < parts.length - 1 ? 255 : (1L << (8 * (5 - parts.length))) - 1;
      if (values[i] < 0 || values[i] > max) {
        return null;
      }
    }
    long address = values[parts.length - 1];
    for (int i = 0; i < parts.length - 1; i++) {
      address |= values[i] << (8 * (3 - i));
    }
    return new byte[] {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
  }

  /** Why the engine must not reach {@code address}, or empty when it may. */
  Optional<String> refusedKind(InetAddress address) {
    InetAddress carried = carriedIpv4(address);
    if (allowed.stream().anyMatch(c -> c.contains(address) || carried != null && c.contains(carried))) {
      return Optional.empty();
    }
    if (carried != null) {
      return kindIn(REFUSED_V4, carried);
    }
    return kindIn(address instanceof Inet4Address ? REFUSED_V4 : REFUSED_V6, address);
  }

  private static Optional<String> kindIn(List<Range> ranges, InetAddress address) {
    return ranges.stream().filter(r -> r.cidr().contains(address)).map(Range::kind).findFirst();
  }

  /** The IPv4 address an IPv6 one carries (mapped ::ffff:0:0/96, NAT64, 6to4), or null. */
  private static InetAddress carriedIpv4(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (bytes.length != 16) {
      return null;
    }
    byte[] v4 = null;
    boolean mapped = Arrays.equals(Arrays.copyOf(bytes, 12),
        new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff});
    if (mapped || NAT64.contains(address)) {
      v4 = Arrays.copyOfRange(bytes, 12, 16);
    } else if (SIX_TO_FOUR.contains(address)) {
      v4 = Arrays.copyOfRange(bytes, 2, 6);
    }
    try {
      return v4 == null ? null : InetAddress.getByAddress(v4);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Range range(String kind, String cidr) {
    return new Range(kind, Cidr.parse(cidr));
  }
}
