package org.clearing.testing;

import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.PayeeIdentity;
import org.clearing.channel.PaymentNotification;
import org.clearing.client.Role;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.payment.PaymentIntake;
import org.clearing.person.PasswordHashing;
import org.clearing.person.People;
import org.clearing.person.PersonRole;

/**
 * What the console tests set up through the engine's own code: people (with the one-time
 * password an administrator would hand out) and paid orders in a region, whose tax lines then
 * wait for the tax authority's confirmation.
 */
public final class ConsoleFixture implements AutoCloseable {

  private static final AtomicInteger CASES = new AtomicInteger();
  private final TestEngine engine;
  private final Pool pool;
  private final WorkerExecutor worker;
  private final PaymentIntake intake;
  private final People people;

  public ConsoleFixture(EngineExtension engine) {
    this(engine.get());
  }

  public ConsoleFixture(TestEngine engine) {
    this.engine = engine;
    this.pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(engine.pgUrl()))
        .using(engine.engine().vertx()).build();
    this.worker = engine.engine().vertx().createSharedWorkerExecutor("console-fixture", 1);
    this.intake = new PaymentIntake(engine.engine().vertx(), pool);
    this.people = new People(pool, worker);
  }

  /** Adds a person and returns the one-time password. */
  public String addPerson(String login, PersonRole role, String... regions) throws Exception {
    String password = PasswordHashing.oneTimePassword();
    People.Added added = people.add(login, "测试 " + login, role, List.of(regions), password.toCharArray())
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    if (!(added instanceof People.Created)) {
      throw new AssertionError("could not add " + login + ": " + added);
    }
    return password;
  }

  /** Adds a person whose password is already changed (no first-sign-in step) and returns it. */
  public String addSettledPerson(String login, PersonRole role, String... regions) throws Exception {
    String password = addPerson(login, role, regions);
    TestDatabase.execute(engine.pgUrl(), "UPDATE person SET must_change_password = false WHERE login = '" + login + "'");
    return password;
  }

  /** A new order in {@code region}, paid now through WeChat: its tax line (line 1) awaits confirmation. */
  public String paidOrder(String region) throws Exception {
    int n = CASES.incrementAndGet();
    JsonObject body = OrderBodies.typical("CONSOLE-" + region + "-" + n).put("region", region);
    ApiCaller.Answer created = engine.as(Role.REGISTRATION).post("/api/v1/orders", body.encode(), "console-" + n);
    if (created.status() != 201 && created.status() != 200) {
      throw new AssertionError("order not created: " + created.text());
    }
    String orderNo = created.json().getString("order_no");
    intake.recordPayment(new PaymentNotification(Channel.WECHAT, "EV-C" + n + "-" + System.nanoTime(),
            OutTradeNumbers.of(Channel.WECHAT, orderNo), "4200009" + System.nanoTime(), Money.ofFen(1_509_000),
            "CNY", true, Instant.now(), "openid", PayeeIdentity.of("test-merchant", "", "")),
        PaymentIntake.Source.CALLBACK).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    return orderNo;
  }

  public People people() {
    return people;
  }

  @Override
  public void close() throws Exception {
    worker.close();
    pool.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
