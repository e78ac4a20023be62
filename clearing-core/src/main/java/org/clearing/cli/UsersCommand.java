package org.clearing.cli;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.clearing.person.AuditLog;
import org.clearing.person.PasswordHashing;
import org.clearing.person.People;
import org.clearing.person.PersonRole;
import org.clearing.store.Database;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar clearing-engine.jar users add --role admin --region 341500 --name admin}: adds a
 * person to the consoles, offline (the engine's database; the embedded one only while the engine
 * is stopped), and prints a one-time password the person must change at the first sign-in. This
 * is how the first administrator is made outside demo mode; the addition is in the audit log.
 */
@Command(name = "users", mixinStandardHelpOptions = true, subcommands = UsersCommand.Add.class,
    description = "Manage the consoles' people offline (the engine's database, engine stopped).")
public final class UsersCommand implements Callable<Integer> {

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Add a person with a role and regions; prints a one-time password.")
  public static final class Add implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--name", required = true,
        description = "The sign-in name: 3 to 64 of a-z 0-9 . _ -")
    String login;

    @Option(names = "--display-name", description = "The name shown in the consoles (default: --name)")
    String displayName;

    @Option(names = "--role", required = true, description = "finance, tax, operator, auditor or admin")
    String role;

    @Option(names = "--region", required = true, split = ",",
        description = "A region the person acts for, e.g. 341522; repeat or separate with commas")
    List<String> regions;

    @Option(names = "--data-dir", defaultValue = "${env:CLEARING_DATA_DIR:-./data}",
        description = "Data directory of the embedded database (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--pg-url", defaultValue = "${env:CLEARING_PG_URL}",
        description = "An external PostgreSQL instead of the embedded one.")
    String pgUrl;

    @Override
    public Integer call() throws Exception {
      Optional<PersonRole> parsedRole = PersonRole.fromCode(role);
      if (parsedRole.isEmpty()) {
        spec.commandLine().getErr().println("--role: must be one of finance, tax, operator, auditor, admin");
        return 2;
      }
      try (Database database = Database.open(dataDir.toAbsolutePath().normalize(),
          pgUrl == null || pgUrl.isBlank() ? null : pgUrl)) {
        ClientsCommand.Outcome outcome = add(database, login,
            displayName == null ? login : displayName, parsedRole.get(), regions);
        (outcome.exitCode() == 0 ? spec.commandLine().getOut() : spec.commandLine().getErr())
            .println(outcome.message());
        return outcome.exitCode();
      }
    }
  }

  /**
   * Adds one person on an open database through the engine's own {@link People}: 0 added (the
   * message holds the one-time password), 1 the name is taken, 2 bad input. Blocking: for this
   * command and test set-ups.
   */
  public static ClientsCommand.Outcome add(Database database, String login, String displayName, PersonRole role,
      List<String> regions) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setMaxWaitQueueSize(4))
          .connectingTo(database.connectOptions()).using(vertx).build();
      WorkerExecutor worker = vertx.createSharedWorkerExecutor("users-command", 1);
      String password = PasswordHashing.oneTimePassword();
      People.Added added = new People(pool, worker)
          .add(login, displayName, role, regions, password.toCharArray())
          .compose(result -> !(result instanceof People.Created) ? io.vertx.core.Future.succeededFuture(result)
              : new AuditLog(pool).append(new AuditLog.Event(null, "cli", "person.add", login, AuditLog.Outcome.OK,
                  "role " + role.code() + ", regions " + String.join(",", regions), "local")).map(result))
          .eventually(pool::close)
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      if (added instanceof People.Created) {
        return new ClientsCommand.Outcome(0, "added " + login + " (" + role.code() + ", regions "
            + String.join(",", regions) + ") with the one-time password " + password
            + "\nit must be changed at the first sign-in");
      }
      if (added instanceof People.LoginTaken) {
        return new ClientsCommand.Outcome(1, "--name: " + login + " is taken");
      }
      People.Invalid invalid = (People.Invalid) added;
      return new ClientsCommand.Outcome(2, "--" + (invalid.field().equals("login") ? "name"
          : invalid.field().equals("regions") ? "region" : invalid.field()) + ": " + invalid.reason());
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
