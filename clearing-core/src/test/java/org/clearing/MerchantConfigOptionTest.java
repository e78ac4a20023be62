package org.clearing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

// Proves --config reaches the engine's settings as an absolute path, only with --no-sandboxes:
// demo mode writes its own configuration, and an operator's file must not be silently ignored.
class MerchantConfigOptionTest {

  private static Main parsed(String... args) {
    Main main = new Main();
    new CommandLine(main).parseArgs(args);
    return main;
  }

  @Test
  void configWithNoSandboxesIsTheEnginesMerchantConfiguration() {
    Path file = parsed("--no-sandboxes", "--config", "sb/merchant-config.yaml").config().merchantConfig();
    assertEquals(Path.of("sb/merchant-config.yaml").toAbsolutePath().normalize(), file);
  }

  @Test
  void configInDemoModeIsRefusedRatherThanIgnored() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parsed("--config", "sb/merchant-config.yaml").config());
    assertTrue(e.getMessage().startsWith("--config is read with --no-sandboxes"), e.getMessage());
  }

  @Test
  void withoutConfigDemoModeHasNone() {
    assertNull(parsed().config().merchantConfig());
  }
}
