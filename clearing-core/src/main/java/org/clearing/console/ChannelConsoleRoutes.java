package org.clearing.console;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.clearing.channel.Channel;
import org.clearing.channelconfig.ChannelConfigs;
import org.clearing.input.FieldError;
import org.clearing.person.AuditLog;
import org.clearing.person.Person;
import org.clearing.region.Regions;

/**
 * The administrator's channel configuration pages: per region and channel, the merchant kept in the
 * database — its settings, which secrets are set (never a value), its certificates' serial and
 * expiry, who changed which fields when — a form to change it and replace secrets, and the
 * channel check. Each reads and acts through the code behind {@code /api/v1/admin/channels}
 * ({@link ChannelConfigs#view}, {@link ChannelConfigs#save} with the body the API takes,
 * {@link ChannelConfigs#audit}, {@link ChannelConfigs#check}), so a save is refused for the same
 * reasons, naming the same field, and the API's role is the pages' role: administrators only. As
 * everywhere in the consoles, an administrator acts for its own regions; every save and check is
 * recorded in the audit log, refused or done.
 */
final class ChannelConsoleRoutes {

  private static final Pattern REGION = Pattern.compile("[0-9]{6}");
  static final String DONE_SAVED = "saved";

  private final ConsolePages pages;
  private final AuditLog audit;
  private final ChannelConfigs configs;
  private final Regions regions;

  ChannelConsoleRoutes(ConsolePages pages, AuditLog audit, ChannelConfigs configs, Regions regions) {
    this.pages = pages;
    this.audit = audit;
    this.configs = configs;
    this.regions = regions;
  }

  /** Mounts the pages behind {@code admin}, the administrators-only door. */
  void mount(Router router, Handler<RoutingContext> admin) {
    router.get("/console/admin/channels").handler(admin).handler(this::index);
    router.get("/console/admin/channels/:region/:channel").handler(admin).handler(this::page);
    router.post("/console/admin/channels/:region/:channel").handler(admin).handler(this::save);
    router.post("/console/admin/channels/:region/:channel/check").handler(admin).handler(this::check);
  }

  /** {@code GET /console/admin/channels}: every region, a link to each channel of the administrator's. */
  void index(RoutingContext ctx) {
    Person admin = ConsoleRoutes.person(ctx);
    regions.list().onSuccess(all -> {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Object item : all) {
        JsonObject region = (JsonObject) item;
        List<String> offered = new ArrayList<>();
        region.getJsonArray("offered_channels").forEach(c -> offered.add(String.valueOf(c)));
        rows.add(Map.of("code", region.getString("code"), "name", region.getString("name"),
            "status", region.getString("status"), "offered", String.join(", ", offered),
            "mine", admin.actsFor(region.getString("code"))));
      }
      Map<String, Object> data = TaxConsoleRoutes.common(ctx, admin);
      data.put("regionRows", rows);
      data.put("channels", channelCodes());
      String created = ctx.request().getParam("created");
      data.put("flash", created != null && REGION.matcher(created).matches()
          ? ConsolePages.message(ConsolePages.locale(ctx), "regions.edit.done.created", created) : null);
      pages.send(ctx, 200, "admin-channels", data).onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }

  /** {@code GET /console/admin/channels/:region/:channel?done=saved} */
  void page(RoutingContext ctx) {
    Optional<Channel> channel = target(ctx);
    if (channel.isEmpty()) {
      return;
    }
    String flash = DONE_SAVED.equals(ctx.request().getParam("done"))
        ? ConsolePages.message(ConsolePages.locale(ctx), "channels.saved") : null;
    render(ctx, 200, channel.get(), null, List.of(), flash, false, null);
  }

  /**
   * {@code POST /console/admin/channels/:region/:channel}: the form as the API's body, saved by
   * {@link ChannelConfigs#save}; refused, the page again with each error at its field and what was
   * typed, but no secret.
   */
  void save(RoutingContext ctx) {
    Optional<Channel> found = target(ctx);
    if (found.isEmpty()) {
      return;
    }
    Channel channel = found.get();
    Person admin = ConsoleRoutes.person(ctx);
    Locale locale = ConsolePages.locale(ctx);
    String region = ctx.pathParam("region");
    String target = region + "/" + channel.code();
    JsonObject body = ChannelForm.body(channel, ctx.request()::getFormAttribute);
    Map<String, String> typed = ChannelForm.typed(channel, ctx.request()::getFormAttribute);
    configs.save(region, channel.code(), body, "console:" + admin.login()).compose(outcome -> {
      if (outcome instanceof ChannelConfigs.Saved saved) {
        int version = saved.view().getInteger("version");
        return configs.audit(region, channel.code()).compose(changes -> record(ctx, admin, "channel.save", target,
            AuditLog.Outcome.OK, "version " + version + "; " + changed(changes, version)))
            .map(v -> {
              ConsoleRoutes.redirect(ctx, "/console/admin/channels/" + target + "?done=" + DONE_SAVED);
              return (Void) null;
            });
      }
      if (outcome instanceof ChannelConfigs.Invalid invalid) {
        List<String> named = invalid.errors().stream().map(FieldError::field).toList();
        return record(ctx, admin, "channel.save", target, AuditLog.Outcome.REFUSED, "invalid: " + String.join(", ", named))
            .map(v -> {
              render(ctx, 422, channel, typed, invalid.errors(), ConsolePages.message(locale, "channels.invalid"), true, null);
              return (Void) null;
            });
      }
      int status = outcome instanceof ChannelConfigs.NotFound ? 404 : 409;
      String why = outcome instanceof ChannelConfigs.NotFound notFound ? notFound.detail()
          : ((ChannelConfigs.Refused) outcome).detail();
      return record(ctx, admin, "channel.save", target, AuditLog.Outcome.REFUSED, why).map(v -> {
        render(ctx, status, channel, typed, List.of(), ConsolePages.message(locale, "channels.refused", why), true, null);
        return (Void) null;
      });
    }).onFailure(ctx::fail);
  }

  /**
   * {@code POST /console/admin/channels/:region/:channel/check}: asks the channel through the
   * region's merchant, as {@code GET …/check} does; htmx swaps in the answer alone.
   */
  void check(RoutingContext ctx) {
    Optional<Channel> found = target(ctx);
    if (found.isEmpty()) {
      return;
    }
    Channel channel = found.get();
    Person admin = ConsoleRoutes.person(ctx);
    Locale locale = ConsolePages.locale(ctx);
    String region = ctx.pathParam("region");
    configs.check(region, channel.code()).compose(answer -> {
      Map<String, Object> result = checkResult(locale, region, channel, answer);
      boolean ok = Boolean.TRUE.equals(result.get("ok"));
      return record(ctx, admin, "channel.check", region + "/" + channel.code(),
          ok ? AuditLog.Outcome.OK : AuditLog.Outcome.FAILED, (String) result.get("text")).map(result);
    }).onSuccess(result -> {
      if ("true".equals(ctx.request().getHeader("HX-Request"))) {
        Map<String, Object> data = TaxConsoleRoutes.common(ctx, admin);
        data.put("check", result);
        pages.send(ctx, 200, "admin-channel", "check", data).onFailure(ctx::fail);
      } else {
        render(ctx, 200, channel, null, List.of(), null, false, result);
      }
    }).onFailure(ctx::fail);
  }

  private static Map<String, Object> checkResult(Locale locale, String region, Channel channel,
      Optional<JsonObject> answer) {
    if (answer.isEmpty()) {
      return Map.of("ok", false, "text", ConsolePages.message(locale, "channels.check.none", channel.code(), region));
    }
    JsonObject said = answer.get();
    boolean ok = said.getBoolean("ok", false);
    String text = ok
        ? ConsolePages.message(locale, "channels.check.ok", said.getString("merchant_id"), said.getString("source"),
            said.getString("answer"))
        : ConsolePages.message(locale, "channels.check.failed", said.getString("merchant_id"),
            said.getString("source"), said.getString("problem"));
    return Map.of("ok", ok, "text", text, "asked", said.getString("asked", ""));
  }

  /**
   * The page: the stored configuration (or none), the form with {@code typed} (null: the stored
   * settings), each error at its field, the audit of changes, and a check's answer if one was run.
   */
  private void render(RoutingContext ctx, int status, Channel channel, Map<String, String> typed,
      List<FieldError> errors, String flash, boolean failed, Map<String, Object> check) {
    Person admin = ConsoleRoutes.person(ctx);
    String region = ctx.pathParam("region");
    configs.view(region, channel.code()).compose(view -> configs.audit(region, channel.code()).map(changes -> {
      Map<String, Object> data = TaxConsoleRoutes.common(ctx, admin);
      data.put("region", region);
      data.put("channel", channel.code());
      data.put("channelName", ConsolePages.message(ConsolePages.locale(ctx), "channels.name." + channel.code()));
      data.put("stored", view.map(ChannelConsoleRoutes::stored).orElse(null));
      Map<String, String> values = typed != null ? typed
          : ChannelForm.values(channel, view.map(v -> v.getJsonObject("settings")).orElse(new JsonObject()));
      data.put("fields", fields(channel, values, errors, view.map(v -> v.getJsonObject("certificates")).orElse(null)));
      data.put("secrets", secrets(channel, errors, view.map(v -> v.getJsonObject("secrets")).orElse(new JsonObject())));
      List<String> all = new ArrayList<>();
      errors.forEach(e -> all.add(e.field() + ": " + e.reason()));
      data.put("errors", all);
      data.put("changes", changes(changes));
      data.put("flash", flash);
      data.put("failed", failed);
      data.put("check", check);
      return data;
    })).compose(data -> pages.send(ctx, status, "admin-channel", data)).onFailure(ctx::fail);
  }

  private static Map<String, Object> stored(JsonObject view) {
    return Map.of("version", view.getInteger("version"), "changedBy", view.getString("changed_by", ""),
        "changedAt", OperatorConsoleRoutes.at(java.time.OffsetDateTime.parse(view.getString("changed_at")).toInstant()),
        "merchantId", view.getString("merchant_id", ""));
  }

  private static List<Map<String, Object>> fields(Channel channel, Map<String, String> values, List<FieldError> errors,
      JsonObject certificates) {
    Map<String, List<String>> byField = errorsByField(channel, errors);
    List<Map<String, Object>> fields = new ArrayList<>();
    for (ChannelForm.Field field : ChannelForm.fields(channel)) {
      Map<String, Object> row = new HashMap<>();
      row.put("name", field.name());
      row.put("kind", field.kind().name());
      row.put("choices", field.choices());
      row.put("value", values.getOrDefault(field.name(), ""));
      row.put("errors", byField.getOrDefault(field.name(), List.of()));
      JsonObject facts = certificates == null ? null : certificates.getJsonObject(field.name());
      row.put("facts", facts == null ? "" : facts(facts));
      fields.add(row);
    }
    return fields;
  }

  /** Each secret: whether it is set and what may be shown of it; the input for it stays empty. */
  private static List<Map<String, Object>> secrets(Channel channel, List<FieldError> errors, JsonObject stored) {
    Map<String, List<String>> byField = errorsByField(channel, errors);
    List<Map<String, Object>> secrets = new ArrayList<>();
    for (ChannelForm.Secret secret : ChannelForm.secrets(channel)) {
      JsonObject facts = stored.getJsonObject(secret.name(), new JsonObject());
      boolean set = facts.getBoolean("set", false);
      JsonObject shown = facts.copy();
      shown.remove("set");
      Map<String, Object> row = new HashMap<>();
      row.put("name", secret.name());
      row.put("input", ChannelForm.SECRETS + secret.name());
      row.put("kind", secret.kind().name());
      row.put("set", set);
      row.put("facts", facts(shown));
      row.put("errors", byField.getOrDefault(ChannelForm.SECRETS + secret.name(), List.of()));
      secrets.add(row);
    }
    return secrets;
  }

  private static Map<String, List<String>> errorsByField(Channel channel, List<FieldError> errors) {
    Map<String, List<String>> byField = new LinkedHashMap<>();
    for (FieldError error : errors) {
      String field = ChannelForm.formField(channel, error);
      if (!field.isEmpty()) {
        byField.computeIfAbsent(field, f -> new ArrayList<>()).add(error.field() + ": " + error.reason());
      }
    }
    return byField;
  }

  /** A certificate's or key's facts as a line: serial, subject, expiry, algorithm, when set. */
  private static String facts(JsonObject facts) {
    List<String> parts = new ArrayList<>();
    facts.forEach(e -> parts.add(e.getKey() + " " + e.getValue()));
    return String.join(" · ", parts);
  }

  private static List<Map<String, Object>> changes(JsonArray changes) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = changes.size() - 1; i >= 0; i--) {
      JsonObject change = changes.getJsonObject(i);
      rows.add(Map.of("version", change.getInteger("version"), "by", change.getString("by"),
          "at", OperatorConsoleRoutes.at(java.time.OffsetDateTime.parse(change.getString("at")).toInstant()),
          "fields", join(change.getJsonArray("fields")), "secretFields", join(change.getJsonArray("secret_fields"))));
    }
    return rows;
  }

  /** The audit line of version {@code version}: which fields and which secrets it changed (names only). */
  private static String changed(JsonArray changes, int version) {
    for (Object item : changes) {
      JsonObject change = (JsonObject) item;
      if (change.getInteger("version") == version) {
        return "fields " + join(change.getJsonArray("fields")) + "; secrets " + join(change.getJsonArray("secret_fields"));
      }
    }
    return "";
  }

  private static String join(JsonArray names) {
    List<String> all = new ArrayList<>();
    names.forEach(n -> all.add(String.valueOf(n)));
    return all.isEmpty() ? "-" : String.join(", ", all);
  }

  private Future<Void> record(RoutingContext ctx, Person admin, String action, String target, AuditLog.Outcome outcome,
      String detail) {
    return audit.append(AuditLog.Event.of(admin, action, target, outcome, detail, ConsoleRoutes.clientIp(ctx)));
  }

  /**
   * The path's channel, if the path names a region code, a channel and a region the administrator
   * acts for: otherwise 404, or 403 recorded (a forged request for another region's merchant).
   */
  private Optional<Channel> target(RoutingContext ctx) {
    String region = ctx.pathParam("region");
    Optional<Channel> channel = Channel.fromCode(ctx.pathParam("channel"));
    if (!REGION.matcher(region).matches() || channel.isEmpty()) {
      ctx.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
          .end(ConsolePages.message(ConsolePages.locale(ctx), "channels.noSuch"));
      return Optional.empty();
    }
    Person admin = ConsoleRoutes.person(ctx);
    if (!admin.actsFor(region)) {
      ConsoleRoutes.forbidden(ctx, audit, admin, "region " + region + " is not the administrator's");
      return Optional.empty();
    }
    return channel;
  }

  private static List<String> channelCodes() {
    List<String> codes = new ArrayList<>();
    for (Channel channel : Channel.values()) {
      codes.add(channel.code());
    }
    return codes;
  }

  /**
   * Renders both pages once in each language with sample data, at start-up on the starting
   * thread (as {@link ConsolePages#warmUp} does for the others): a template that does not render
   * fails the start, not an administrator's request.
   */
  static void warmUp(ConsolePages pages) {
    Map<String, Object> person = Map.of("name", "-", "login", "-", "role", "admin", "regions", "-");
    Map<String, Object> common = new HashMap<>(Map.of("csrf", "-", "person", person, "regions", List.of("341500")));
    Map<String, Object> index = new HashMap<>(common);
    index.put("regionRows", List.of(Map.of("code", "341500", "name", "-", "status", "ACTIVE", "offered", "-",
        "mine", true)));
    index.put("channels", channelCodes());
    index.put("flash", "-");
    Map<String, Object> page = new HashMap<>(common);
    page.putAll(Map.of("region", "341500", "channel", "wechat", "stored", Map.of("version", 1, "changedBy", "-",
        "changedAt", "-", "merchantId", "-"), "errors", List.of("-"), "failed", true, "flash", "-",
        "check", Map.of("ok", false, "text", "-", "asked", "-")));
    page.put("changes", List.of(Map.of("version", 1, "by", "-", "at", "-", "fields", "-", "secretFields", "-")));
    for (Channel channel : Channel.values()) {
      page.put("fields", fields(channel, Map.of(), List.of(), new JsonObject()));
      page.put("secrets", secrets(channel, List.of(), new JsonObject()));
      page.put("channel", channel.code());
      for (Locale locale : new Locale[] {ConsolePages.CHINESE, Locale.ENGLISH}) {
        pages.render(locale, "/console/admin/channels", "admin-channels", null, index);
        page.put("channelName", ConsolePages.message(locale, "channels.name." + channel.code()));
        pages.render(locale, "/console/admin/channels/341500/" + channel.code(), "admin-channel", null, page);
        pages.render(locale, "/console/admin/channels/341500/" + channel.code(), "admin-channel", "check", page);
      }
    }
  }
}
