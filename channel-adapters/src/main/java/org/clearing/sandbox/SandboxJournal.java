package org.clearing.sandbox;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.clearing.crypto.SecretFiles;

/**
 * A sandbox's memory of what happened (orders, payments, refunds), one JSON object per line,
 * appended without blocking and replayed at start, so bills for past days survive a restart.
 */
public final class SandboxJournal {

  private final AsyncFile file;

  private SandboxJournal(AsyncFile file) {
    this.file = file;
  }

  /** Replays the journal into {@code sink} (blocking; call at start on a worker) and opens it. */
  public static Future<SandboxJournal> open(Vertx vertx, Path path, Consumer<JsonObject> sink) {
    return vertx.executeBlocking(() -> {
      SecretFiles.createDirectories(path.getParent());
      if (Files.exists(path)) {
        replay(path, sink);
      }
      return null;
    }).compose(v -> vertx.fileSystem().open(path.toString(),
        // Owner-only from creation: it sits among the channel's keys, every file of which must be.
        new OpenOptions().setAppend(true).setCreate(true).setWrite(true).setPerms("rw-------")))
        .map(SandboxJournal::new);
  }

  private static void replay(Path path, Consumer<JsonObject> sink) {
    try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (!line.isBlank()) {
          try {
            sink.accept(new JsonObject(line));
          } catch (io.vertx.core.json.DecodeException e) {
            // A line cut short by a crash: everything before it stands, the rest was never acknowledged.
            return;
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot replay sandbox journal " + path, e);
    }
  }

  public Future<Void> append(JsonObject record) {
    return file.write(Buffer.buffer(record.encode() + "\n"));
  }

  public Future<Void> close() {
    return file.close();
  }
}
