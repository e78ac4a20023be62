package org.clearing.api;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;
import org.clearing.channel.Channel;
import org.clearing.channelconfig.ChannelConfigs;
import org.clearing.http.Problem;

/**
 * Administrator endpoints for a channel's merchant in a region: read it (never a secret), save it
 * (checked, secrets sealed, audited, applied to channel orders opened afterwards), read its audit,
 * and check its credentials against the channel. Parse, call {@link ChannelConfigs}, render.
 */
final class ChannelConfigRoutes {

  private static final Pattern REGION = Pattern.compile("[0-9]{6}");

  private final ChannelConfigs configs;

  ChannelConfigRoutes(ChannelConfigs configs) {
    this.configs = configs;
  }

  void get(RoutingContext ctx) {
    if (!valid(ctx)) {
      return;
    }
    String region = ctx.pathParam("region");
    String channel = ctx.pathParam("channel");
    configs.view(region, channel).onSuccess(found -> found.ifPresentOrElse(view -> json(ctx, 200, view),
        () -> Problem.of(404, "not-found", "No configuration in the database", "no configuration of " + channel
            + " for region " + region + " in the database; the merchant configuration file's serves it, if any")
            .send(ctx))).onFailure(ctx::fail);
  }

  void put(RoutingContext ctx) {
    if (!valid(ctx)) {
      return;
    }
    JsonObject body = OrderRoutes.jsonBody(ctx);
    if (body == null) {
      return;
    }
    configs.save(ctx.pathParam("region"), ctx.pathParam("channel"), body, Security.client(ctx).clientId())
        .onSuccess(outcome -> {
          if (outcome instanceof ChannelConfigs.Saved saved) {
            json(ctx, 200, saved.view());
          } else if (outcome instanceof ChannelConfigs.Invalid invalid) {
            Problem.invalid(422, invalid.errors()).send(ctx);
          } else if (outcome instanceof ChannelConfigs.NotFound notFound) {
            Problem.of(404, "not-found", "No such region or channel", notFound.detail()).send(ctx);
          } else {
            ChannelConfigs.Refused refused = (ChannelConfigs.Refused) outcome;
            Problem.of(409, refused.type(), "The configuration cannot be saved now", refused.detail()).send(ctx);
          }
        }).onFailure(ctx::fail);
  }

  void audit(RoutingContext ctx) {
    if (!valid(ctx)) {
      return;
    }
    String region = ctx.pathParam("region");
    String channel = ctx.pathParam("channel");
    configs.audit(region, channel).onSuccess(changes -> json(ctx, 200, new JsonObject().put("region", region)
        .put("channel", channel).put("changes", changes))).onFailure(ctx::fail);
  }

  void check(RoutingContext ctx) {
    if (!valid(ctx)) {
      return;
    }
    String region = ctx.pathParam("region");
    String channel = ctx.pathParam("channel");
    configs.check(region, channel).onSuccess(found -> found.ifPresentOrElse(answer -> json(ctx, 200, answer),
        () -> Problem.of(404, "not-found", "No merchant", "no merchant of " + channel + " serves region " + region)
            .send(ctx))).onFailure(ctx::fail);
  }

  /** Answers 404 and returns false unless the path names a region code and a channel. */
  private static boolean valid(RoutingContext ctx) {
    String region = ctx.pathParam("region");
    String channel = ctx.pathParam("channel");
    if (!REGION.matcher(region).matches()) {
      Problem.of(404, "not-found", "No such region", "no region " + region).send(ctx);
      return false;
    }
    if (Channel.fromCode(channel).isEmpty()) {
      Problem.of(404, "not-found", "No such channel", "no channel " + channel + "; wechat, alipay or unionpay")
          .send(ctx);
      return false;
    }
    return true;
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store").end(body.encode());
  }
}
