package org.clearing.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.JsonSchemaValidationException;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.OpenAPIVersion;
import io.vertx.openapi.impl.Utils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.Await;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The OpenAPI description the engine serves is a valid OpenAPI 3.1 document that matches the
 * engine: every route mounted under /api/v1 is described and every described operation is
 * mounted; the README's worked example and the engine's real answers (orders, and problems for bad
 * input) validate against its schemas with a JSON Schema 2020-12 validator (vertx-json-schema).
 */
class ApiDescriptionTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static final String BASE_URI = "app:///clearing-api.yaml";
  private static final JsonSchemaOptions SCHEMA_OPTIONS = new JsonSchemaOptions()
      .setDraft(Draft.DRAFT202012).setBaseUri(BASE_URI).setOutputFormat(OutputFormat.Basic);
  private static Vertx vertx;
  /** The served document with every $ref resolved. */
  private static JsonObject description;

  @BeforeAll
  static void readTheServedDescription() {
    HttpResponse<byte[]> answer = unsignedGet(ApiDescription.PATH, Map.of());
    assertEquals(200, answer.statusCode());
    vertx = Vertx.vertx();
    JsonObject document = Await.result(Utils.yamlStringToJson(new String(answer.body(), StandardCharsets.UTF_8)));
    assertEquals(OpenAPIVersion.V3_1, OpenAPIVersion.fromContract(document));
    SchemaRepository repository = Await.result(OpenAPIVersion.V3_1.getRepository(vertx, BASE_URI));
    OutputUnit valid = Await.result(OpenAPIVersion.V3_1.validateContract(vertx, repository, document));
    assertTrue(valid.getValid(), () -> "clearing-api.yaml is not valid OpenAPI 3.1: " + valid.toJson().encodePrettily());
    description = Await.result(OpenAPIVersion.V3_1.resolve(vertx, repository, document));
  }

  @AfterAll
  static void closeVertx() {
    Await.result(vertx.close());
  }

  @Test
  void theDescriptionIsServedUnsignedAsYamlWithAnETagThatAnswersNotModified() {
    HttpResponse<byte[]> answer = unsignedGet(ApiDescription.PATH, Map.of());
    assertEquals(200, answer.statusCode());
    assertTrue(answer.headers().firstValue("Content-Type").orElseThrow().startsWith("application/yaml"));
    assertEquals("no-store", answer.headers().firstValue("Cache-Control").orElseThrow());
    String etag = answer.headers().firstValue("ETag").orElseThrow();
    assertEquals(304, unsignedGet(ApiDescription.PATH, Map.of("If-None-Match", etag)).statusCode());
    assertEquals(200, unsignedGet(ApiDescription.PATH, Map.of("If-None-Match", "\"stale\"")).statusCode());
  }

  @Test
  void everyMountedApiRouteIsDescribedAndEveryDescribedOperationIsMounted() {
    Set<String> mounted = new TreeSet<>();
    for (Route route : engine.get().engine().apiRoutes()) {
      String path = route.getPath();
      // Routes without a method are filters over /api/* (client certificates, signature, 404). A
      // route with :params keeps its path as written (and is matched by a pattern made from it).
      if (path == null || !path.startsWith("/api/v1/") || route.methods() == null || route.methods().isEmpty()) {
        continue;
      }
      for (HttpMethod method : route.methods()) {
        mounted.add(method.name() + " " + path.replaceAll(":([A-Za-z_][A-Za-z0-9_]*)", "{$1}"));
      }
    }
    Set<String> described = new TreeSet<>();
    JsonObject paths = description.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      // The resolver adds bookkeeping members ("__absolute_uri__" and the like) beside the paths.
      if (!(paths.getValue(path) instanceof JsonObject)) {
        continue;
      }
      for (String method : paths.getJsonObject(path).fieldNames()) {
        if (Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace").contains(method)) {
          described.add(method.toUpperCase(Locale.ROOT) + " " + path);
        }
      }
    }

    Set<String> undescribed = new TreeSet<>(mounted);
    undescribed.removeAll(described);
    Set<String> unmounted = new TreeSet<>(described);
    unmounted.removeAll(mounted);
    assertTrue(undescribed.isEmpty() && unmounted.isEmpty(), "mounted but not described in clearing-api.yaml: "
        + undescribed + "; described but not mounted: " + unmounted);
    assertTrue(mounted.size() > 40, "the router's routes were read: " + mounted);
  }

  @Test
  void everyOperationSaysWhoMayCallItAndAnswersProblemsForWhatItDoesNotDescribe() {
    JsonObject paths = description.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      if (!(paths.getValue(path) instanceof JsonObject item)) {
        continue;
      }
      for (String method : item.fieldNames()) {
        if (!(item.getValue(method) instanceof JsonObject) || method.equals("parameters")) {
          continue;
        }
        JsonObject operation = item.getJsonObject(method);
        boolean unsigned = operation.getJsonArray("security") != null && operation.getJsonArray("security").isEmpty();
        assertTrue(unsigned || operation.getJsonArray("x-roles") != null, method + " " + path + " has no x-roles");
        assertTrue(operation.getJsonObject("responses").containsKey("default")
            || path.equals(ApiDescription.PATH), method + " " + path + " has no default (problem) response");
      }
    }
  }

  @Test
  void theReadmeWorkedExampleIsAValidOrderRequestAndTheEnginesAnswerToItAValidOrder() throws Exception {
    String body = readmeOrderBody();
    validateRequest("/api/v1/orders", "post", new JsonObject(body), Map.of("Idempotency-Key", "case-LA-2026-000123"));

    ApiCaller registration = engine.as(Role.REGISTRATION);
    ApiCaller.Answer created = registration.post("/api/v1/orders", body, "case-LA-2026-000123");
    assertEquals(201, created.status(), created.text());
    validateResponse("/api/v1/orders", "post", created);
    ApiCaller.Answer replayed = registration.post("/api/v1/orders", body, "case-LA-2026-000123");
    assertEquals(200, replayed.status(), replayed.text());
    validateResponse("/api/v1/orders", "post", replayed);
    ApiCaller.Answer read = registration.get("/api/v1/orders/" + created.json().getString("order_no"));
    assertEquals(200, read.status(), read.text());
    validateResponse("/api/v1/orders/{orderNo}", "get", read);
  }

  @Test
  void theValidatorRefusesWhatTheDescriptionDoesNotAllow() throws Exception {
    JsonObject withPayee = new JsonObject(readmeOrderBody()).put("payee_account", "TRE-341500");
    assertThrows(JsonSchemaValidationException.class, () -> validateRequest("/api/v1/orders", "post", withPayee,
        Map.of("Idempotency-Key", "k-1")));
    JsonObject noRegion = new JsonObject(readmeOrderBody());
    noRegion.remove("region");
    assertThrows(JsonSchemaValidationException.class, () -> validateRequest("/api/v1/orders", "post", noRegion,
        Map.of("Idempotency-Key", "k-2")));
    assertThrows(JsonSchemaValidationException.class, () -> validateRequest("/api/v1/orders", "post",
        new JsonObject(readmeOrderBody()), Map.of("Idempotency-Key", "a key with spaces")));

    ApiCaller.Answer created = engine.as(Role.REGISTRATION)
        .post("/api/v1/orders", OrderBodies.typical("LA-DESC-1").encode(), "desc-1");
    assertEquals(201, created.status(), created.text());
    JsonObject withoutOrderNo = created.json();
    withoutOrderNo.remove("order_no");
    assertThrows(JsonSchemaValidationException.class, () -> validateResponse("/api/v1/orders", "post",
        new ApiCaller.Answer(201, "application/json", withoutOrderNo.toBuffer().getBytes())));
    JsonObject problemWithExtra = new JsonObject().put("type", "/problems/not-found").put("title", "No such order")
        .put("status", 404).put("detail", "no order X").put("stack", "at ...");
    assertThrows(JsonSchemaValidationException.class, () -> validateResponse("/api/v1/orders/{orderNo}", "get",
        new ApiCaller.Answer(404, "application/problem+json", problemWithExtra.toBuffer().getBytes())));
  }

  @Test
  void theEnginesProblemAnswersToBadInputValidateAgainstTheProblemSchema() throws Exception {
    ApiCaller registration = engine.as(Role.REGISTRATION);

    JsonObject noRegion = OrderBodies.typical("LA-DESC-BAD");
    noRegion.remove("region");
    ApiCaller.Answer invalid = registration.post("/api/v1/orders", noRegion.encode(), "desc-bad");
    assertEquals(422, invalid.status(), invalid.text());
    assertEquals("region", invalid.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    validateResponse("/api/v1/orders", "post", invalid);

    ApiCaller.Answer noKey = registration.post("/api/v1/orders", OrderBodies.typical("LA-DESC-NOKEY").encode(), null);
    assertEquals(400, noKey.status(), noKey.text());
    validateResponse("/api/v1/orders", "post", noKey);

    ApiCaller.Answer notJson = registration.send("POST", "/api/v1/orders", "case_no=1".getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/x-www-form-urlencoded", "Idempotency-Key", "desc-form"), true);
    assertEquals(415, notJson.status(), notJson.text());
    validateResponse("/api/v1/orders", "post", notJson);

    ApiCaller.Answer unsigned = registration.send("GET", "/api/v1/orders/TF202611270000000001", new byte[0],
        Map.of(), false);
    assertEquals(401, unsigned.status(), unsigned.text());
    validateResponse("/api/v1/orders/{orderNo}", "get", unsigned);

    ApiCaller.Answer missing = registration.get("/api/v1/orders/TF209901010000000001");
    assertEquals(404, missing.status(), missing.text());
    validateResponse("/api/v1/orders/{orderNo}", "get", missing);

    ApiCaller.Answer wrongRole = registration.get("/api/v1/admin/clients");
    assertEquals(403, wrongRole.status(), wrongRole.text());
    validateResponse("/api/v1/admin/clients", "get", wrongRole);

    ApiCaller.Answer badRefund = registration.post("/api/v1/orders/TF209901010000000001/refunds",
        new JsonObject().put("refund_key", "r 1").put("lines", "all").encode(), null);
    assertEquals(422, badRefund.status(), badRefund.text());
    assertTrue(badRefund.json().getJsonArray("errors").size() >= 3, badRefund.text());
    validateResponse("/api/v1/orders/{orderNo}/refunds", "post", badRefund);

    ApiCaller.Answer badRotation = engine.as(Role.ADMIN).post("/api/v1/admin/engine/keys/rotate",
        new JsonObject().put("purpose", "everything").encode(), null);
    assertEquals(422, badRotation.status(), badRotation.text());
    validateResponse("/api/v1/admin/engine/keys/rotate", "post", badRotation);
  }

  @Test
  void theEnginesEverydayAnswersValidateAgainstTheirOperations() throws Exception {
    ApiCaller admin = engine.as(Role.ADMIN);
    ApiCaller finance = engine.as(Role.FINANCE);
    ApiCaller tax = engine.as(Role.TAX);
    ApiCaller registration = engine.as(Role.REGISTRATION);
    String today = java.time.LocalDate.now(java.time.ZoneOffset.ofHours(8)).toString();
    Map<String, ApiCaller.Answer> answers = new java.util.LinkedHashMap<>();
    answers.put("get /api/v1/engine/public-key", registration.get("/api/v1/engine/public-key"));
    answers.put("get /api/v1/admin/clients", admin.get("/api/v1/admin/clients"));
    answers.put("get /api/v1/admin/regions", admin.get("/api/v1/admin/regions"));
    answers.put("get /api/v1/admin/regions/{code}", admin.get("/api/v1/admin/regions/341500"));
    answers.put("get /api/v1/admin/regions/{code}/audit", admin.get("/api/v1/admin/regions/341500/audit"));
    answers.put("get /api/v1/admin/attention", finance.get("/api/v1/admin/attention"));
    answers.put("get /api/v1/journal/balances", finance.get("/api/v1/journal/balances"));
    answers.put("get /api/v1/admin/invariants", finance.get("/api/v1/admin/invariants"));
    answers.put("get /api/v1/tax/receipts", tax.get("/api/v1/tax/receipts?date=" + today));
    answers.put("get /api/v1/finance/receipts", finance.get("/api/v1/finance/receipts?date=" + today + "&status=all"));
    answers.put("get /api/v1/tax/refunds", tax.get("/api/v1/tax/refunds"));
    answers.put("get /api/v1/finance/refunds", finance.get("/api/v1/finance/refunds?status=all"));
    answers.put("get /api/v1/finance/settlement", finance.get("/api/v1/finance/settlement?date=" + today));
    answers.put("get /api/v1/admin/reconciliation/items", finance.get("/api/v1/admin/reconciliation/items"));
    answers.put("put /api/v1/webhook-endpoint", registration.send("PUT", "/api/v1/webhook-endpoint",
        new JsonObject().put("url", "http://127.0.0.1:9/hooks").encode().getBytes(StandardCharsets.UTF_8),
        Map.of("Content-Type", "application/json"), true));
    answers.put("get /api/v1/webhook-endpoint", registration.get("/api/v1/webhook-endpoint"));
    ApiCaller.Answer order = registration.post("/api/v1/orders", OrderBodies.typical("LA-DESC-CANCEL").encode(),
        "desc-cancel");
    answers.put("post /api/v1/orders/{orderNo}/cancel", registration.send("POST",
        "/api/v1/orders/" + order.json().getString("order_no") + "/cancel", new byte[0], Map.of(), true));
    for (Map.Entry<String, ApiCaller.Answer> answer : answers.entrySet()) {
      String[] operation = answer.getKey().split(" ");
      assertTrue(answer.getValue().status() < 300, answer.getKey() + " answered " + answer.getValue().text());
      validateResponse(operation[1], operation[0], answer.getValue());
    }
    HttpResponse<byte[]> keys = unsignedGet("/api/v1/engine/public-keys", Map.of());
    validateResponse("/api/v1/engine/public-keys", "get", new ApiCaller.Answer(keys.statusCode(),
        keys.headers().firstValue("Content-Type").orElse(""), keys.body()));
  }

  /** The order body of the README's worked example, exactly as its recipe sends it. */
  private static String readmeOrderBody() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    int start = readme.indexOf("```bash", readme.indexOf("<!-- example:create-order -->"));
    String script = readme.substring(start, readme.indexOf("```", start + 7));
    Matcher body = Pattern.compile("BODY='([^']*)'").matcher(script);
    assertTrue(body.find(), "the README's recipe sets BODY='…'");
    return body.group(1);
  }

  private static JsonObject operation(String path, String method) {
    JsonObject item = description.getJsonObject("paths").getJsonObject(path);
    assertTrue(item != null && item.containsKey(method), method + " " + path + " is not described");
    return item.getJsonObject(method);
  }

  /** Validates a JSON body and headers against the operation's request body and header parameters. */
  private static void validateRequest(String path, String method, JsonObject body, Map<String, String> headers)
      throws JsonSchemaValidationException {
    JsonObject operation = operation(path, method);
    JsonArray parameters = operation.getJsonArray("parameters", new JsonArray());
    for (int i = 0; i < parameters.size(); i++) {
      JsonObject parameter = parameters.getJsonObject(i);
      if (parameter.getString("in").equals("header")) {
        String value = headers.get(parameter.getString("name"));
        assertTrue(value != null || !parameter.getBoolean("required", false), parameter.getString("name") + " is required");
        if (value != null) {
          validate(parameter.getJsonObject("schema"), value);
        }
      }
    }
    validate(operation.getJsonObject("requestBody").getJsonObject("content")
        .getJsonObject("application/json").getJsonObject("schema"), body);
  }

  /** Validates an answer against the operation's response for its status (or its default), by media type. */
  private static void validateResponse(String path, String method, ApiCaller.Answer answer)
      throws JsonSchemaValidationException {
    JsonObject responses = operation(path, method).getJsonObject("responses");
    JsonObject response = responses.getJsonObject(Integer.toString(answer.status()), responses.getJsonObject("default"));
    assertTrue(response != null, method + " " + path + " describes no answer " + answer.status());
    String mediaType = answer.contentType().split(";")[0].trim();
    JsonObject content = response.getJsonObject("content");
    assertTrue(content != null && content.containsKey(mediaType),
        method + " " + path + " " + answer.status() + " is not described as " + mediaType);
    validate(content.getJsonObject(mediaType).getJsonObject("schema"), new JsonObject(answer.text()));
  }

  private static void validate(JsonObject schema, Object instance) throws JsonSchemaValidationException {
    Validator validator = Validator.create(JsonSchema.of(schema), SCHEMA_OPTIONS);
    validator.validate(instance).checkValidity();
  }

  private static HttpResponse<byte[]> unsignedGet(String path, Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(engine.get().baseUrl() + path)).GET();
    headers.forEach(request::header);
    try {
      return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
