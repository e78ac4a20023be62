package org.clearing.net;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.Locale;

/**
 * An address range such as {@code 10.20.0.0/16} or {@code fd00::/8}: what an operator allows
 * webhooks to reach ({@code --webhook-allow-cidr}) and what {@link WebhookTargets} refuses.
 *
 * @param network the range's first address, 4 or 16 bytes, host bits zero
 * @param prefixLength how many leading bits an address shares with {@code network}
 */
public record Cidr(byte[] network, int prefixLength) {

  public Cidr {
    if (network.length != 4 && network.length != 16) {
      throw new IllegalArgumentException("an address has 4 or 16 bytes");
    }
    if (prefixLength < 0 || prefixLength > network.length * 8) {
      throw new IllegalArgumentException("prefix length " + prefixLength + " is out of range");
    }
    network = network.clone();
    for (int bit = prefixLength; bit < network.length * 8; bit++) {
      network[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
  }

  /**
   * Parses {@code address/prefix} with a literal address (never a name, so parsing never touches
   * DNS); an address without a prefix is a single host.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static Cidr parse(String text) {
    String trimmed = text.strip();
    int slash = trimmed.indexOf('/');
    String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
    if (bytes == null || address.contains("%")) {
      throw new IllegalArgumentException("not an IP address range: " + text);
    }
    int prefix = bytes.length * 8;
    if (slash >= 0) {
      String digits = trimmed.substring(slash + 1);
      if (!digits.matches("[0-9]{1,3}")) {
        throw new IllegalArgumentException("not an IP address range: " + text);
      }
      prefix = Integer.parseInt(digits);
    }
    return new Cidr(bytes, prefix);
  }

  /** A copy: the range cannot be changed through it. */
  @Override
  public byte[] network() {
    return network.clone();
  }

  public boolean contains(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (bytes.length != network.length) {
      return false;
    }
    for (int bit = 0; bit < prefixLength; bit++) {
      int mask = 0x80 >>> (bit % 8);
      if ((bytes[bit / 8] & mask) != (network[bit / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Cidr that && prefixLength == that.prefixLength
        && java.util.Arrays.equals(network, that.network);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(network) + prefixLength;
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress().toLowerCase(Locale.ROOT) + "/" + prefixLength;
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
