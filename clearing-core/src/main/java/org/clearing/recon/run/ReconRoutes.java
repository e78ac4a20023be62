package org.clearing.recon.run;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.clearing.channel.Channel;
import org.clearing.client.ApiClient;
import org.clearing.http.Problem;
import org.clearing.http.StrictJson;
import org.clearing.input.FieldError;
import org.clearing.recon.match.ReconClass;

/**
 * The reconciliation's admin endpoints. Handlers parse, validate, call one method, render; bad
 * input is a problem+json 422 naming the field.
 *
 * <pre>
 * POST /api/v1/admin/reconciliation/runs                         {"date":"YYYY-MM-DD","channel":"wechat"}
 * POST /api/v1/admin/reconciliation/runs/:date/:channel/bill[?merchant=ID]  raw body = the bill file, byte for byte
 * GET  /api/v1/admin/reconciliation/items?status=open&amp;class=&amp;channel=&amp;account=&amp;date=&amp;after=&amp;limit=
 * POST /api/v1/admin/reconciliation/items/:run_id/:item_no/resolve  {"action":"ACCEPT","reason":"…"}
 * </pre>
 *
 * A run covers every merchant of the channel: the run's answer lists each merchant's bill
 * ({@code bills}), and each item names its merchant ({@code merchant_id}). An uploaded bill is the
 * bill of the merchant {@code merchant} names (default: the channel's first); the other merchants'
 * bills are fetched.
 *
 * <p>The upload route has its own body limit ({@link #BILL_SIZE_MAX_BYTES}), far above the API's
 * general one; the HTTP edge streams the body to a file while checking the signature over it.
 */
public final class ReconRoutes {

  /** A day's bill of a million lines is ~150 MB uncompressed; anything beyond this is refused (413). */
  public static final long BILL_SIZE_MAX_BYTES = 256L * 1024 * 1024;
  private static final Set<String> RUN_FIELDS = Set.of("date", "channel");
  private static final Set<String> RESOLVE_FIELDS = Set.of("action", "reason");
  private static final int LIMIT_DEFAULT = 100;
  /** Merchant ids are a channel's merchant numbers or region-<code>: short. */
  private static final int MERCHANT_ID_LENGTH_MAX = 64;

  private final Vertx vertx;
  private final ReconciliationRun run;
  private final ReconExceptions exceptions;

  public ReconRoutes(Vertx vertx, ReconciliationRun run, ReconExceptions exceptions) {
    this.vertx = vertx;
    this.run = run;
    this.exceptions = exceptions;
  }

  public void startRun(RoutingContext ctx, ApiClient client) {
    JsonObject json = jsonBody(ctx);
    if (json == null) {
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    unknownFields(json, RUN_FIELDS, errors);
    LocalDate date = date(json.getValue("date"), "date", errors);
    Channel channel = channel(json.getValue("channel"), "channel", errors);
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    render(ctx, run.run(date, channel));
  }

  /**
   * The raw body is the bill, already streamed to a temporary file by the HTTP edge (which deletes
   * it once the answer is sent); it is checked readable, then reconciled.
   */
  public void uploadBill(RoutingContext ctx, ApiClient client, Path billFile) {
    List<FieldError> errors = new ArrayList<>();
    LocalDate date = date(ctx.pathParam("date"), "date", errors);
    Channel channel = channel(ctx.pathParam("channel"), "channel", errors);
    String merchant = ctx.queryParams().get("merchant");
    if (merchant != null && (merchant.isEmpty() || merchant.length() > MERCHANT_ID_LENGTH_MAX)) {
      errors.add(new FieldError("merchant", "must be the id of one of the channel's merchants"));
    }
    vertx.fileSystem().props(billFile.toString()).onSuccess(props -> {
      if (props.size() == 0) {
        errors.add(new FieldError("body", "must be the bill file, byte for byte as the channel serves it"));
      }
      if (!errors.isEmpty()) {
        Problem.invalid(422, errors).send(ctx);
        return;
      }
      render(ctx, run.runUploaded(date, channel, merchant, billFile));
    }).onFailure(ctx::fail);
  }

  public void listItems(RoutingContext ctx, ApiClient client) {
    List<FieldError> errors = new ArrayList<>();
    String status = ctx.queryParams().get("status");
    if (status != null && !ReconExceptions.statuses().contains(status)) {
      errors.add(new FieldError("status", "must be one of " + ReconExceptions.statuses()));
    }
    String reconClass = ctx.queryParams().get("class");
    if (reconClass != null && !isClass(reconClass)) {
      errors.add(new FieldError("class", "must be a reconciliation class, e.g. LONG or SPLIT_MISMATCH"));
    }
    String channelParam = ctx.queryParams().get("channel");
    Channel channel = channelParam == null ? null : channel(channelParam, "channel", errors);
    String account = ctx.queryParams().get("account");
    if (account != null && (account.isEmpty() || account.length() > 64)) {
      errors.add(new FieldError("account", "must be a payee account id"));
    }
    String dateParam = ctx.queryParams().get("date");
    LocalDate date = dateParam == null ? null : date(dateParam, "date", errors);
    long afterRun = 0;
    int afterItem = 0;
    String after = ctx.queryParams().get("after");
    if (after != null) {
      String[] parts = after.split(":", -1);
      if (parts.length != 2 || !parts[0].matches("[0-9]{1,18}") || !parts[1].matches("[0-9]{1,9}")) {
        errors.add(new FieldError("after", "must be the next_after of the previous page"));
      } else {
        afterRun = Long.parseLong(parts[0]);
        afterItem = Integer.parseInt(parts[1]);
      }
    }
    int limit = LIMIT_DEFAULT;
    String limitParam = ctx.queryParams().get("limit");
    if (limitParam != null) {
      if (!limitParam.matches("[0-9]{1,4}") || Integer.parseInt(limitParam) < 1
          || Integer.parseInt(limitParam) > ReconExceptions.PAGE_SIZE_MAX) {
        errors.add(new FieldError("limit", "must be 1 to " + ReconExceptions.PAGE_SIZE_MAX));
      } else {
        limit = Integer.parseInt(limitParam);
      }
    }
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    String statusColumn = status == null ? null : status.toUpperCase(Locale.ROOT);
    exceptions.list(new ReconExceptions.Filter(statusColumn, reconClass, channel, account, date,
            afterRun, afterItem, limit))
        .onSuccess(page -> ok(ctx, page))
        .onFailure(ctx::fail);
  }

  public void resolveItem(RoutingContext ctx, ApiClient client) {
    List<FieldError> errors = new ArrayList<>();
    String runParam = ctx.pathParam("run_id");
    String itemParam = ctx.pathParam("item_no");
    if (runParam == null || !runParam.matches("[0-9]{1,18}")) {
      errors.add(new FieldError("run_id", "must be a run id"));
    }
    if (itemParam == null || !itemParam.matches("[0-9]{1,9}")) {
      errors.add(new FieldError("item_no", "must be an item number"));
    }
    JsonObject json = jsonBody(ctx);
    if (json == null) {
      return;
    }
    unknownFields(json, RESOLVE_FIELDS, errors);
    ReconExceptions.Action action = null;
    if (json.getValue("action") instanceof String s) {
      try {
        action = ReconExceptions.Action.valueOf(s);
      } catch (IllegalArgumentException e) {
        action = null;
      }
    }
    if (action == null) {
      errors.add(new FieldError("action", "must be one of ACCEPT, BOOK_PAYMENT, WRITE_OFF, REFUND"));
    }
    String reason = json.getValue("reason") instanceof String s ? s.strip() : null;
    if (reason == null || reason.isEmpty() || reason.length() > ReconExceptions.REASON_LENGTH_MAX) {
      errors.add(new FieldError("reason", "must say why, in 1 to " + ReconExceptions.REASON_LENGTH_MAX
          + " characters"));
    }
    if (!errors.isEmpty()) {
      Problem.invalid(422, errors).send(ctx);
      return;
    }
    exceptions.resolve(Long.parseLong(runParam), Integer.parseInt(itemParam), action, reason, client.clientId())
        .onSuccess(resolution -> {
          ReconExceptions.Refusal refusal = resolution.refusal();
          if (refusal == null) {
            ok(ctx, resolution.item());
          } else if (refusal.status() == 422) {
            Problem.invalid(422, List.of(new FieldError(refusal.field(), refusal.detail()))).send(ctx);
          } else {
            Problem.of(refusal.status(), refusal.status() == 404 ? "not-found" : "conflict",
                refusal.status() == 404 ? "No such item" : "The item cannot be resolved so",
                refusal.detail()).send(ctx);
          }
        })
        .onFailure(ctx::fail);
  }

  private void render(RoutingContext ctx, Future<ReconciliationRun.Result> result) {
    result.onSuccess(r -> ok(ctx, new JsonObject().put("run_id", r.runId()).put("channel", r.channel().code())
            .put("business_date", r.businessDate().toString()).put("bill_source", r.billSource().name())
            .put("bill_sha256", r.billSha256()).put("items", r.items()).put("open_items", r.openItems())
            .put("auto_booked", r.autoBooked()).put("summary", ReconciliationRun.summaryJson(r.summary()))
            .put("bills", bills(r.bills()))))
        .onFailure(error -> {
          if (error instanceof ReconciliationRun.AlreadyRunning) {
            Problem.of(409, "run-in-progress", "The day's reconciliation is running", error.getMessage()).send(ctx);
          } else if (error instanceof ReconciliationRun.UnreadableBill) {
            // The upload is not the channel's bill: the caller's mistake, and nothing was run.
            Problem.invalid(422, List.of(new FieldError("body", error.getMessage()))).send(ctx);
          } else if (error instanceof ReconciliationRun.NoMerchant) {
            Problem.invalid(422, List.of(new FieldError("merchant", error.getMessage()))).send(ctx);
          } else if (error instanceof ReconciliationRun.NoChannel) {
            Problem.invalid(422, List.of(new FieldError("channel", error.getMessage()))).send(ctx);
          } else {
            // The bill could not be fetched or read (not published yet, unreadable download): the run
            // is recorded FAILED with the reason and may be run again.
            Problem.of(502, "reconciliation-failed", "The reconciliation could not be completed",
                String.valueOf(error.getMessage())).send(ctx);
          }
        });
  }

  private static io.vertx.core.json.JsonArray bills(List<ReconciliationRun.Bill> bills) {
    io.vertx.core.json.JsonArray array = new io.vertx.core.json.JsonArray();
    bills.forEach(bill -> array.add(new JsonObject().put("merchant_id", bill.merchantId())
        .put("bill_source", bill.source().name()).put("bill_sha256", bill.sha256())
        .put("channel_lines", bill.channelLines()).put("items", bill.items())
        .put("discrepancies", bill.discrepancies())));
    return array;
  }

  private static void ok(RoutingContext ctx, JsonObject json) {
    ctx.response().putHeader("Content-Type", "application/json").end(json.encode());
  }

  private static boolean isClass(String value) {
    for (ReconClass c : ReconClass.values()) {
      if (c.name().equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static void unknownFields(JsonObject json, Set<String> known, List<FieldError> errors) {
    json.fieldNames().stream().filter(name -> !known.contains(name)).sorted()
        .forEach(name -> errors.add(new FieldError(name, "is not a field of this request")));
  }

  private static LocalDate date(Object value, String field, List<FieldError> errors) {
    if (value instanceof String s && s.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}")) {
      try {
        return LocalDate.parse(s);
      } catch (DateTimeParseException e) {
        // falls through to the error below
      }
    }
    errors.add(new FieldError(field, "must be a date YYYY-MM-DD"));
    return null;
  }

  private static Channel channel(Object value, String field, List<FieldError> errors) {
    if (value instanceof String s) {
      for (Channel c : Channel.values()) {
        if (c.code().equals(s)) {
          return c;
        }
      }
    }
    errors.add(new FieldError(field, "must be wechat, alipay or unionpay"));
    return null;
  }

  private static JsonObject jsonBody(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    Object value = null;
    try {
      value = body == null || body.length() == 0 ? null : StrictJson.decode(body);
    } catch (StrictJson.DuplicateKey e) {
      Problem.invalid(400, List.of(new FieldError(e.field(), "appears more than once"))).send(ctx);
      return null;
    } catch (RuntimeException e) {
      value = null;
    }
    if (value instanceof JsonObject object) {
      return object;
    }
    Problem.of(400, "malformed-json", "The body is not a JSON object", "the body must be a JSON object").send(ctx);
    return null;
  }
}
