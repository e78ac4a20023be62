package org.clearing.recon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.clearing.channel.Channel;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.unionpay.UnionPayAdapter;
import org.clearing.channel.unionpay.UnionPayCertificates.Issued;
import org.clearing.channel.unionpay.UnionPayCertificates.Pki;
import org.clearing.channel.unionpay.UnionPayNotificationBuilder;
import org.clearing.channel.unionpay.UnionPayNotifications;
import org.clearing.crypto.Pem;
import org.clearing.payment.ChannelAccountRepository;
import org.clearing.payment.ChannelSet;
import org.clearing.sandbox.unionpay.UnionPayDemo;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

// Proves by attack that reconciliation's LONG healing books a lost payment only if the channel's
// answer pays the payee the order was opened with: between the engine and the real UnionPay sandbox
// sits a gateway that passes the bill through untouched but turns each query answer into a genuinely
// UnionPay-signed one paying another merId or another split receiver; nothing is booked and the LONG
// items stay open for a person.
class ForeignLongPaymentTest {

  private static final String OTHER_MER_ID = "898340100000999";

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ReconBench bench;

  @BeforeAll
  static void start() throws Exception {
    bench = new ReconBench(engine.get());
  }

  @AfterAll
  static void stop() throws Exception {
    bench.close();
  }

  @Test
  void aLostPaymentWhoseQueryAnswerPaysAnotherMerchantOrReceiverIsNotBooked() throws Exception {
    bench.setFaults(Channel.UNIONPAY, new JsonObject().put("drop_percent", 100));
    String otherMerchant = bench.newOrder();
    String otherReceiver = bench.newOrder();
    bench.pay(Channel.UNIONPAY, otherMerchant);
    bench.pay(Channel.UNIONPAY, otherReceiver);
    Thread.sleep(300);
    bench.setFaults(Channel.UNIONPAY, new JsonObject());
    Path keys = bench.engine.dataDir().resolve("channels/unionpay");
    Pki pki = new Pki(issued(keys.resolve("sandbox/pki"), "root"), issued(keys.resolve("sandbox/pki"), "intermediate"),
        issued(keys.resolve("sandbox/pki"), "unionpay-signing"), issued(keys.resolve("sandbox/pki"), "spare"));
    UnionPayNotificationBuilder unionPay = new UnionPayNotificationBuilder(pki, Clock.systemUTC());
    Map<String, String> swappedSplits = Map.of(OutTradeNumbers.of(Channel.UNIONPAY, otherReceiver),
        swappedSplit(otherReceiver));
    Vertx vertx = bench.engine.engine().vertx();
    WebClient client = WebClient.create(vertx);
    String sandbox = bench.engine.sandboxUrl(Channel.UNIONPAY);
    HttpServer gateway = Await.result(vertx.createHttpServer().requestHandler(request -> request.body()
        .compose(body -> client.postAbs(sandbox + request.path())
            .putHeader("Content-Type", request.getHeader("Content-Type")).sendBuffer(body))
        .onSuccess(answer -> {
          Buffer out = answer.body();
          if (request.path().endsWith("/queryTrans.do")) {
            Map<String, String> fields = new TreeMap<>(UnionPayNotifications.decodeForm(out.getBytes()));
            String split = swappedSplits.get(fields.get("orderId"));
            if (split == null) {
              fields.put("merId", OTHER_MER_ID);
            } else {
              fields.put("accSplitData", split);
            }
            out = Buffer.buffer(UnionPayNotifications.encodeForm(unionPay.sign(fields)), "UTF-8");
          }
          request.response().setStatusCode(answer.statusCode())
              .putHeader("Content-Type", answer.getHeader("Content-Type")).end(out);
        })).listen(0, "127.0.0.1"));
    Issued merchant = issued(keys.resolve("merchant"), "merchant-signing");
    UnionPayAdapter throughGateway = new UnionPayAdapter(vertx, client, new UnionPayAdapter.Config(
        "http://127.0.0.1:" + gateway.actualPort(), UnionPayDemo.MER_ID, merchant.keyPair().getPrivate(),
        merchant.certificate(), pki.root().certificate(), pki.intermediate().certificate(), true, 5_000,
        Files.createTempDirectory("foreign-long-bills-")));
    var accounts = Await.result(new ChannelAccountRepository(bench.pool).load());
    ReconciliationRun run = new ReconciliationRun(vertx, bench.pool,
        new ChannelSet(Map.of(Channel.UNIONPAY, throughGateway), accounts, null), bench.engine.engine().intake(),
        Files.createTempDirectory("foreign-long-"));
    try {
      ReconciliationRun.Result result = Await.result(run.run(LocalDate.now(ZoneOffset.ofHours(8)), Channel.UNIONPAY));

      assertEquals(0, result.autoBooked(), result.toString());
      for (String orderNo : List.of(otherMerchant, otherReceiver)) {
        assertEquals("OPEN", bench.text("SELECT status FROM orders WHERE order_no = '" + orderNo + "'"));
        assertEquals(0, bench.count("SELECT count(*) FROM channel_inbox WHERE order_no = '" + orderNo + "'"));
        assertEquals(0, bench.count("SELECT count(*) FROM journal_entry WHERE order_no = '" + orderNo + "'"));
        assertEquals(1, bench.count("SELECT count(*) FROM recon_item WHERE run_id = " + result.runId()
            + " AND class = 'LONG' AND resolution_status = 'OPEN' AND out_trade_no = '"
            + OutTradeNumbers.of(Channel.UNIONPAY, orderNo) + "'"), "left open for a person");
      }
    } finally {
      Await.result(gateway.close());
    }
  }

  /** The order's accSplitData with its first receiver replaced by another merchant. */
  private static String swappedSplit(String orderNo) {
    String legs = bench.text("SELECT string_agg(a.channel_account || ':' || l.amount_fen, ',' ORDER BY l.leg_no)"
        + " FROM leg l JOIN payee_channel_account a ON a.payee_account_id = l.payee_account_id"
        + " AND a.channel = 'unionpay' WHERE l.order_no = '" + orderNo + "'");
    JsonArray mchts = new JsonArray();
    String[] each = legs.split(",");
    for (int i = 0; i < each.length; i++) {
      String[] leg = each[i].split(":");
      mchts.add(new JsonObject().put("accSplitMerId", i == 0 ? OTHER_MER_ID : leg[0]).put("accSplitAmt", leg[1]));
    }
    return new JsonObject().put("accSplitType", "1").put("accSplitMchts", mchts).encode();
  }

  private static Issued issued(Path directory, String name) throws Exception {
    X509Certificate certificate = Pem.readCertificate(Files.readString(directory.resolve(name + ".pem")));
    return new Issued(new KeyPair(certificate.getPublicKey(),
        Pem.readPrivateKey(Files.readString(directory.resolve(name + ".key")))), certificate);
  }
}
