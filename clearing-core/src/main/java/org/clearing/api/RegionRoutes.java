package org.clearing.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;
import org.clearing.http.Problem;
import org.clearing.region.RegionRequest;
import org.clearing.region.Regions;

/**
 * Administrator endpoints for regions: list, read, create (the whole region in one body), change
 * (the whole region as it is to be, with the version it was read at), retire, and read the audit.
 * Parse, call {@link Regions}, render; every refusal is problem+json naming the field.
 */
final class RegionRoutes {

  private static final Pattern CODE = Pattern.compile("[0-9]{6}");

  private final Regions regions;

  RegionRoutes(Regions regions) {
    this.regions = regions;
  }

  void list(RoutingContext ctx) {
    regions.list().onSuccess(all -> json(ctx, 200, new JsonObject().put("regions", all)))
        .onFailure(ctx::fail);
  }

  void get(RoutingContext ctx) {
    String code = code(ctx);
    if (code == null) {
      return;
    }
    regions.find(code).onSuccess(found -> found.ifPresentOrElse(
        view -> json(ctx, 200, view.toJson()), () -> notFound(ctx, code))).onFailure(ctx::fail);
  }

  void create(RoutingContext ctx) {
    JsonObject body = OrderRoutes.jsonBody(ctx);
    if (body == null) {
      return;
    }
    RegionRequest.Result parsed = RegionRequest.forCreate(body);
    if (parsed instanceof RegionRequest.Invalid invalid) {
      Problem.invalid(422, invalid.errors()).send(ctx);
      return;
    }
    RegionRequest.Parsed region = (RegionRequest.Parsed) parsed;
    regions.create(region.spec(), Security.client(ctx).clientId())
        .onSuccess(outcome -> render(ctx, outcome, 201)).onFailure(ctx::fail);
  }

  void change(RoutingContext ctx) {
    String code = code(ctx);
    if (code == null) {
      return;
    }
    JsonObject body = OrderRoutes.jsonBody(ctx);
    if (body == null) {
      return;
    }
    RegionRequest.Result parsed = RegionRequest.forChange(code, body);
    if (parsed instanceof RegionRequest.Invalid invalid) {
      Problem.invalid(422, invalid.errors()).send(ctx);
      return;
    }
    RegionRequest.Parsed region = (RegionRequest.Parsed) parsed;
    regions.change(region.spec(), region.version(), Security.client(ctx).clientId())
        .onSuccess(outcome -> render(ctx, outcome, 200)).onFailure(ctx::fail);
  }

  void retire(RoutingContext ctx) {
    String code = code(ctx);
    if (code == null) {
      return;
    }
    if (ctx.body().buffer() != null && ctx.body().buffer().length() > 0) {
      Problem.of(400, "unexpected-body", "This request takes no body", "retire takes no body").send(ctx);
      return;
    }
    regions.retire(code, Security.client(ctx).clientId())
        .onSuccess(outcome -> render(ctx, outcome, 200)).onFailure(ctx::fail);
  }

  void audit(RoutingContext ctx) {
    String code = code(ctx);
    if (code == null) {
      return;
    }
    regions.audit(code).onSuccess(found -> found.ifPresentOrElse(entries -> {
      JsonArray changes = new JsonArray();
      entries.forEach(entry -> changes.add(entry.toJson()));
      json(ctx, 200, new JsonObject().put("region", code).put("changes", changes));
    }, () -> notFound(ctx, code))).onFailure(ctx::fail);
  }

  private static void render(RoutingContext ctx, Regions.Outcome outcome, int savedStatus) {
    if (outcome instanceof Regions.Saved saved) {
      json(ctx, savedStatus, saved.region().toJson());
    } else if (outcome instanceof Regions.Unchanged unchanged) {
      json(ctx, 200, unchanged.region().toJson());
    } else if (outcome instanceof Regions.Invalid invalid) {
      Problem.invalid(422, invalid.errors()).send(ctx);
    } else if (outcome instanceof Regions.Exists exists) {
      Problem.of(409, "region-exists", "A region with this code exists", "region " + exists.code()
          + " exists; change it with PUT /api/v1/admin/regions/" + exists.code()).send(ctx);
    } else if (outcome instanceof Regions.NotFound notFound) {
      notFound(ctx, notFound.code());
    } else if (outcome instanceof Regions.Stale stale) {
      Problem.of(409, "stale-version", "The region changed since it was read",
          "the change is based on version " + stale.basedOn() + " but the region is at version "
              + stale.current() + "; read it again and repeat the change on it").send(ctx);
    } else if (outcome instanceof Regions.Retired retired) {
      Problem.of(409, "region-retired", "The region is retired",
          "region " + retired.code() + " is retired; it takes no change").send(ctx);
    } else {
      Problem.of(409, "conflict", "A concurrent change conflicts", ((Regions.Conflict) outcome).detail())
          .send(ctx);
    }
  }

  /** The path's region code; answers 404 and returns null if it cannot be one. */
  private static String code(RoutingContext ctx) {
    String code = ctx.pathParam("code");
    if (!CODE.matcher(code).matches()) {
      notFound(ctx, code);
      return null;
    }
    return code;
  }

  private static void notFound(RoutingContext ctx, String code) {
    Problem.of(404, "not-found", "No such region", "no region " + code).send(ctx);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
