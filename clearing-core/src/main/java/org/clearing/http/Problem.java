package org.clearing.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.clearing.input.FieldError;

/**
 * An RFC 9457 problem answer ({@code application/problem+json}). Field errors list the field and
 * the reason, so a caller can fix the request without guessing.
 */
public record Problem(int status, String type, String title, String detail, List<FieldError> errors) {

  public static final String CONTENT_TYPE = "application/problem+json";

  public static Problem of(int status, String type, String title, String detail) {
    return new Problem(status, type, title, detail, List.of());
  }

  public static Problem invalid(int status, List<FieldError> errors) {
    FieldError first = errors.get(0);
    String detail = errors.size() == 1
        ? first.field() + ": " + first.reason()
        : first.field() + ": " + first.reason() + " (and " + (errors.size() - 1) + " more)";
    return new Problem(status, "invalid-request", "The request has invalid fields", detail, errors);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("type", "/problems/" + type)
        .put("title", title)
        .put("status", status)
        .put("detail", detail);
    if (!errors.isEmpty()) {
      JsonArray list = new JsonArray();
      errors.forEach(e -> list.add(new JsonObject().put("field", e.field()).put("reason", e.reason())));
      json.put("errors", list);
    }
    return json;
  }

  public void send(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", CONTENT_TYPE)
        .end(toJson().encode());
  }
}
