package org.clearing.load;

// Proves that `create` reports the engine's CPU in its window per order, by thread, and that of the
// engine's own PostgreSQL, which it finds by its data directory (pg_ctl leaves the postmaster no
// child of the engine: without that search its CPU would read 0).

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class CreateCpuTest {

  private static final Path ENGINE_JAR = Path.of("..", "clearing-core", "target", "clearing-engine.jar");

  @Test
  @Timeout(300)
  void aCreateRunReportsTheEnginesCpuPerOrderByThreadAndItsDatabases(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Files.exists(ENGINE_JAR), "the engine jar is packaged by clearing-core first");
    Path report = dir.resolve("create.json");
    StringWriter err = new StringWriter();

    int exit = LoadMain.execute(new String[] {"create", "--rate", "50", "--duration", "2s",
        "--engine-jar", ENGINE_JAR.toString(), "--report", report.toString()},
        new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));

    assertEquals(0, exit, err.toString());
    JsonObject json = new JsonObject(Files.readString(report));
    assertEquals(100, json.getLong("ok"));
    assertTrue(json.getLong("engine_cpu_ms_in_window") > 0, json.encodePrettily());
    assertTrue(json.getDouble("engine_cpu_ms_per_order") > 0, json.encodePrettily());
    assertTrue(json.getJsonObject("engine_cpu_ms_by_thread").getLong("vert.x-eventloo", 0L) > 0, json.encodePrettily());
    assertTrue(json.getLong("postgres_cpu_ms_in_window") > 0, json.encodePrettily());
  }
}
