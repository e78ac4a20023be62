package org.clearing.api;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.clearing.client.ApiClient;
import org.clearing.http.Problem;
import org.clearing.input.FieldError;
import org.clearing.refund.ExceptionResolutions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finance's and the administrator's way out of an order in EXCEPTION: give its payment back
 * ({@code …/exception/refund}) or accept it ({@code …/exception/accept}), each with a reason; and
 * of a refund of held money the channel refused: ask again ({@code …/refunds/{no}/retry}).
 */
final class ExceptionRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(ExceptionRoutes.class);
  private static final Set<String> FIELDS = Set.of("reason");
  /** Order numbers as the engine issues them (TF + digits); anything else names no order. */
  private static final Pattern ORDER_NO = Pattern.compile("[A-Z]{2}[0-9]{10,30}");
  /** Refunds of held money as the engine numbers them (DR + digits). */
  private static final Pattern REFUND_NO = Pattern.compile("DR[0-9]{1,30}");

  private final ExceptionResolutions resolutions;

  ExceptionRoutes(ExceptionResolutions resolutions) {
    this.resolutions = resolutions;
  }

  /** {@code GET /api/v1/admin/attention}: what is waiting for a person. No parameters. */
  void attention(RoutingContext ctx) {
    List<FieldError> errors = new ArrayList<>();
    ctx.queryParams().names().stream().sorted()
        .forEach(n -> errors.add(new FieldError(n, "is not a parameter of this request")));
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    resolutions.attention().onSuccess(json -> ctx.response().putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store").end(json.encode())).onFailure(ctx::fail);
  }

  void refund(RoutingContext ctx, ApiClient client) {
    resolve(ctx, client, ExceptionResolutions.Action.REFUND);
  }

  void accept(RoutingContext ctx, ApiClient client) {
    resolve(ctx, client, ExceptionResolutions.Action.ACCEPT);
  }

  private void resolve(RoutingContext ctx, ApiClient client, ExceptionResolutions.Action action) {
    JsonObject json = OrderRoutes.jsonBody(ctx);
    if (json == null) {
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    String orderNo = ctx.pathParam("order_no");
    if (orderNo == null || !ORDER_NO.matcher(orderNo).matches()) {
      errors.add(new FieldError("order_no", "must be an order number"));
    }
    String reason = reason(json, errors);
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    resolutions.resolve(orderNo, action, reason, client.clientId()).onSuccess(resolution -> {
      if (resolution.refusal() != null) {
        Problem.of(resolution.refusalStatus(), resolution.refusalType(),
            resolution.refusalStatus() == 404 ? "No such order" : "The exception cannot be resolved so",
            resolution.refusal()).send(ctx);
        return;
      }
      LOG.info("event=order.exception_resolved order_no={} action={} by={}", orderNo, action, client.clientId());
      ctx.response().putHeader("Content-Type", "application/json").end(resolution.resolution().encode());
    }).onFailure(ctx::fail);
  }

  /**
   * {@code POST /api/v1/admin/refunds/{refund_no}/retry}: asks the channel again for a refund of
   * held money it refused, with a reason.
   */
  void retryRefund(RoutingContext ctx, ApiClient client) {
    JsonObject json = OrderRoutes.jsonBody(ctx);
    if (json == null) {
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    String refundNo = ctx.pathParam("refund_no");
    if (refundNo == null || !REFUND_NO.matcher(refundNo).matches()) {
      errors.add(new FieldError("refund_no", "must be the number of a refund of held money (DR and digits)"));
    }
    String reason = reason(json, errors);
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    resolutions.retryRefund(refundNo, reason, client.clientId()).onSuccess(retry -> {
      if (retry.refusal() != null) {
        Problem.of(retry.refusalStatus(), retry.refusalType(),
            retry.refusalStatus() == 404 ? "No such refund" : "The refund cannot be asked again",
            retry.refusal()).send(ctx);
        return;
      }
      LOG.info("event=refund.retried refund_no={} new_refund_no={} by={}", refundNo,
          retry.resolution().getString("refund_no"), client.clientId());
      ctx.response().putHeader("Content-Type", "application/json").end(retry.resolution().encode());
    }).onFailure(ctx::fail);
  }

  /** The body's one field, the reason; a missing or bad one, or any other field, is an error. */
  private static String reason(JsonObject json, List<FieldError> errors) {
    json.fieldNames().stream().filter(f -> !FIELDS.contains(f)).sorted()
        .forEach(f -> errors.add(new FieldError(f, "is not a field of this request")));
    String reason = json.getValue("reason") instanceof String s ? s.strip() : null;
    if (reason == null || reason.isEmpty() || reason.length() > ExceptionResolutions.REASON_LENGTH_MAX
        || reason.chars().anyMatch(Character::isISOControl)) {
      errors.add(new FieldError("reason", "must say why, in 1 to " + ExceptionResolutions.REASON_LENGTH_MAX
          + " characters without control characters"));
    }
    return reason;
  }
}
