package org.clearing.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.clearing.Engine;
import org.clearing.Main;
import org.clearing.client.KeyType;
import org.clearing.client.RequestSigner;
import org.clearing.config.EngineConfig;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * An operator bootstraps the first administrator offline from a public key, and an engine without
 * the sandboxes (not demo mode) then runs with that administrator and no demo client, no demo key
 * on disk. The command refuses what the admin API refuses.
 */
class ClientsCommandTest {

  @TempDir
  Path dataDir;

  private record Run(int exitCode, String out, String err) {}

  private static Run clients(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "clients";
    System.arraycopy(args, 0, all, 1, args.length);
    int exit = new CommandLine(new Main()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(all);
    return new Run(exit, out.toString(), err.toString());
  }

  private Path resourceFile(String name) throws IOException {
    Path file = dataDir.resolve(name);
    try (var in = ClientsCommandTest.class.getResourceAsStream("/openssl/" + name)) {
      Files.write(file, in.readAllBytes());
    }
    return file;
  }

  @Test
  void anAdministratorAddedOfflineRunsAnEngineThatMakesNoDemoClients() throws Exception {
    String pgUrl = TestDatabase.newDatabase();
    Run added = clients("add", "--role", "admin", "--client-id", "ops-admin",
        "--public-key", resourceFile("sm2-public.pem").toString(), "--pg-url", pgUrl,
        "--data-dir", dataDir.toString());
    assertEquals(0, added.exitCode(), added.err());
    assertTrue(added.out().contains("registered client ops-admin with role admin"), added.out());

    Engine engine = Engine.start(EngineConfig.defaults(dataDir).withHttpPort(0).withPgUrl(pgUrl)
        .withPublicBaseUrl("https://pay.example.test").withSandboxes(false, 0, 1));
    try {
      assertEquals(1, TestDatabase.queryLong(pgUrl, "SELECT count(*) FROM api_client"), "no demo client");
      assertFalse(Files.exists(dataDir.resolve("clients")), "no demo private key on disk");

      ApiCaller ops = new ApiCaller("http://localhost:" + engine.httpPort(), new RequestSigner("ops-admin",
          KeyType.SM2, Pem.readPrivateKey(Files.readString(resourceFile("sm2-private.pem"))), Clock.systemUTC()));
      ApiCaller.Answer listed = ops.get("/api/v1/admin/clients");
      assertEquals(200, listed.status(), listed.text());
      JsonArray clients = listed.json().getJsonArray("clients");
      assertEquals(1, clients.size());
      assertEquals("admin", clients.getJsonObject(0).getString("role"));
      ApiCaller.Answer registered = ops.post("/api/v1/admin/clients", new JsonObject()
          .put("client_id", "county-registration").put("role", "registration").put("key_type", "SM2")
          .put("public_key_pem", Pem.write(Crypto.generateSm2().getPublic())).encode(), null);
      assertEquals(201, registered.status(), registered.text());
    } finally {
      engine.stop();
    }
  }

  @Test
  void theCommandRefusesWhatTheApiRefusesAndChangesNothing() throws Exception {
    String pgUrl = TestDatabase.newDatabase();
    String sm2 = resourceFile("sm2-public.pem").toString();
    String[] common = {"--pg-url", pgUrl, "--data-dir", dataDir.toString()};

    Run p256 = clients(concat(new String[] {"add", "--role", "admin", "--client-id", "p256-admin",
        "--public-key", resourceFile("p256-public.pem").toString()}, common));
    assertEquals(2, p256.exitCode());
    assertTrue(p256.err().contains("--public-key") && p256.err().contains("1.2.840.10045.3.1.7"), p256.err());

    Run engineId = clients(concat(new String[] {"add", "--role", "admin", "--client-id", "clearing-engine",
        "--public-key", sm2}, common));
    assertEquals(2, engineId.exitCode());
    assertTrue(engineId.err().contains("--client-id: is reserved"), engineId.err());

    Run role = clients(concat(new String[] {"add", "--role", "root", "--client-id", "ops", "--public-key", sm2},
        common));
    assertEquals(2, role.exitCode());
    assertTrue(role.err().contains("--role"), role.err());

    Path garbage = dataDir.resolve("garbage.pem");
    Files.writeString(garbage, "not a key", StandardCharsets.US_ASCII);
    Run unreadable = clients(concat(new String[] {"add", "--role", "admin", "--client-id", "ops",
        "--public-key", garbage.toString()}, common));
    assertEquals(2, unreadable.exitCode());
    assertTrue(unreadable.err().contains("not a readable PEM public key"), unreadable.err());
    assertEquals(0, TestDatabase.queryLong(pgUrl, "SELECT count(*) FROM api_client"));

    String[] add = concat(new String[] {"add", "--role", "admin", "--client-id", "ops", "--public-key", sm2}, common);
    assertEquals(0, clients(add).exitCode());
    Run again = clients(add);
    assertEquals(1, again.exitCode());
    assertTrue(again.err().contains("already registered"), again.err());
    assertEquals(1, TestDatabase.queryLong(pgUrl, "SELECT count(*) FROM api_client"));
  }

  private static String[] concat(String[] first, String[] second) {
    String[] all = new String[first.length + second.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(second, 0, all, first.length, second.length);
    return all;
  }
}
