package org.clearing.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.clearing.channel.Channel;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

// Proves the sandboxes command reads its receivers as CHANNEL=ID and refuses anything else before
// starting, and that its defaults are the demo regions' receivers.
class SandboxesCommandTest {

  @Test
  void receiversAreReadPerChannel() {
    Map<Channel, Map<String, String>> accounts =
        SandboxesCommand.accounts(List.of("wechat=1900000101", "alipay=2088000000000101", "wechat=1900000102"));
    assertEquals(Map.of("1900000101", "1900000101", "1900000102", "1900000102"), accounts.get(Channel.WECHAT));
    assertEquals(Map.of("2088000000000101", "2088000000000101"), accounts.get(Channel.ALIPAY));
  }

  @Test
  void aReceiverWithoutAKnownChannelOrWithAStrangeIdIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> SandboxesCommand.accounts(List.of("paypal=1")));
    assertThrows(IllegalArgumentException.class, () -> SandboxesCommand.accounts(List.of("1900000101")));
    assertThrows(IllegalArgumentException.class, () -> SandboxesCommand.accounts(List.of("wechat=19 01")));
  }

  @Test
  void aBadReceiverStopsTheCommandBeforeAnySandboxStarts() {
    assertEquals(2, new CommandLine(new SandboxesCommand()).execute("--receiver", "bank=1"));
  }

  @Test
  void theDefaultReceiversAreTheDemoRegionsFourPerChannel() {
    for (Channel channel : Channel.values()) {
      assertEquals(4, SandboxesCommand.DEMO_RECEIVERS.get(channel).size(), channel.code());
    }
  }
}
