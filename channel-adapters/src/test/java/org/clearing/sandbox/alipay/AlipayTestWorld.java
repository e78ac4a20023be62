package org.clearing.sandbox.alipay;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.channel.Acknowledgement;
import org.clearing.channel.IncomingNotification;
import org.clearing.channel.Money;
import org.clearing.channel.Notification;
import org.clearing.channel.OpenOrderRequest;
import org.clearing.channel.Rejection;
import org.clearing.channel.SplitLeg;
import org.clearing.channel.alipay.AlipayAdapter;
import org.clearing.channel.alipay.AlipayForm;

/**
 * One running world for a test class: a Vert.x, an Alipay demo (merchant keys and sandbox) in a
 * temporary directory, the adapter built from it, and a small merchant server on 127.0.0.1 that
 * verifies each notification with the adapter and answers as the engine would. Tests block on
 * futures in the test thread, never on an event loop.
 */
final class AlipayTestWorld implements AutoCloseable {

  static final List<String> RECEIVERS = List.of("2088000000000101", "2088000000000102",
      "2088000000000103", "2088000000000104");

  /** One notification as the merchant server saw it. */
  record Received(Map<String, String> fields, Notification notification, Instant at) {}

  final Vertx vertx;
  final Path directory;
  final WebClient web;
  AlipayDemo demo;
  AlipayAdapter adapter;
  HttpServer merchant;
  final List<Received> received = new CopyOnWriteArrayList<>();
  /** out_trade_no → how many more deliveries the merchant refuses before acknowledging. */
  final Map<String, AtomicInteger> refusals = new ConcurrentHashMap<>();
  private final AtomicInteger sequence = new AtomicInteger();
  private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>
      blockedWarnings = new ch.qos.logback.core.read.ListAppender<>();

  AlipayTestWorld(Path directory, Clock clock, boolean todayBillAllowed, double compression) {
    // A low blocked-thread threshold makes any RSA work on an event loop visible in the log.
    this.vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(200)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(50).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS));
    blockedWarnings.start();
    for (String checker : List.of("io.vertx.core.impl.BlockedThreadChecker",
        "io.vertx.core.internal.threadchecker.BlockedThreadChecker")) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(checker))
          .addAppender(blockedWarnings);
    }
    this.directory = directory;
    this.web = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false));
    startDemo(clock, todayBillAllowed, compression);
    merchant = await(vertx.createHttpServer().requestHandler(request -> request.body()
        .compose(body -> vertx.executeBlocking(() -> answer(body.getBytes()), false))
        .onSuccess(ack -> request.response().setStatusCode(ack.status())
            .putHeader("Content-Type", ack.contentType()).end(Buffer.buffer(ack.body()))))
        .listen(0, "127.0.0.1"));
    warmUp();
  }

  /**
   * The first HTTP exchange loads Netty's and Vert.x Web's classes on the event loop, which on a
   * busy 2-core machine takes longer than the 200 ms threshold. That is class loading, not our
   * code blocking, so one round trip through every path is made before warnings start to count.
   */
  private void warmUp() {
    await(adapter.query("AWARMUP"));
    get(sandbox().baseUrl() + "/sandbox/faults");
    postJson(sandbox().baseUrl() + "/sandbox/pay", new io.vertx.core.json.JsonObject()
        .put("out_trade_no", "AWARMUP"));
    await(web.postAbs(notifyUrl()).timeout(5_000).sendBuffer(Buffer.buffer("a=b")));
    eventually(300, () -> false);
    received.clear();
    blockedWarnings.list.clear();
  }

  void startDemo(Clock clock, boolean todayBillAllowed, double compression) {
    demo = await(AlipayDemo.start(vertx, directory, 0, compression, Set.copyOf(RECEIVERS), clock,
        todayBillAllowed));
    adapter = new AlipayAdapter(vertx, web, demo.adapterConfig(directory.resolve("bills")));
  }

  private Acknowledgement answer(byte[] body) {
    Notification notification = adapter.verify(new IncomingNotification(Map.of(), body));
    AlipayForm.Decoded decoded = AlipayForm.decode(body);
    received.add(new Received(decoded.fields(), notification, Instant.now()));
    if (notification instanceof Rejection rejection) {
      return adapter.rejected(rejection);
    }
    AtomicInteger left = refusals.get(decoded.fields().getOrDefault("out_trade_no", ""));
    if (left != null && left.getAndDecrement() > 0) {
      return adapter.retryLater("test refuses");
    }
    return adapter.accepted();
  }

  String notifyUrl() {
    return "http://127.0.0.1:" + merchant.actualPort() + "/callbacks/alipay";
  }

  AlipaySandbox sandbox() {
    return demo.sandbox();
  }

  /** A fresh engine-style out_trade_no: A + TF + 18 digits. */
  String outTradeNo() {
    return String.format("ATF%d%08d", System.nanoTime() % 1_000_000_000_000L,
        sequence.incrementAndGet());
  }

  OpenOrderRequest order(String outTradeNo, OpenOrderRequest.Flow flow, long... legFen) {
    List<SplitLeg> legs = new java.util.ArrayList<>();
    long total = 0;
    for (int i = 0; i < legFen.length; i++) {
      legs.add(new SplitLeg(i + 1, "payee-" + (i + 1), RECEIVERS.get(i), Money.ofFen(legFen[i])));
      total += legFen[i];
    }
    return new OpenOrderRequest(outTradeNo.substring(1), outTradeNo, Money.ofFen(total),
        "不动产登记税费 <LA-2026-1>", Instant.now().plus(Duration.ofHours(1)), legs, notifyUrl(),
        "http://127.0.0.1/return?o=" + outTradeNo, flow, "");
  }

  List<Received> receivedFor(String outTradeNo) {
    return received.stream()
        .filter(r -> outTradeNo.equals(r.fields().get("out_trade_no"))).toList();
  }

  /** Waits up to {@code timeoutMs} for the condition, polling from the test thread. */
  static boolean eventually(long timeoutMs, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return condition.getAsBoolean();
  }

  <T> List<Received> waitFor(String outTradeNo, Predicate<List<Received>> done) {
    eventually(10_000, () -> done.test(receivedFor(outTradeNo)));
    return receivedFor(outTradeNo);
  }

  HttpResponse<Buffer> get(String url) {
    return await(web.getAbs(url).timeout(10_000).send());
  }

  HttpResponse<Buffer> postForm(String url, MultiMap form) {
    return await(web.postAbs(url).timeout(10_000).sendForm(form));
  }

  HttpResponse<Buffer> postJson(String url, io.vertx.core.json.JsonObject json) {
    return await(web.postAbs(url).timeout(10_000).sendJsonObject(json));
  }

  /** The action of the payer page's only form. */
  static String formAction(String html) {
    Matcher m = Pattern.compile("<form method=\"post\" action=\"([^\"]+)\"").matcher(html);
    if (!m.find()) {
      throw new AssertionError("no post form in " + html);
    }
    return m.group(1);
  }

  static String text(HttpResponse<Buffer> response) {
    return response.body() == null ? "" : response.body().toString(StandardCharsets.UTF_8);
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new RuntimeException(e.getCause());
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  /** The failure of a future that must fail. */
  static Throwable failure(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
    throw new AssertionError("expected a failure");
  }

  @Override
  public void close() {
    await(demo.stop());
    await(merchant.close());
    await(vertx.close());
    for (String checker : List.of("io.vertx.core.impl.BlockedThreadChecker",
        "io.vertx.core.internal.threadchecker.BlockedThreadChecker")) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(checker))
          .detachAppender(blockedWarnings);
    }
    if (!blockedWarnings.list.isEmpty()) {
      throw new AssertionError("an event loop was blocked: "
          + blockedWarnings.list.get(0).getFormattedMessage());
    }
  }
}
