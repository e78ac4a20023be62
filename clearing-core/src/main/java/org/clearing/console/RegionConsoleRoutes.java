package org.clearing.console;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.clearing.input.FieldError;
import org.clearing.person.AuditLog;
import org.clearing.person.Person;
import org.clearing.region.RegionRequest;
import org.clearing.region.Regions;

/**
 * The administrator's region pages: add a region with its accounts, routes and receivers, change
 * one, retire one. The region is edited as the JSON document {@code /api/v1/admin/regions} takes
 * (the whole region, with the version it was read at), read by the same {@link RegionRequest}
 * and saved by the same {@link Regions} calls as the API, so it is refused for the same reasons,
 * naming the same field. Any administrator may add a region (nobody acts for it yet); as
 * everywhere in the consoles, changing or retiring one is for an administrator of that region.
 * Every attempt is recorded in the audit log, refused or done.
 */
final class RegionConsoleRoutes {

  private static final Pattern CODE = Pattern.compile("[0-9]{6}");
  static final String DONE_CHANGED = "changed";
  static final String DONE_RETIRED = "retired";

  private final ConsolePages pages;
  private final AuditLog audit;
  private final Regions regions;

  RegionConsoleRoutes(ConsolePages pages, AuditLog audit, Regions regions) {
    this.pages = pages;
    this.audit = audit;
    this.regions = regions;
  }

  /** Mounts the pages behind {@code admin}, the administrators-only door; {@code new} before {@code :code}. */
  void mount(Router router, Handler<RoutingContext> admin) {
    router.get("/console/admin/regions/new").handler(admin).handler(this::newRegion);
    router.post("/console/admin/regions/new").handler(admin).handler(this::create);
    router.get("/console/admin/regions/:code").handler(admin).handler(this::page);
    router.post("/console/admin/regions/:code").handler(admin).handler(this::change);
    router.post("/console/admin/regions/:code/retire").handler(admin).handler(this::retire);
  }

  /** {@code GET /console/admin/regions/new}: the form, with an example region to edit. */
  void newRegion(RoutingContext ctx) {
    renderNew(ctx, 200, example().encodePrettily(), List.of(), null);
  }

  /** {@code POST /console/admin/regions/new}: the region as {@code POST /api/v1/admin/regions} takes it. */
  void create(RoutingContext ctx) {
    Person admin = ConsoleRoutes.person(ctx);
    Locale locale = ConsolePages.locale(ctx);
    String typed = Optional.ofNullable(ctx.request().getFormAttribute("region")).orElse("");
    RegionRequest.Result parsed = parse(typed).map(RegionRequest::forCreate)
        .orElse(new RegionRequest.Invalid(List.of(new FieldError("region", "is not a JSON object"))));
    if (parsed instanceof RegionRequest.Invalid invalid) {
      refused(ctx, admin, "region.create", "-", invalid.errors())
          .onSuccess(v -> renderNew(ctx, 422, typed, messages(invalid.errors()), ConsolePages.message(locale, "regions.edit.invalid")))
          .onFailure(ctx::fail);
      return;
    }
    RegionRequest.Parsed region = (RegionRequest.Parsed) parsed;
    String code = region.spec().code();
    regions.create(region.spec(), "console:" + admin.login()).onSuccess(outcome -> {
      if (outcome instanceof Regions.Saved) {
        // Nobody acts for a region that did not exist: its page is for the administrators it is
        // then given to (users add), so the administrator goes back to the list of regions.
        record(ctx, admin, "region.create", code, AuditLog.Outcome.OK, "version 1")
            .onSuccess(v -> ConsoleRoutes.redirect(ctx, "/console/admin/channels?created=" + code))
            .onFailure(ctx::fail);
        return;
      }
      String why = why(locale, outcome);
      List<String> errors = outcome instanceof Regions.Invalid invalid ? messages(invalid.errors()) : List.of();
      int status = outcome instanceof Regions.Invalid ? 422 : 409;
      record(ctx, admin, "region.create", code, AuditLog.Outcome.REFUSED, why)
          .onSuccess(v -> renderNew(ctx, status, typed, errors, why)).onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }

  /** {@code GET /console/admin/regions/:code?done=}: the region as JSON to edit, its changes, retire. */
  void page(RoutingContext ctx) {
    String code = target(ctx);
    if (code == null) {
      return;
    }
    String done = ctx.request().getParam("done");
    String flash = done != null && List.of(DONE_CHANGED, DONE_RETIRED).contains(done)
        ? ConsolePages.message(ConsolePages.locale(ctx), "regions.edit.done." + done) : null;
    render(ctx, 200, code, null, List.of(), flash, false);
  }

  /** {@code POST /console/admin/regions/:code}: the whole region as it is to be, with its version. */
  void change(RoutingContext ctx) {
    String code = target(ctx);
    if (code == null) {
      return;
    }
    Person admin = ConsoleRoutes.person(ctx);
    Locale locale = ConsolePages.locale(ctx);
    String typed = Optional.ofNullable(ctx.request().getFormAttribute("region")).orElse("");
    RegionRequest.Result parsed = parse(typed).map(json -> RegionRequest.forChange(code, json))
        .orElse(new RegionRequest.Invalid(List.of(new FieldError("region", "is not a JSON object"))));
    if (parsed instanceof RegionRequest.Invalid invalid) {
      refused(ctx, admin, "region.change", code, invalid.errors()).onSuccess(v -> render(ctx, 422, code, typed,
          messages(invalid.errors()), ConsolePages.message(locale, "regions.edit.invalid"), true)).onFailure(ctx::fail);
      return;
    }
    RegionRequest.Parsed region = (RegionRequest.Parsed) parsed;
    regions.change(region.spec(), region.version(), "console:" + admin.login()).onSuccess(outcome -> {
      if (outcome instanceof Regions.Saved saved) {
        done(ctx, admin, "region.change", code, "version " + saved.region().version(), DONE_CHANGED);
        return;
      }
      if (outcome instanceof Regions.Unchanged) {
        render(ctx, 200, code, null, List.of(), ConsolePages.message(locale, "regions.edit.unchanged"), false);
        return;
      }
      String why = why(locale, outcome);
      List<String> errors = outcome instanceof Regions.Invalid invalid ? messages(invalid.errors()) : List.of();
      int status = outcome instanceof Regions.Invalid ? 422 : outcome instanceof Regions.NotFound ? 404 : 409;
      record(ctx, admin, "region.change", code, AuditLog.Outcome.REFUSED, why)
          .onSuccess(v -> render(ctx, status, code, typed, errors, why, true)).onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }

  /** {@code POST /console/admin/regions/:code/retire}: asks for a confirmation, then retires as the API does. */
  void retire(RoutingContext ctx) {
    String code = target(ctx);
    if (code == null) {
      return;
    }
    Person admin = ConsoleRoutes.person(ctx);
    Locale locale = ConsolePages.locale(ctx);
    if (!"yes".equals(ctx.request().getFormAttribute("confirm"))) {
      Map<String, Object> data = TaxConsoleRoutes.common(ctx, admin);
      data.put("back", "/console/admin/regions/" + code);
      data.put("action", ctx.request().path());
      data.put("question", ConsolePages.message(locale, "regions.edit.confirmRetire", code));
      data.put("fields", List.of());
      pages.send(ctx, 200, "operator-confirm", data).onFailure(ctx::fail);
      return;
    }
    regions.retire(code, "console:" + admin.login()).onSuccess(outcome -> {
      if (outcome instanceof Regions.Saved saved) {
        done(ctx, admin, "region.retire", code, "version " + saved.region().version(), DONE_RETIRED);
        return;
      }
      String why = why(locale, outcome);
      record(ctx, admin, "region.retire", code, AuditLog.Outcome.REFUSED, why).onSuccess(v -> render(ctx,
          outcome instanceof Regions.NotFound ? 404 : 409, code, null, List.of(), why, true)).onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }

  private void done(RoutingContext ctx, Person admin, String action, String code, String detail, String done) {
    record(ctx, admin, action, code, AuditLog.Outcome.OK, detail)
        .onSuccess(v -> ConsoleRoutes.redirect(ctx, "/console/admin/regions/" + code + "?done=" + done))
        .onFailure(ctx::fail);
  }

  /** Why a save did not happen, in the page's language, with the API's own detail where it has one. */
  private static String why(Locale locale, Regions.Outcome outcome) {
    String detail;
    if (outcome instanceof Regions.Invalid) {
      return ConsolePages.message(locale, "regions.edit.invalid");
    } else if (outcome instanceof Regions.Exists exists) {
      detail = "region " + exists.code() + " exists";
    } else if (outcome instanceof Regions.NotFound notFound) {
      detail = "no region " + notFound.code();
    } else if (outcome instanceof Regions.Stale stale) {
      detail = "the change is based on version " + stale.basedOn() + " but the region is at version " + stale.current()
          + "; read it again and repeat the change on it";
    } else if (outcome instanceof Regions.Retired retired) {
      detail = "region " + retired.code() + " is retired; it takes no change";
    } else {
      detail = ((Regions.Conflict) outcome).detail();
    }
    return ConsolePages.message(locale, "regions.edit.refused", detail);
  }

  private Future<Void> refused(RoutingContext ctx, Person admin, String action, String code, List<FieldError> errors) {
    return record(ctx, admin, action, code, AuditLog.Outcome.REFUSED,
        "invalid: " + String.join(", ", errors.stream().map(FieldError::field).toList()));
  }

  private Future<Void> record(RoutingContext ctx, Person admin, String action, String target, AuditLog.Outcome outcome,
      String detail) {
    return audit.append(AuditLog.Event.of(admin, action, target, outcome, detail, ConsoleRoutes.clientIp(ctx)));
  }

  private void renderNew(RoutingContext ctx, int status, String typed, List<String> errors, String flash) {
    Map<String, Object> data = TaxConsoleRoutes.common(ctx, ConsoleRoutes.person(ctx));
    data.putAll(Map.of("creating", true, "code", "", "json", typed, "errors", errors, "failed", status != 200,
        "changes", List.of(), "active", false));
    data.put("flash", flash);
    pages.send(ctx, status, "admin-region", data).onFailure(ctx::fail);
  }

  /** The region's page: {@code typed} (null: the region as stored, with its version) and its changes. */
  private void render(RoutingContext ctx, int status, String code, String typed, List<String> errors, String flash,
      boolean failed) {
    regions.find(code).compose(found -> regions.audit(code).map(audit -> {
      if (found.isEmpty()) {
        return null;
      }
      Regions.View view = found.get();
      Map<String, Object> data = TaxConsoleRoutes.common(ctx, ConsoleRoutes.person(ctx));
      data.putAll(Map.of("creating", false, "code", code, "name", view.spec().name(), "status", view.status().name(),
          "active", view.status() == org.clearing.routing.Lifecycle.ACTIVE, "errors", errors, "failed", failed,
          "json", typed != null ? typed : view.spec().toJson().put("version", view.version()).encodePrettily()));
      data.put("flash", flash);
      List<Map<String, Object>> changes = new ArrayList<>();
      audit.orElse(List.of()).forEach(entry -> changes.add(0, Map.of("version", entry.version(), "action", entry.action(),
          "by", entry.clientId(), "at", OperatorConsoleRoutes.at(java.time.Instant.parse(entry.changedAt())),
          "changes", entry.changes().encode())));
      data.put("changes", changes);
      return data;
    })).onSuccess(data -> {
      if (data == null) {
        ctx.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
            .end(ConsolePages.message(ConsolePages.locale(ctx), "channels.noSuch"));
        return;
      }
      pages.send(ctx, status, "admin-region", data).onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }

  private static List<String> messages(List<FieldError> errors) {
    return errors.stream().map(e -> e.field() + ": " + e.reason()).toList();
  }

  private static Optional<JsonObject> parse(String typed) {
    try {
      return typed.isBlank() ? Optional.empty() : Optional.of(new JsonObject(typed));
    } catch (DecodeException | ClassCastException e) {
      return Optional.empty();
    }
  }

  /**
   * The path's region code, if it is one and the administrator acts for it: otherwise 404, or 403
   * recorded (a forged request for another region).
   */
  private String target(RoutingContext ctx) {
    String code = ctx.pathParam("code");
    if (!CODE.matcher(code).matches()) {
      ctx.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
          .end(ConsolePages.message(ConsolePages.locale(ctx), "channels.noSuch"));
      return null;
    }
    Person admin = ConsoleRoutes.person(ctx);
    if (!admin.actsFor(code)) {
      ConsoleRoutes.forbidden(ctx, audit, admin, "region " + code + " is not the administrator's");
      return null;
    }
    return code;
  }

  /** A region to start from, in the shape the API takes; every value a placeholder to replace. */
  static JsonObject example() {
    return new JsonObject().put("code", "341502").put("name", "金安区")
        .put("kinds", new JsonArray().add("DEED_TAX").add("REGISTRATION_FEE"))
        .put("accounts", new JsonArray()
            .add(new JsonObject().put("account_id", "TRE-341502").put("side", "TREASURY").put("name", "国家金库金安区支库")
                .put("bank_name", "中国人民银行金安区支行").put("account_no", "2703415020000001")
                .put("treasury_code", "3415020000").put("receivers", receivers(1)))
            .add(new JsonObject().put("account_id", "NTX-341502").put("side", "NON_TAX").put("name", "金安区财政局非税收入汇缴结算户")
                .put("bank_name", "中国建设银行金安区支行").put("account_no", "3405341502000002")
                .put("receivers", receivers(2))))
        .put("routes", new JsonArray()
            .add(new JsonObject().put("kind", "DEED_TAX").put("account_id", "TRE-341502")
                .put("tax_office_code", "13415020000").put("budget_subject_code", "10119").put("budget_level", "4"))
            .add(new JsonObject().put("kind", "REGISTRATION_FEE").put("account_id", "NTX-341502")
                .put("collecting_unit_code", "0150201").put("income_item_code", "103043211")));
  }

  /** Each account's receiver at each channel: sub-merchant, settle receiver, accSplitData merchant. */
  private static JsonObject receivers(int n) {
    return new JsonObject().put("wechat", "193415020" + n).put("alipay", "208800341502000" + n)
        .put("unionpay", "89834150200000" + n);
  }

  /** Renders the page once in each language with sample data at start-up (see {@link ConsolePages#warmUp}). */
  static void warmUp(ConsolePages pages) {
    Map<String, Object> person = Map.of("name", "-", "login", "-", "role", "admin", "regions", "-");
    Map<String, Object> data = new HashMap<>(Map.of("csrf", "-", "person", person, "regions", List.of("341500"),
        "creating", false, "code", "341500", "name", "-", "status", "ACTIVE", "active", true, "errors", List.of("-"),
        "failed", true));
    data.putAll(Map.of("json", "{}", "flash", "-", "changes", List.of(Map.of("version", 1, "action", "CREATE",
        "by", "-", "at", "-", "changes", "[]"))));
    for (Locale locale : new Locale[] {ConsolePages.CHINESE, Locale.ENGLISH}) {
      pages.render(locale, "/console/admin/regions/341500", "admin-region", null, data);
      data.put("creating", true);
      pages.render(locale, "/console/admin/regions/new", "admin-region", null, data);
      data.put("creating", false);
    }
  }
}
