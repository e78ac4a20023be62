package org.clearing.api;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicInteger;
import org.clearing.client.Authenticator;
import org.clearing.crypto.SignatureBase;
import org.clearing.crypto.SignatureScheme;
import org.clearing.http.Problem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives the large bodies (bills) of requests whose headers were already checked: the body
 * streams to a temporary file (0600, deleted when the answer has been sent) while the request's
 * signature verifier is fed piece by piece, so no body is ever held in memory whole. Writing and
 * hashing run on a worker of their own, one piece at a time per upload, with the socket paused
 * while {@value #QUEUED_BYTES_MAX} bytes wait: the heap an upload takes is bounded by that, not by
 * the body's size.
 */
public final class Uploads {

  private static final Logger LOG = LoggerFactory.getLogger(Uploads.class);
  /**
   * Large uploads received at once, engine-wide. Each holds a worker thread while it writes and
   * hashes and up to the size limit in disk; bills are uploaded by hand a few times a day, so two
   * at once is plenty, and it bounds the disk taken by uploads at twice the size limit.
   */
  public static final int CONCURRENT_MAX = 2;
  /** Body bytes received but not yet written and hashed before the socket is paused. */
  static final int QUEUED_BYTES_MAX = 1024 * 1024;
  static final String WORKER_POOL = "clearing-upload";
  private static final String FILE_KEY = "clearing.upload.file";

  private final WorkerExecutor worker;
  private final Path tempDirectory;
  private final long sizeMaxBytes;
  private final AtomicInteger receiving = new AtomicInteger();

  public Uploads(Vertx vertx, Path tempDirectory, long sizeMaxBytes) {
    this.worker = vertx.createSharedWorkerExecutor(WORKER_POOL, CONCURRENT_MAX);
    this.tempDirectory = tempDirectory;
    this.sizeMaxBytes = sizeMaxBytes;
  }

  /** The uploaded body's file, for the route's handler; it is deleted when the answer is sent. */
  static Path file(RoutingContext ctx) {
    Path file = ctx.get(FILE_KEY);
    if (file == null) {
      throw new IllegalStateException("route " + ctx.request().path() + " reads an upload it did not receive");
    }
    return file;
  }

  /** Receives the body of a request whose client and role are checked, then proves its signature. */
  void receive(RoutingContext ctx, Authenticator authenticator, Authenticator.Claim claim) {
    HttpServerRequest request = ctx.request();
    if (Security.declaredLength(request) > sizeMaxBytes) {
      Security.tooLarge(ctx, sizeMaxBytes);
      return;
    }
    if (receiving.incrementAndGet() > CONCURRENT_MAX) {
      receiving.decrementAndGet();
      ctx.response().putHeader("Retry-After", "60");
      Security.refuse(ctx, Problem.of(503, "uploads-busy", "Other uploads are being received",
          "at most " + CONCURRENT_MAX + " uploads are received at once; try again shortly"));
      return;
    }
    Upload upload = new Upload(authenticator.streamingVerifier(claim, request.method().name(), request.uri()));
    worker.executeBlocking(upload::open, false)
        .compose(opened -> upload.stream(request))
        .compose(received -> worker.executeBlocking(() -> upload.seal(claim), false))
        .compose(valid -> authenticator.conclude(claim, valid))
        .onSuccess(result -> {
          if (result instanceof Authenticator.Authenticated ok) {
            ctx.put(FILE_KEY, upload.path);
            ctx.addEndHandler(answered -> upload.discard());
            Security.accept(ctx, ok.client(), null);
          } else {
            upload.discard();
            Security.unauthenticated(ctx, ((Authenticator.Denied) result).reason());
          }
        })
        .onFailure(error -> {
          upload.discard();
          if (error instanceof Security.BodyTooLarge) {
            Security.tooLarge(ctx, sizeMaxBytes);
          } else if (error instanceof HttpClosedException) {
            // The client went away mid-upload: nobody to answer, the file is gone and the place freed.
            LOG.info("event=upload.abandoned path={} bytes={}", ctx.request().path(), upload.receivedBytes);
          } else {
            ctx.fail(error);
          }
        });
  }

  /**
   * One upload. Its file and verifier are touched only by worker tasks chained one after another
   * ({@link #tail}), so one thread at a time, each seeing the last one's writes.
   */
  private final class Upload {
    private final SignatureScheme.Verifier verifier;
    private Path path;
    private FileChannel channel;
    private Future<Void> tail = Future.succeededFuture();
    private long receivedBytes;
    private long queuedBytes;
    private boolean pausedForQueue;
    private boolean discarded;

    Upload(SignatureScheme.Verifier verifier) {
      this.verifier = verifier;
    }

    Void open() throws IOException {
      path = Files.createTempFile(tempDirectory, "upload-", ".part",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      channel = FileChannel.open(path, StandardOpenOption.WRITE);
      return null;
    }

    /** Streams the body to the file, pausing the socket while too much waits to be written. */
    Future<Void> stream(HttpServerRequest request) {
      Promise<Void> done = Promise.promise();
      request.handler(chunk -> {
        if (done.future().isComplete()) {
          return;
        }
        receivedBytes += chunk.length();
        if (receivedBytes > sizeMaxBytes) {
          request.pause();
          done.tryFail(new Security.BodyTooLarge());
          return;
        }
        byte[] bytes = chunk.getBytes();
        queuedBytes += bytes.length;
        if (queuedBytes > QUEUED_BYTES_MAX && !pausedForQueue) {
          pausedForQueue = true;
          request.pause();
        }
        tail = tail.compose(v -> worker.executeBlocking(() -> write(bytes), false))
            .andThen(written -> {
              queuedBytes -= bytes.length;
              if (written.failed()) {
                done.tryFail(written.cause());
              } else if (pausedForQueue && queuedBytes <= QUEUED_BYTES_MAX / 2 && !done.future().isComplete()) {
                pausedForQueue = false;
                request.resume();
              }
            });
      });
      request.exceptionHandler(done::tryFail);
      request.endHandler(end -> tail.onComplete(written -> {
        if (written.succeeded()) {
          done.tryComplete();
        } else {
          done.tryFail(written.cause());
        }
      }));
      request.resume();
      return done.future();
    }

    private Void write(byte[] bytes) throws IOException {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      verifier.update(bytes);
      return null;
    }

    /** On a worker: the signature base's last newline, the file closed, the signature checked. */
    boolean seal(Authenticator.Claim claim) throws IOException {
      verifier.update(new byte[] {SignatureBase.END});
      channel.close();
      return Authenticator.signatureValid(claim, verifier);
    }

    /** Deletes the file once pending writes are done, and frees the upload's place; once. */
    void discard() {
      if (discarded) {
        return;
      }
      discarded = true;
      tail.onComplete(settled -> worker.executeBlocking(() -> {
            if (channel != null) {
              channel.close();
            }
            if (path != null) {
              Files.deleteIfExists(path);
            }
            return null;
          }, false)
          .onFailure(e -> LOG.warn("event=upload.not_deleted file={} error={}", path, e.toString()))
          .onComplete(deleted -> receiving.decrementAndGet()));
    }
  }
}
