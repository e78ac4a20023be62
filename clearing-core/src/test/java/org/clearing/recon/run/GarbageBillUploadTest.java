package org.clearing.recon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.clearing.client.Role;
import org.clearing.http.Problem;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A signed upload that is not the channel's bill is the caller's mistake: it is answered 422
 * naming the body and what is wrong with it (not 502), for every channel, and changes nothing —
 * not even the day's finished run it would have replaced.
 */
class GarbageBillUploadTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.withSandboxes();
  private static ApiCaller finance;

  @BeforeAll
  static void start() {
    finance = engine.as(Role.FINANCE);
  }

  /** Larger than the API's small-body limit, so it takes the streamed path. */
  private static byte[] garbage() {
    return "this is not a bill, \u0000\u0001\u00ff just bytes\n".repeat(4_000).getBytes(StandardCharsets.UTF_8);
  }

  private static ApiCaller.Answer upload(String day, String channel, byte[] body) {
    return finance.send("POST", "/api/v1/admin/reconciliation/runs/" + day + "/" + channel + "/bill", body,
        Map.of("Content-Type", "application/octet-stream"), true);
  }

  @Test
  void garbageUploadedAsAnyChannelsBillIsRefusedAs422NamingTheProblem() {
    String day = "2026-11-30";
    for (String channel : new String[] {"wechat", "alipay", "unionpay"}) {
      ApiCaller.Answer answer = upload(day, channel, garbage());
      assertEquals(422, answer.status(), channel + ": " + answer.text());
      assertEquals(Problem.CONTENT_TYPE, answer.contentType());
      JsonObject error = answer.json().getJsonArray("errors").getJsonObject(0);
      assertEquals("body", error.getString("field"), answer.text());
      assertTrue(error.getString("reason").startsWith("is not a readable " + channel + " bill: "), answer.text());
      assertFalse(answer.text().contains(engine.dataDir().toString()), "no server path in the answer: " + answer.text());
    }
    assertEquals(0, engine.count("SELECT count(*) FROM recon_run WHERE business_date = '" + day + "'"));
  }

  @Test
  void aGarbageUploadLeavesTheDaysFinishedRunAsItWas() {
    String today = LocalDate.now(ZoneOffset.ofHours(8)).toString();
    ApiCaller.Answer run = finance.post("/api/v1/admin/reconciliation/runs",
        new JsonObject().put("date", today).put("channel", "wechat").encode(), null);
    assertEquals(200, run.status(), run.text());
    String before = runState(today);
    assertTrue(before.startsWith("1/"), before);

    ApiCaller.Answer answer = upload(today, "wechat", garbage());

    assertEquals(422, answer.status(), answer.text());
    assertEquals(before, runState(today), "the day's run, its bill and its items are untouched");
  }

  private static String runState(String day) {
    return engine.count("SELECT count(*) FROM recon_run WHERE business_date = '" + day + "' AND channel = 'wechat'"
        + " AND status = 'DONE' AND bill_source = 'FETCHED'") + "/"
        + engine.count("SELECT count(*) FROM recon_item i JOIN recon_run r ON r.run_id = i.run_id"
        + " WHERE r.business_date = '" + day + "' AND r.channel = 'wechat'");
  }
}
