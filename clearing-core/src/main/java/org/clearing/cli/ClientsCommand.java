package org.clearing.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.clearing.client.ClientRegistration;
import org.clearing.client.ClientRepository;
import org.clearing.client.Role;
import org.clearing.input.FieldError;
import org.clearing.store.Database;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar clearing-engine.jar clients add --role admin --client-id ID --public-key FILE}:
 * registers a client from its public key, on the engine's database, so an operator can bootstrap
 * the first administrator without demo mode. It opens the database itself like
 * {@code verify-journal} (the embedded one only while the engine is stopped); the private key
 * never comes near the engine. Further clients are then registered, disabled, re-keyed and revoked
 * by that administrator through {@code /api/v1/admin/clients}.
 */
@Command(name = "clients", mixinStandardHelpOptions = true, subcommands = ClientsCommand.Add.class,
    description = "Manage API clients offline (the engine's database, engine stopped).")
public final class ClientsCommand implements Callable<Integer> {

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  /** What registering came to: 0 registered, 1 the id is taken, 2 bad input. */
  public record Outcome(int exitCode, String message) {}

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Register a client with its public key (SM2 or RSA-2048+, PEM).")
  public static final class Add implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--client-id", required = true, description = "3 to 64 of A-Z a-z 0-9 _ . -")
    String clientId;

    @Option(names = "--role", required = true, description = "registration, tax, finance or admin")
    String role;

    @Option(names = "--public-key", required = true,
        description = "PEM public key file, e.g. from: openssl pkey -in key.pem -pubout")
    Path publicKey;

    @Option(names = "--data-dir", defaultValue = "${env:CLEARING_DATA_DIR:-./data}",
        description = "Data directory of the embedded database (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--pg-url", defaultValue = "${env:CLEARING_PG_URL}",
        description = "An external PostgreSQL instead of the embedded one.")
    String pgUrl;

    @Override
    public Integer call() throws Exception {
      String pem;
      try {
        pem = Files.size(publicKey) > ClientRegistration.PEM_LENGTH_MAX ? null
            : Files.readString(publicKey, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        spec.commandLine().getErr().println("--public-key " + publicKey + ": cannot be read (" + e.getMessage() + ")");
        return 2;
      }
      Optional<Role> parsedRole = Role.fromCode(role);
      if (parsedRole.isEmpty()) {
        spec.commandLine().getErr().println("--role: must be one of registration, tax, finance, admin");
        return 2;
      }
      try (Database database = Database.open(dataDir.toAbsolutePath().normalize(),
          pgUrl == null || pgUrl.isBlank() ? null : pgUrl)) {
        Outcome outcome = register(database, clientId, parsedRole.get(), pem);
        (outcome.exitCode() == 0 ? spec.commandLine().getOut() : spec.commandLine().getErr())
            .println(outcome.message());
        return outcome.exitCode();
      }
    }
  }

  /**
   * Checks and registers one client on an open database, through the same checks as the admin
   * API and the same repository as the engine. Blocking: for this command and test set-ups.
   */
  public static Outcome register(Database database, String clientId, Role role, String publicKeyPem)
      throws Exception {
    Optional<FieldError> badId = ClientRegistration.checkClientId("--client-id", clientId);
    if (badId.isPresent()) {
      return new Outcome(2, badId.get().field() + ": " + badId.get().reason());
    }
    ClientRegistration.Checked checked = ClientRegistration.checkKey("--public-key", publicKeyPem, null);
    if (checked instanceof ClientRegistration.Invalid invalid) {
      FieldError error = invalid.errors().get(0);
      return new Outcome(2, error.field() + ": " + error.reason());
    }
    ClientRegistration.CheckedKey key = ((ClientRegistration.Valid) checked).key();
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setMaxWaitQueueSize(4))
          .connectingTo(database.connectOptions()).using(vertx).build();
      Future<Boolean> registered = new ClientRepository(vertx, pool)
          .register(clientId, role, key.keyType(), key.pem())
          .eventually(pool::close);
      boolean created = registered.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      return created
          ? new Outcome(0, "registered client " + clientId + " with role " + role.code() + " and its "
              + key.keyType() + " key")
          : new Outcome(1, "--client-id: " + clientId + " is already registered; an administrator"
              + " replaces its key with PUT /api/v1/admin/clients/" + clientId + "/key");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
