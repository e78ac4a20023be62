package org.clearing.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

// An operator's --webhook-allow-cidr reads as written, covers exactly its range, and a name or a
// malformed range is refused before the engine starts (a name would need DNS to mean anything).
class CidrTest {

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  @Test
  void aRangeCoversItsAddressesAndNoOthers() throws Exception {
    Cidr range = Cidr.parse("10.20.0.0/16");
    assertTrue(range.contains(ip("10.20.0.1")));
    assertTrue(range.contains(ip("10.20.255.255")));
    assertFalse(range.contains(ip("10.21.0.0")));
    assertFalse(range.contains(ip("::1")), "an IPv4 range holds no IPv6 address");
    assertTrue(Cidr.parse("fd00::/8").contains(ip("fd12:3456::1")));
    assertFalse(Cidr.parse("fd00::/8").contains(ip("fe80::1")));
  }

  @Test
  void hostBitsAreClearedAndAnAddressAloneIsOneHost() throws Exception {
    assertEquals("10.20.0.0/16", Cidr.parse("10.20.30.40/16").toString());
    Cidr host = Cidr.parse("192.0.2.7");
    assertTrue(host.contains(ip("192.0.2.7")));
    assertFalse(host.contains(ip("192.0.2.8")));
  }

  @Test
  void namesAndMalformedRangesAreRefused() {
    for (String bad : new String[] {"intranet.example", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "::/129",
        "fe80::1%eth0/64", "", "10.0.0/8"}) {
      assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
    }
  }
}
