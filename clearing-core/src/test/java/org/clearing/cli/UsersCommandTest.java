package org.clearing.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.Engine;
import org.clearing.Main;
import org.clearing.config.EngineConfig;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * An operator adds the consoles' first administrator offline and hands over the printed one-time
 * password; the engine (not in demo mode) then signs that person in and asks for a new password
 * first. The command refuses bad input and taken names, changing nothing, and records the addition.
 */
class UsersCommandTest {

  @TempDir
  Path dataDir;

  private record Run(int exitCode, String out, String err) {}

  private static Run users(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "users";
    System.arraycopy(args, 0, all, 1, args.length);
    int exit = new CommandLine(new Main()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(all);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void anAdministratorAddedOfflineSignsInWithTheOneTimePasswordAndMustChangeIt() throws Exception {
    String pgUrl = TestDatabase.newDatabase();
    Run added = users("add", "--role", "admin", "--region", "341500,341522", "--name", "ops.admin",
        "--pg-url", pgUrl, "--data-dir", dataDir.toString());
    assertEquals(0, added.exitCode(), added.err());
    Matcher password = Pattern.compile("one-time password ([A-Za-z0-9]{20})").matcher(added.out());
    assertTrue(password.find(), added.out());
    assertEquals(1, TestDatabase.queryLong(pgUrl,
        "SELECT count(*) FROM audit_event WHERE action = 'person.add' AND target = 'ops.admin' AND login = 'cli'"));

    Engine engine = Engine.start(EngineConfig.defaults(dataDir).withHttpPort(0).withPgUrl(pgUrl)
        .withPublicBaseUrl("https://pay.example.test").withSandboxes(false, 0, 1));
    try {
      assertTrue(engine.demoAdminPassword().isEmpty(), "no demo administrator outside demo mode");
      ConsoleClient client = new ConsoleClient("http://localhost:" + engine.httpPort());
      HttpResponse<String> signIn = client.signIn("ops.admin", password.group(1));
      assertEquals(303, signIn.statusCode(), signIn.body());
      assertEquals("/console/password", signIn.headers().firstValue("Location").orElseThrow());
    } finally {
      engine.stop();
    }
  }

  @Test
  void theCommandRefusesBadInputAndTakenNamesAndChangesNothing() throws Exception {
    String pgUrl = TestDatabase.newDatabase();
    String[] db = {"--pg-url", pgUrl, "--data-dir", dataDir.toString()};

    Run role = users(concat(new String[] {"add", "--role", "root", "--region", "341500", "--name", "ops"}, db));
    Run region = users(concat(new String[] {"add", "--role", "tax", "--region", "34150", "--name", "ops"}, db));
    Run unknown = users(concat(new String[] {"add", "--role", "tax", "--region", "110000", "--name", "ops"}, db));
    Run name = users(concat(new String[] {"add", "--role", "tax", "--region", "341500", "--name", "Ops Admin"}, db));
    assertEquals(2, role.exitCode());
    assertTrue(role.err().contains("--role"), role.err());
    assertEquals(2, region.exitCode());
    assertTrue(region.err().contains("--region"), region.err());
    assertEquals(2, unknown.exitCode());
    assertTrue(unknown.err().contains("--region") && unknown.err().contains("does not serve"), unknown.err());
    assertEquals(2, name.exitCode());
    assertTrue(name.err().contains("--name"), name.err());
    assertEquals(0, TestDatabase.queryLong(pgUrl, "SELECT count(*) FROM person"));

    String[] add = concat(new String[] {"add", "--role", "tax", "--region", "341522", "--name", "huoqiu.tax"}, db);
    assertEquals(0, users(add).exitCode());
    Run again = users(add);
    assertEquals(1, again.exitCode());
    assertTrue(again.err().contains("taken"), again.err());
    assertEquals(1, TestDatabase.queryLong(pgUrl, "SELECT count(*) FROM person"));
  }

  private static String[] concat(String[] first, String[] second) {
    String[] all = new String[first.length + second.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(second, 0, all, first.length, second.length);
    return all;
  }
}
