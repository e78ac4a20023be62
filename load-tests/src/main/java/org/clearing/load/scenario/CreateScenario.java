package org.clearing.load.scenario;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.clearing.client.KeyType;
import org.clearing.client.RequestSigner;
import org.clearing.crypto.Pem;
import org.clearing.load.driver.Harness;
import org.clearing.load.driver.OpenLoopDriver;

/** Signed order creation: a typical three-line order, each request with its own key and nonce. */
public final class CreateScenario {

  private CreateScenario() {}

  public static RequestSigner signer(Path clientFile) throws Exception {
    JsonObject file = new JsonObject(Files.readString(clientFile));
    return new RequestSigner(file.getString("client_id"), KeyType.valueOf(file.getString("key_type")),
        Pem.readPrivateKey(file.getString("private_key_pem")), Clock.systemUTC());
  }

  /**
   * Replays prepared order requests against the harness's engine at {@code ratePerS} (open loop,
   * at most {@code inFlightMax} in flight) and returns the driver's result.
   */
  public static OpenLoopDriver.Result run(Harness harness, List<OpenLoopDriver.PreparedRequest> requests,
      double ratePerS, int inFlightMax) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      URI uri = URI.create(harness.baseUrl());
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(uri.getHost())
          .setDefaultPort(uri.getPort()).setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(inFlightMax));
      return new OpenLoopDriver(vertx, client, inFlightMax).run(requests, ratePerS, status -> status == 201);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  /** Signs {@code count} distinct order requests up front, on all cores. */
  public static List<OpenLoopDriver.PreparedRequest> prepare(RequestSigner signer, int count, String runId) {
    return IntStream.range(0, count).parallel().mapToObj(i -> {
      String caseNo = "LOAD-" + runId + "-" + i;
      byte[] body = new JsonObject()
          .put("case_no", caseNo)
          .put("region", i % 2 == 0 ? "341500" : "341522")
          .put("payer", new JsonObject().put("name", "张三").put("id_no", "34150019900101123X"))
          .put("lines", new JsonArray()
              .add(new JsonObject().put("kind", "DEED_TAX").put("amount_fen", 1_500_000 + i))
              .add(new JsonObject().put("kind", "REGISTRATION_FEE").put("amount_fen", 8_000))
              .add(new JsonObject().put("kind", "CERTIFICATE_FEE").put("amount_fen", 1_000)))
          .encode().getBytes(StandardCharsets.UTF_8);
      String path = "/api/v1/orders";
      return new OpenLoopDriver.PreparedRequest(HttpMethod.POST, path, Map.of(
          "Content-Type", "application/json",
          "Idempotency-Key", caseNo,
          "Authorization", signer.authorization("POST", path, body)), Buffer.buffer(body));
    }).toList();
  }
}
