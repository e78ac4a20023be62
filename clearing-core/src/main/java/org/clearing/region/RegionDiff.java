package org.clearing.region;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.clearing.routing.ItemKind;

/**
 * Which fields of a region a change touched, each with its value before and after: what the audit
 * records. A whole account or route added or dropped is one field; a route changed is one field
 * per code that changed.
 */
public final class RegionDiff {

  /** One changed field; {@code from} is null for something added, {@code to} for something dropped. */
  public record Change(String field, Object from, Object to) {
    public JsonObject toJson() {
      return new JsonObject().put("field", field).put("from", from).put("to", to);
    }
  }

  private RegionDiff() {}

  /** Everything a new region holds, as added. */
  public static List<Change> created(RegionSpec spec) {
    return between(new RegionSpec(spec.code(), null, List.of(), List.of(), List.of()), spec);
  }

  public static List<Change> between(RegionSpec before, RegionSpec after) {
    List<Change> changes = new ArrayList<>();
    if (!Objects.equals(before.name(), after.name())) {
      changes.add(new Change("name", before.name(), after.name()));
    }
    if (!new HashSet<>(before.kinds()).equals(new HashSet<>(after.kinds()))) {
      changes.add(new Change("kinds", kinds(before.kinds()), kinds(after.kinds())));
    }
    accounts(before, after, changes);
    routes(before, after, changes);
    return changes;
  }

  public static JsonArray toJson(List<Change> changes) {
    JsonArray json = new JsonArray();
    changes.forEach(change -> json.add(change.toJson()));
    return json;
  }

  private static void accounts(RegionSpec before, RegionSpec after, List<Change> changes) {
    Map<String, RegionSpec.Account> old = before.accounts().stream()
        .collect(Collectors.toMap(RegionSpec.Account::accountId, Function.identity()));
    for (RegionSpec.Account now : after.accounts()) {
      String field = "accounts." + now.accountId();
      RegionSpec.Account was = old.get(now.accountId());
      if (was == null) {
        changes.add(new Change(field, null, now.toJson()));
        continue;
      }
      if (was.status() != now.status()) {
        changes.add(new Change(field + ".status", was.status().name(), now.status().name()));
      }
      now.receivers().forEach((channel, receiver) -> {
        if (!receiver.equals(was.receivers().get(channel))) {
          changes.add(new Change(field + ".receivers." + channel.code(), was.receivers().get(channel), receiver));
        }
      });
    }
  }

  private static void routes(RegionSpec before, RegionSpec after, List<Change> changes) {
    Map<ItemKind, JsonObject> old = before.routes().stream()
        .collect(Collectors.toMap(RegionSpec.RouteSpec::kind, RegionSpec.RouteSpec::toJson));
    Map<ItemKind, JsonObject> now = after.routes().stream()
        .collect(Collectors.toMap(RegionSpec.RouteSpec::kind, RegionSpec.RouteSpec::toJson));
    for (ItemKind kind : ItemKind.values()) {
      JsonObject was = old.get(kind);
      JsonObject is = now.get(kind);
      String field = "routes." + kind.name();
      if (was == null && is == null) {
        continue;
      }
      if (was == null || is == null) {
        changes.add(new Change(field, was, is));
        continue;
      }
      Set<String> names = new java.util.TreeSet<>(was.fieldNames());
      names.addAll(is.fieldNames());
      for (String name : names) {
        if (!Objects.equals(was.getValue(name), is.getValue(name))) {
          changes.add(new Change(field + "." + name, was.getValue(name), is.getValue(name)));
        }
      }
    }
  }

  private static JsonArray kinds(List<ItemKind> kinds) {
    JsonArray json = new JsonArray();
    kinds.stream().sorted().forEach(kind -> json.add(kind.name()));
    return json;
  }
}
