package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10 §2 performed: eight concurrent unsigned 250 MiB bill uploads, repeated for as long as
 * orders are being created, are all refused without the engine's heap growing by more than
 * 64 MB, and order creation keeps answering with a p99 under 200 ms. The engine runs in this JVM,
 * so its heap is measured here: live heap after GC before and after, and the old generation's
 * peak during the attack (a buffered body lands there as large arrays).
 */
class UploadFloodTest {

  private static final String BILL = "/api/v1/admin/reconciliation/runs/2026-12-05/wechat/bill";
  private static final long QUARTER_GIGABYTE = 250L * 1024 * 1024;
  private static final int UPLOADERS = 8;
  private static final long HEAP_GROWTH_MAX_BYTES = 64L * 1024 * 1024;
  private static final long UNREAD_BYTES_MAX = 32L * 1024 * 1024;
  private static final long ORDER_P99_MAX_MS = 200;
  private static final int ORDERS = 100;
  private static final int WARM_UP_ORDERS = 30;
  private static final long ATTEMPT_PAUSE_MS = 100;
  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();

  /** One upload attempt's outcome: the status answered (-1 if none) and the body bytes the socket took. */
  private record Attempt(int status, long bodyBytesSent) {}

  @Test
  void eightConcurrentUnsignedQuarterGigabyteUploadsAreRefusedWhileOrdersKeepAnswering() throws Exception {
    ApiCaller registration = engine.as(Role.REGISTRATION);
    for (int i = 0; i < WARM_UP_ORDERS; i++) {
      createOrder(registration, "FLOOD-WARM-" + i);
    }
    long heapBefore = usedHeapAfterGc();
    List<MemoryPoolMXBean> oldGeneration = oldGenerationPools();
    oldGeneration.forEach(MemoryPoolMXBean::resetPeakUsage);
    long oldBefore = oldGeneration.stream().mapToLong(p -> p.getUsage().getUsed()).sum();

    AtomicBoolean ordersDone = new AtomicBoolean();
    ExecutorService uploaders = Executors.newFixedThreadPool(UPLOADERS);
    List<Future<List<Attempt>>> attempts = new ArrayList<>();
    for (int i = 0; i < UPLOADERS; i++) {
      attempts.add(uploaders.submit(() -> {
        List<Attempt> mine = new ArrayList<>();
        do {
          mine.add(unsignedUpload());
          // Eight uploads at a time, not a connection flood: the attack is on memory.
          Thread.sleep(ATTEMPT_PAUSE_MS);
        } while (!ordersDone.get());
        return mine;
      }));
    }
    long[] latenciesMs = new long[ORDERS];
    for (int i = 0; i < ORDERS; i++) {
      long startNs = System.nanoTime();
      createOrder(registration, "FLOOD-" + i);
      latenciesMs[i] = (System.nanoTime() - startNs) / 1_000_000;
    }
    ordersDone.set(true);
    List<Attempt> all = new ArrayList<>();
    for (Future<List<Attempt>> mine : attempts) {
      all.addAll(mine.get(120, TimeUnit.SECONDS));
    }
    uploaders.shutdown();
    long oldPeak = oldGeneration.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    long heapAfter = usedHeapAfterGc();

    assertTrue(all.size() >= UPLOADERS, "every uploader made at least one attempt: " + all.size());
    for (Attempt attempt : all) {
      assertEquals(401, attempt.status(), "every upload is refused as unauthenticated");
      assertTrue(attempt.bodyBytesSent() < UNREAD_BYTES_MAX, "no body was read: " + attempt.bodyBytesSent());
    }
    assertTrue(oldPeak - oldBefore < HEAP_GROWTH_MAX_BYTES,
        "old generation grew by " + (oldPeak - oldBefore) / 1024 / 1024 + " MB during the attack");
    assertTrue(heapAfter - heapBefore < HEAP_GROWTH_MAX_BYTES,
        "live heap grew by " + (heapAfter - heapBefore) / 1024 / 1024 + " MB");
    Arrays.sort(latenciesMs);
    long p99Ms = latenciesMs[(int) Math.ceil(ORDERS * 0.99) - 1];
    assertTrue(p99Ms < ORDER_P99_MAX_MS, "order creation p99 " + p99Ms + " ms during " + all.size()
        + " refused uploads; latencies " + Arrays.toString(latenciesMs));
  }

  private static void createOrder(ApiCaller registration, String reference) {
    ApiCaller.Answer created = registration.post("/api/v1/orders", OrderBodies.typical(reference).encode(),
        "key-" + reference);
    assertEquals(201, created.status(), created.text());
  }

  private static Attempt unsignedUpload() throws Exception {
    try (RawHttp http = RawHttp.connect(engine.baseUrl())) {
      http.send(RawHttp.head("POST", BILL, Map.of("Content-Type", "application/octet-stream",
          "Content-Length", Long.toString(QUARTER_GIGABYTE))));
      http.streamZeros(QUARTER_GIGABYTE);
      RawHttp.Response answer = http.read(Duration.ofSeconds(60));
      http.closedByServer(Duration.ofSeconds(10));
      http.awaitStreamer(Duration.ofSeconds(60));
      return new Attempt(answer == null ? -1 : answer.status(), http.bodyBytesSent());
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The heap pools that hold long-lived and large objects (G1 "Old Gen", Serial/Parallel "Tenured"/"Old"). */
  private static List<MemoryPoolMXBean> oldGenerationPools() {
    List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP)
        .filter(p -> p.getName().contains("Old") || p.getName().contains("Tenured"))
        .toList();
    assertTrue(!pools.isEmpty(), "an old-generation pool to watch");
    return pools;
  }
}
