package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad order request gets application/problem+json naming the field and the
 * reason, never a 500, and writes nothing.
 */
class BadInputTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static ApiCaller registration;
  private static int keys;

  @BeforeAll
  static void start() {
    registration = engine.as(Role.REGISTRATION);
  }

  @AfterEach
  void nothingWasWritten() {
    assertEquals(0, engine.count("SELECT count(*) FROM orders"));
    assertEquals(0, engine.count("SELECT count(*) FROM order_line"));
    assertEquals(0, engine.count("SELECT count(*) FROM leg"));
  }

  static Stream<Arguments> invalidFields() {
    return Stream.of(
        bad("missing case_no", b -> b.remove("case_no"), "case_no"),
        bad("empty case_no", b -> b.put("case_no", "  "), "case_no"),
        bad("case_no too long", b -> b.put("case_no", "C".repeat(65)), "case_no"),
        bad("case_no with control characters", b -> b.put("case_no", "LA\u0000-1"), "case_no"),
        bad("case_no not a string", b -> b.put("case_no", 12), "case_no"),
        bad("missing region", b -> b.remove("region"), "region"),
        bad("region not six digits", b -> b.put("region", "34150"), "region"),
        bad("unknown region", b -> b.put("region", "999999"), "region"),
        bad("missing payer", b -> b.remove("payer"), "payer"),
        bad("payer not an object", b -> b.put("payer", "张三"), "payer"),
        bad("missing payer id", b -> b.getJsonObject("payer").remove("id_no"), "payer.id_no"),
        bad("payer id with bad characters", b -> b.getJsonObject("payer").put("id_no", "3415-0019"), "payer.id_no"),
        bad("payer name too long", b -> b.getJsonObject("payer").put("name", "名".repeat(65)), "payer.name"),
        bad("missing lines", b -> b.remove("lines"), "lines"),
        bad("empty lines", b -> b.put("lines", new JsonArray()), "lines"),
        bad("lines not an array", b -> b.put("lines", new JsonObject()), "lines"),
        bad("a line not an object", b -> b.put("lines", new JsonArray().add(5)), "lines[0]"),
        bad("too many lines", b -> b.put("lines", manyLines(51)), "lines"),
        bad("unknown kind", b -> firstLine(b).put("kind", "DOG_TAX"), "lines[0].kind"),
        bad("missing kind", b -> firstLine(b).remove("kind"), "lines[0].kind"),
        bad("missing amount", b -> firstLine(b).remove("amount_fen"), "lines[0].amount_fen"),
        bad("zero amount", b -> firstLine(b).put("amount_fen", 0), "lines[0].amount_fen"),
        bad("negative amount", b -> firstLine(b).put("amount_fen", -100), "lines[0].amount_fen"),
        bad("fractional amount", b -> firstLine(b).put("amount_fen", 1.5), "lines[0].amount_fen"),
        bad("amount as a string", b -> firstLine(b).put("amount_fen", "100"), "lines[0].amount_fen"),
        bad("amount over the maximum", b -> firstLine(b).put("amount_fen", 100_000_000_001L), "lines[0].amount_fen"),
        bad("amount beyond a long", b -> firstLine(b).put("amount_fen", new java.math.BigInteger("9223372036854775808")), "lines[0].amount_fen"),
        bad("total over the maximum", b -> b.put("lines", new JsonArray()
            .add(OrderBodies.line("DEED_TAX", 100_000_000_000L))
            .add(OrderBodies.line("VAT", 100_000_000_000L))), "lines"),
        bad("unknown field", b -> b.put("discount_fen", 5), "discount_fen"),
        bad("unknown line field", b -> firstLine(b).put("note", "x"), "lines[0].note"),
        bad("caller chooses the payee account", b -> b.put("payee_account", "NTX-341500"), "payee_account"),
        bad("caller chooses a line's payee account", b -> firstLine(b).put("payee_account", "NTX-341500"), "lines[0].payee_account"),
        bad("payment code on a treasury line", b -> firstLine(b).put("payment_code", "34150026300000000001"), "lines[0].payment_code"),
        bad("tax voucher on a non-tax line", b -> b.getJsonArray("lines").getJsonObject(1).put("tax_voucher_no", "1234"), "lines[1].tax_voucher_no"),
        bad("payment code of 19 digits", b -> b.getJsonArray("lines").getJsonObject(1).put("payment_code", "3415002630000000000"), "lines[1].payment_code"),
        bad("tax voucher too long", b -> firstLine(b).put("tax_voucher_no", "1".repeat(21)), "lines[0].tax_voucher_no"),
        bad("expiry too short", b -> b.put("expires_in_s", 10), "expires_in_s"),
        bad("expiry too long", b -> b.put("expires_in_s", 31L * 86_400), "expires_in_s"),
        bad("expiry not a number", b -> b.put("expires_in_s", "1h"), "expires_in_s"),
        // Issue 10 §9: text that reads differently on screen than it is, and coded fields that
        // were quietly trimmed.
        bad("payer name with a right-to-left override", b -> b.getJsonObject("payer").put("name", "张‮三"), "payer.name"),
        bad("payer name with a bidi isolate", b -> b.getJsonObject("payer").put("name", "⁦张三⁩"), "payer.name"),
        bad("payer name with a zero-width space", b -> b.getJsonObject("payer").put("name", "张​三"), "payer.name"),
        bad("payer name with a zero-width joiner", b -> b.getJsonObject("payer").put("name", "张‍三"), "payer.name"),
        bad("payer name with a byte-order mark", b -> b.getJsonObject("payer").put("name", "﻿张三"), "payer.name"),
        bad("case_no with a left-to-right mark", b -> b.put("case_no", "LA-1‎"), "case_no"),
        bad("case_no with a right-to-left embedding", b -> b.put("case_no", "‫LA-1"), "case_no"),
        bad("case_no with a line separator", b -> b.put("case_no", "LA -1"), "case_no"),
        bad("region with a leading space", b -> b.put("region", " 341500"), "region"),
        bad("region with a trailing line feed", b -> b.put("region", "341500\n"), "region"),
        bad("payer id with a trailing space", b -> b.getJsonObject("payer").put("id_no", "34150019900101123X "), "payer.id_no"));
  }

  private static Arguments bad(String name, Consumer<JsonObject> change, String field) {
    JsonObject body = OrderBodies.typical("BAD-1");
    change.accept(body);
    return Arguments.of(name, body.encode(), field);
  }

  private static JsonObject firstLine(JsonObject body) {
    return body.getJsonArray("lines").getJsonObject(0);
  }

  private static JsonArray manyLines(int count) {
    JsonArray lines = new JsonArray();
    for (int i = 0; i < count; i++) {
      lines.add(OrderBodies.line("CERTIFICATE_FEE", 1_000));
    }
    return lines;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidFields")
  void anInvalidFieldIsNamedWithItsReason(String name, String body, String field) {
    ApiCaller.Answer answer = registration.post("/api/v1/orders", body, "bad-" + (++keys));

    assertEquals(422, answer.status(), answer.text());
    assertEquals("application/problem+json", answer.contentType());
    JsonObject problem = answer.json();
    assertEquals(422, problem.getInteger("status"));
    JsonArray errors = problem.getJsonArray("errors");
    assertTrue(errors.stream().anyMatch(e -> ((JsonObject) e).getString("field").equals(field)),
        "expected an error on " + field + " in " + problem.encode());
    assertTrue(errors.stream().allMatch(e -> !((JsonObject) e).getString("reason").isBlank()));
  }

  @Test
  void aKeyRepeatedAtTheTopIsRefusedNamingIt() {
    String body = OrderBodies.typical("DUP-1").encode().replaceFirst("\\{", "{\"region\":\"110000\",");
    ApiCaller.Answer answer = registration.post("/api/v1/orders", body, "dup-1");
    assertProblem(answer, 400);
    assertEquals("region", answer.json().getJsonArray("errors").getJsonObject(0).getString("field"));
  }

  @Test
  void aKeyRepeatedInsideTheBodyIsRefusedNamingItsPath() {
    String payer = OrderBodies.typical("DUP-2").encode().replace("\"name\":\"张三\"",
        "\"name\":\"张三\",\"name\":\"李四\"");
    ApiCaller.Answer answer = registration.post("/api/v1/orders", payer, "dup-2");
    assertProblem(answer, 400);
    assertEquals("payer.name", answer.json().getJsonArray("errors").getJsonObject(0).getString("field"));

    String line = OrderBodies.typical("DUP-3").encode().replaceFirst("\"amount_fen\":1500000",
        "\"amount_fen\":1500000,\"amount_fen\":1");
    answer = registration.post("/api/v1/orders", line, "dup-3");
    assertProblem(answer, 400);
    assertEquals("lines[0].amount_fen", answer.json().getJsonArray("errors").getJsonObject(0).getString("field"));
  }

  @Test
  void malformedJsonIsABadRequest() {
    ApiCaller.Answer answer = registration.post("/api/v1/orders", "{\"case_no\": ", "bad-json");
    assertProblem(answer, 400);
  }

  @Test
  void aJsonArrayBodyIsABadRequest() {
    ApiCaller.Answer answer = registration.post("/api/v1/orders", "[1,2]", "bad-array");
    assertProblem(answer, 400);
  }

  @Test
  void anEmptyBodyIsABadRequest() {
    ApiCaller.Answer answer = registration.post("/api/v1/orders", "", "bad-empty");
    assertProblem(answer, 400);
  }

  @Test
  void theWrongContentTypeIsRefused() {
    byte[] body = OrderBodies.typical("BAD-2").encode().getBytes(StandardCharsets.UTF_8);
    ApiCaller.Answer answer = registration.send("POST", "/api/v1/orders", body,
        Map.of("Content-Type", "text/plain", "Idempotency-Key", "bad-type"), true);
    assertProblem(answer, 415);
  }

  @Test
  void aBodyOverTheLimitIsRefused() {
    JsonObject body = OrderBodies.typical("BAD-3").put("case_no", "x".repeat(70_000));
    ApiCaller.Answer answer = registration.post("/api/v1/orders", body.encode(), "bad-size");
    assertProblem(answer, 413);
  }

  @Test
  void aMissingIdempotencyKeyIsNamed() {
    ApiCaller.Answer answer = registration.post("/api/v1/orders", OrderBodies.typical("BAD-4").encode(), null);
    assertProblem(answer, 400);
    assertEquals("Idempotency-Key", answer.json().getJsonArray("errors").getJsonObject(0).getString("field"));
  }

  @Test
  void anIdempotencyKeyWithSpacesIsRefused() {
    ApiCaller.Answer answer = registration.post("/api/v1/orders", OrderBodies.typical("BAD-5").encode(), "a b");
    assertProblem(answer, 400);
  }

  @Test
  void anUnknownEndpointIsAProblemNotAPage() {
    assertProblem(registration.get("/api/v1/nothing-here"), 404);
  }

  private static void assertProblem(ApiCaller.Answer answer, int status) {
    assertEquals(status, answer.status(), answer.text());
    assertEquals("application/problem+json", answer.contentType());
    assertEquals(status, answer.json().getInteger("status"));
    assertTrue(answer.json().getString("detail").length() > 3);
  }
}
