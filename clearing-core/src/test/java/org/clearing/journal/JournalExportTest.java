package org.clearing.journal;

import static org.clearing.journal.JournalRows.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.clearing.input.FieldError;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The export carries each seal with the exact canonical text of its entries, so the chain can be
 * recomputed from the export alone — here with Bouncy Castle's SM3 directly, not with the code that
 * sealed it; it honours back-pressure, leaves unsealed entries out, and rejects a bad range by field.
 */
class JournalExportTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static Vertx vertx;
  private static String pgUrl;
  private static Pool pool;
  private static JournalExport export;

  @BeforeAll
  static void sealedEntriesOverThreeBusinessDays() throws Exception {
    vertx = engine.engine().vertx();
    pgUrl = JournalRows.migratedDatabase();
    pool = JournalRows.pool(vertx, pgUrl);
    export = new JournalExport(pool);
    // Beijing 2025-03-01, 10:00; the second entry has no order or channel and a key that needs escaping.
    TestDatabase.execute(pgUrl, "INSERT INTO journal_entry (entry_key, kind, order_no, channel, created_at) VALUES"
        + " ('PAYMENT:wechat:4200000001', 'PAYMENT', 'ORD-1', 'wechat', '2025-03-01 02:00:00.123456+00');"
        + " INSERT INTO journal_posting VALUES (currval('journal_entry_seq'), 1, 'clearing:wechat', 1509000, 0),"
        + " (currval('journal_entry_seq'), 2, 'payee:TRE-341500', 0, 1500000),"
        + " (currval('journal_entry_seq'), 3, 'payee:NTX-341500', 0, 9000)");
    TestDatabase.execute(pgUrl, "INSERT INTO journal_entry (entry_key, kind, created_at) VALUES"
        + " (E'ODD|KEY\\\\with\\nnewline', 'SUSPENSE', '2025-03-01 03:00:00+00');"
        + " INSERT INTO journal_posting VALUES (currval('journal_entry_seq'), 1, 'clearing:alipay', 7, 0),"
        + " (currval('journal_entry_seq'), 2, 'suspense', 0, 7)");
    bookAt("A-3", "2025-03-01 04:00:00+00");
    bookAt("B-1", "2025-03-02 02:00:00+00");
    bookAt("B-2", "2025-03-02 03:00:00+00");
    bookAt("C-1", "2025-03-03 02:00:00+00");
    JournalRows.sealEverything(new JournalSealer(vertx, pool, 2), pgUrl);
    JournalRows.book(pgUrl, "UNSEALED", 11);
  }

  private static void bookAt(String key, String createdAt) {
    JournalRows.book(pgUrl, key, 100);
    TestDatabase.tamper(pgUrl, "UPDATE journal_entry SET created_at = '" + createdAt + "' WHERE entry_key = '" + key + "'");
  }

  @AfterAll
  static void stop() throws Exception {
    Await.result(pool.close());
  }

  private static JournalExport.Range range(String from, String to) {
    return assertInstanceOf(JournalExport.Valid.class, JournalExport.parse(from, to)).range();
  }

  private static List<JsonObject> exportOf(String from, String to) throws Exception {
    SlowSink sink = new SlowSink(vertx);
    JournalExport.Summary summary = Await.result(export.writeTo(range(from, to), sink));
    List<JsonObject> lines = sink.lines();
    assertEquals(summary.sealsWritten(), lines.size());
    assertEquals(0, sink.maxPendingAtWrite, "a line was written while the queue was full");
    return lines;
  }

  /** Recomputes the chain of an export with Bouncy Castle's SM3, independently of the sealer. */
  private static void assertChainRecomputes(List<JsonObject> lines, String firstPrevious) {
    String previous = firstPrevious;
    for (JsonObject line : lines) {
      assertEquals(previous, line.getString("previous_seal"), "chain link of seal " + line.getLong("seal_no"));
      SM3Digest sm3 = new SM3Digest();
      byte[] prev = HexFormat.of().parseHex(line.getString("previous_seal"));
      byte[] canonical = line.getString("canonical").getBytes(StandardCharsets.UTF_8);
      sm3.update(prev, 0, prev.length);
      sm3.update(canonical, 0, canonical.length);
      byte[] seal = new byte[32];
      sm3.doFinal(seal, 0);
      assertEquals(line.getString("seal"), HexFormat.of().formatHex(seal), "seal " + line.getLong("seal_no"));
      long entryLines = line.getString("canonical").lines().filter(l -> !l.startsWith("  ")).count();
      assertEquals(line.getInteger("entry_count").longValue(), entryLines);
      previous = line.getString("seal");
    }
  }

  @Test
  void theWholeExportRecomputesFromThirtyTwoZeroBytes() throws Exception {
    List<JsonObject> lines = exportOf("2000-01-01", "2100-01-01");

    assertEquals(count(pgUrl, "SELECT count(*) FROM journal_seal"), lines.size());
    assertTrue(lines.size() >= 3);
    assertChainRecomputes(lines, "0".repeat(64));
    assertEquals(6, lines.stream().mapToInt(l -> l.getInteger("entry_count")).sum());
  }

  @Test
  void theCanonicalTextIsTheDocumentedLineFormat() throws Exception {
    String all = String.join("", exportOf("2025-03-01", "2025-03-01").stream()
        .map(l -> l.getString("canonical")).toList());
    long first = count(pgUrl, "SELECT entry_id FROM journal_entry WHERE entry_key = 'PAYMENT:wechat:4200000001'");
    long odd = count(pgUrl, "SELECT entry_id FROM journal_entry WHERE kind = 'SUSPENSE'");

    assertTrue(all.contains(first + "|PAYMENT:wechat:4200000001|PAYMENT|ORD-1|wechat|2025-03-01T02:00:00.123456Z\n"
        + "  1|clearing:wechat|1509000|0\n"
        + "  2|payee:TRE-341500|0|1500000\n"
        + "  3|payee:NTX-341500|0|9000\n"), all);
    assertTrue(all.contains(odd + "|ODD\\|KEY\\\\with\\nnewline|SUSPENSE|||2025-03-01T03:00:00.000000Z\n"
        + "  1|clearing:alipay|7|0\n"
        + "  2|suspense|0|7\n"), all);
  }

  @Test
  void aDayExportsTheSealsHoldingThatDaysEntriesAndStillRecomputes() throws Exception {
    List<JsonObject> lines = exportOf("2025-03-02", "2025-03-02");

    Set<Long> expected = new TreeSet<>();
    for (String key : List.of("B-1", "B-2")) {
      expected.add(JournalRows.sealOf(pgUrl, key));
    }
    Set<Long> exported = new TreeSet<>();
    lines.forEach(l -> exported.add(l.getLong("seal_no")));
    assertEquals(expected, exported);
    long firstSealNo = lines.get(0).getLong("seal_no");
    String previous = firstSealNo == 1 ? "0".repeat(64) : HexFormat.of().formatHex(
        JournalRows.sealBytes(pgUrl, firstSealNo - 1));
    assertChainRecomputes(lines, previous);
  }

  @Test
  void anInstantRangeWithNoEntriesExportsNothing() throws Exception {
    assertEquals(List.of(), exportOf("1999-01-01T00:00:00Z", "1999-12-31T00:00:00+08:00"));
  }

  @Test
  void entriesNotYetSealedAreNotExported() throws Exception {
    List<JsonObject> lines = exportOf("2000-01-01", "2100-01-01");

    assertTrue(lines.stream().noneMatch(l -> l.getString("canonical").contains("UNSEALED")));
    assertEquals(7, count(pgUrl, "SELECT count(*) FROM journal_entry"));
  }

  @Test
  void anExportStreamsOverHttpAsNdjson() throws Exception {
    HttpServer server = Await.result(vertx.createHttpServer().requestHandler(request -> {
      JournalExport.Parsed parsed = JournalExport.parse(request.getParam("from"), request.getParam("to"));
      if (parsed instanceof JournalExport.Invalid invalid) {
        request.response().setStatusCode(422).end(invalid.errors().get(0).field());
        return;
      }
      request.response().setChunked(true).putHeader("Content-Type", JournalExport.CONTENT_TYPE);
      export.writeTo(((JournalExport.Valid) parsed).range(), request.response())
          .onSuccess(summary -> request.response().end())
          .onFailure(e -> request.response().reset());
    }).listen(0, "127.0.0.1"));
    HttpClient client = vertx.createHttpClient();
    try {
      String body = Await.result(client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1",
              "/export?from=2000-01-01&to=2100-01-01")
          .compose(request -> request.send()).compose(HttpClientResponse::body)).toString();
      List<JsonObject> lines = body.lines().map(JsonObject::new).toList();
      assertChainRecomputes(lines, "0".repeat(64));
      assertTrue(body.endsWith("\n"));
    } finally {
      Await.result(client.close());
      Await.result(server.close());
    }
  }

  @Test
  void aDateAsToIncludesTheWholeBeijingDay() {
    assertEquals(new JournalExport.Range(Instant.parse("2026-11-26T16:00:00Z"), Instant.parse("2026-11-27T16:00:00Z")),
        range("2026-11-27", "2026-11-27"));
    assertEquals(new JournalExport.Range(Instant.parse("2026-11-27T00:00:00Z"), Instant.parse("2026-11-27T01:00:00Z")),
        range("2026-11-27T08:00:00+08:00", "2026-11-27T01:00:00Z"));
  }

  @Test
  void missingBoundsAreNamed() {
    assertEquals(List.of(new FieldError("from", "is required"), new FieldError("to", "is required")),
        invalid(null, " "));
  }

  @Test
  void unparsableBoundsAreNamed() {
    List<FieldError> errors = invalid("2026-13-01", "2026-11-27T08:00:00");
    assertEquals(List.of("from", "to"), errors.stream().map(FieldError::field).toList());
    assertTrue(errors.get(0).reason().startsWith("must be an ISO date"));
    assertEquals(List.of("from"), invalid("yesterday", "2026-11-27").stream().map(FieldError::field).toList());
  }

  @Test
  void aRangeThatEndsBeforeItStartsIsRefusedOnTo() {
    assertEquals(List.of(new FieldError("to", "must be after from")), invalid("2026-11-28", "2026-11-27"));
    assertEquals(List.of(new FieldError("to", "must be after from")),
        invalid("2026-11-27T00:00:00Z", "2026-11-27T00:00:00Z"));
  }

  private static List<FieldError> invalid(String from, String to) {
    return assertInstanceOf(JournalExport.Invalid.class, JournalExport.parse(from, to)).errors();
  }

  /** A write stream whose queue is full after every line and drains a millisecond later. */
  private static final class SlowSink implements WriteStream<Buffer> {
    private final Vertx vertx;
    private final StringBuilder text = new StringBuilder();
    private int pending;
    private Handler<Void> drain;
    int maxPendingAtWrite;

    SlowSink(Vertx vertx) {
      this.vertx = vertx;
    }

    synchronized List<JsonObject> lines() {
      List<JsonObject> lines = new ArrayList<>();
      text.toString().lines().forEach(l -> lines.add(new JsonObject(l)));
      return lines;
    }

    @Override
    public synchronized Future<Void> write(Buffer data) {
      maxPendingAtWrite = Math.max(maxPendingAtWrite, pending);
      pending++;
      text.append(data.toString(StandardCharsets.UTF_8));
      vertx.setTimer(1, id -> drained());
      return Future.succeededFuture();
    }

    private void drained() {
      Handler<Void> handler;
      synchronized (this) {
        pending--;
        handler = pending == 0 ? drain : null;
        drain = handler == null ? drain : null;
      }
      if (handler != null) {
        handler.handle(null);
      }
    }

    @Override
    public synchronized boolean writeQueueFull() {
      return pending >= 1;
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
      boolean now;
      synchronized (this) {
        now = pending == 0;
        drain = now ? null : handler;
      }
      if (now && handler != null) {
        vertx.runOnContext(v -> handler.handle(null));
      }
      return this;
    }

    @Override
    public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public Future<Void> end() {
      return Future.succeededFuture();
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      return this;
    }
  }
}
