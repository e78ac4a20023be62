package org.clearing.client;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SecretFiles;

/**
 * On first start, one demo client per role with a fresh SM2 key, its private key written to
 * {@code <data-dir>/clients/<role>.json} so a newcomer (or OpenSSL) can sign requests at once.
 * A client that is already registered is left alone, whether or not its file is still there.
 */
public final class DemoClients {

  private final ClientRepository clients;
  private final Path directory;

  public DemoClients(ClientRepository clients, Path dataDir) {
    this.clients = clients;
    this.directory = dataDir.resolve("clients");
  }

  public static String clientId(Role role) {
    return "demo-" + role.code();
  }

  public Path directory() {
    return directory;
  }

  /**
   * Creates the missing demo clients. Key generation and file writes are blocking and run on
   * {@code worker}. A key file is written only once its client is registered, so two engines
   * starting together on one database cannot leave a file that does not match the stored key.
   */
  public Future<List<Role>> ensure(WorkerExecutor worker) {
    List<Future<Role>> created = new ArrayList<>();
    for (Role role : Role.values()) {
      created.add(clients.find(clientId(role)).compose(found -> found.isPresent()
          ? Future.succeededFuture((Role) null)
          : worker.executeBlocking(DemoClients::newKey, false).compose(key ->
              clients.register(clientId(role), role, KeyType.SM2, key.publicKeyPem())
                  .compose(registered -> registered
                      ? worker.executeBlocking(() -> writeFile(role, key.pair()), false).map(role)
                      : Future.succeededFuture((Role) null)))));
    }
    return Future.all(created).map(all -> {
      List<Role> roles = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        if (all.resultAt(i) != null) {
          roles.add(all.resultAt(i));
        }
      }
      return roles;
    });
  }

  private record NewKey(KeyPair pair, String publicKeyPem) {}

  /** Key generation and PEM encoding (which loads Bouncy Castle classes) stay off event loops. */
  private static NewKey newKey() {
    KeyPair pair = Crypto.generateSm2();
    return new NewKey(pair, Pem.write(pair.getPublic()));
  }

  private Path writeFile(Role role, KeyPair pair) {
    JsonObject file = new JsonObject()
        .put("client_id", clientId(role))
        .put("role", role.code())
        .put("key_type", KeyType.SM2.name())
        .put("private_key_pem", Pem.write(pair.getPrivate()));
    try {
      Path path = directory.resolve(role.code() + ".json");
      SecretFiles.writeString(path, file.encodePrettily() + "\n");
      return path;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write demo client file for " + role.code(), e);
    }
  }
}
