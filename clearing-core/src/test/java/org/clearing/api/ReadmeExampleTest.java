package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's worked example really works: its bash + OpenSSL recipe, run as written against a
 * running engine, creates an order.
 */
class ReadmeExampleTest {

  @TempDir
  Path workDir;

  @Test
  void theReadmeRecipeCreatesAnOrder() throws Exception {
    assumeTrue(openSslSpeaksSm2(), "OpenSSL 3 with SM2 is needed to run the README recipe");
    String readme = Files.readString(Path.of("..", "README.md"));
    int start = readme.indexOf("```bash", readme.indexOf("<!-- example:create-order -->"));
    int end = readme.indexOf("```", start + 7);
    String script = readme.substring(start + 7, end);

    try (TestEngine engine = TestEngine.start()) {
      ProcessBuilder builder = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script)
          .directory(workDir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(workDir.resolve("out.txt").toFile());
      builder.environment().put("CLEARING_URL", engine.baseUrl());
      builder.environment().put("DATA_DIR", engine.dataDir().toString());
      Process bash = builder.start();
      bash.getOutputStream().close();
      assertTrue(bash.waitFor(60, TimeUnit.SECONDS));
      String output = Files.readString(workDir.resolve("out.txt"), StandardCharsets.UTF_8);
      assertEquals(0, bash.exitValue(), output);
      JsonObject order = new JsonObject(output.trim());
      assertEquals("OPEN", order.getString("status"));
      assertEquals(1_509_000L, order.getLong("total_fen"));
    }
  }

  private static boolean openSslSpeaksSm2() {
    try {
      Process probe = new ProcessBuilder("openssl", "list", "-digest-algorithms")
          .redirectErrorStream(true).start();
      String text = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0 && text.contains("SM3");
    } catch (Exception e) {
      return false;
    }
  }
}
