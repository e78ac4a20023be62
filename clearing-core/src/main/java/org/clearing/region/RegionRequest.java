package org.clearing.region;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.clearing.channel.Channel;
import org.clearing.channel.ReceiverFormat;
import org.clearing.input.FieldError;
import org.clearing.routing.ItemKind;
import org.clearing.routing.Lifecycle;
import org.clearing.routing.PayeeSide;

/**
 * Reads a region from a request body and checks it on its own: every field's shape, every kind
 * offered routed and every route's kind offered, each route to an active account of the region
 * with the codes its side needs and none of the other side's, no account or receiver twice. What
 * needs the database (ids taken elsewhere) and what needs the region as it was (what may not
 * change) is checked by {@link RegionRules}.
 */
public final class RegionRequest {

  /** An administrative division code: 6 digits (GB/T 2260). */
  static final Pattern REGION_CODE = Pattern.compile("[0-9]{6}");
  private static final Pattern ACCOUNT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern ACCOUNT_NO = Pattern.compile("[0-9]{6,32}");
  /** The state treasury's code for a treasury: 10 digits. */
  private static final Pattern TREASURY_CODE = Pattern.compile("[0-9]{10}");
  /** A tax authority's office code: 11 digits. */
  private static final Pattern TAX_OFFICE_CODE = Pattern.compile("[0-9]{11}");
  /** A budget revenue subject: class, section, item or entry, 3 to 7 digits. */
  private static final Pattern BUDGET_SUBJECT_CODE = Pattern.compile("[0-9]{3,7}");
  /** Central, provincial, city, county, township. */
  private static final Pattern BUDGET_LEVEL = Pattern.compile("[1-5]");
  private static final Pattern COLLECTING_UNIT_CODE = Pattern.compile("[0-9A-Za-z]{1,20}");
  private static final Pattern INCOME_ITEM_CODE = Pattern.compile("[0-9]{3,12}");
  private static final int TEXT_LENGTH_MAX = 100;
  /** A region has a treasury and a non-tax account, a few more over the years; 20 is plenty. */
  static final int ACCOUNTS_MAX = 20;

  private static final Set<String> CREATE_FIELDS = Set.of("code", "name", "kinds", "accounts", "routes");
  private static final Set<String> CHANGE_FIELDS = Set.of("code", "version", "name", "kinds", "accounts", "routes");
  private static final Set<String> ACCOUNT_FIELDS = Set.of(
      "account_id", "side", "name", "bank_name", "account_no", "treasury_code", "status", "receivers");
  private static final Set<String> ROUTE_FIELDS = Set.of("kind", "account_id", "tax_office_code",
      "budget_subject_code", "budget_level", "collecting_unit_code", "income_item_code");

  private RegionRequest() {}

  /** The outcome of reading: a region (and, for a change, the version it was based on), or why not. */
  public sealed interface Result permits Parsed, Invalid {}

  public record Parsed(RegionSpec spec, int version) implements Result {}

  public record Invalid(List<FieldError> errors) implements Result {}

  /** A new region: the body names its code. */
  public static Result forCreate(JsonObject json) {
    List<FieldError> errors = new ArrayList<>();
    unknownFields(json, CREATE_FIELDS, "", errors);
    String code = json.getValue("code") instanceof String s ? s : null;
    if (code == null || !REGION_CODE.matcher(code).matches()) {
      errors.add(new FieldError("code", "must be a region code of 6 digits"));
    }
    RegionSpec spec = read(code, json, errors);
    return errors.isEmpty() ? new Parsed(spec, 0) : new Invalid(errors);
  }

  /**
   * The new state of region {@code code}: the whole region as it is to be, with the version it was
   * read at, so a change made meanwhile by someone else is not overwritten unseen.
   */
  public static Result forChange(String code, JsonObject json) {
    List<FieldError> errors = new ArrayList<>();
    unknownFields(json, CHANGE_FIELDS, "", errors);
    if (json.containsKey("code") && !code.equals(json.getValue("code"))) {
      errors.add(new FieldError("code", "a region's code does not change; it must be " + code + " or absent"));
    }
    int version = json.getValue("version") instanceof Integer v && v > 0 ? v : 0;
    if (version == 0) {
      errors.add(new FieldError("version", "is required: the region's version this change is based on"));
    }
    RegionSpec spec = read(code, json, errors);
    return errors.isEmpty() ? new Parsed(spec, version) : new Invalid(errors);
  }

  private static RegionSpec read(String code, JsonObject json, List<FieldError> errors) {
    String name = text(json, "name", "name", errors);
    List<ItemKind> kinds = kinds(json, errors);
    Set<String> listed = new HashSet<>();
    List<RegionSpec.Account> accounts = accounts(json, listed, errors);
    List<RegionSpec.RouteSpec> routes = routes(json, kinds, accounts, listed, errors);
    return new RegionSpec(code, name, kinds, accounts, routes);
  }

  private static List<ItemKind> kinds(JsonObject json, List<FieldError> errors) {
    List<ItemKind> kinds = new ArrayList<>();
    if (!(json.getValue("kinds") instanceof JsonArray array) || array.isEmpty()) {
      errors.add(new FieldError("kinds", "must list the kinds of money the region collects, at least one"));
      return kinds;
    }
    for (int i = 0; i < array.size(); i++) {
      ItemKind kind = array.getValue(i) instanceof String s ? ItemKind.parse(s).orElse(null) : null;
      if (kind == null) {
        errors.add(new FieldError("kinds[" + i + "]", "must be one of " + List.of(ItemKind.values())));
      } else if (kinds.contains(kind)) {
        errors.add(new FieldError("kinds[" + i + "]", kind + " is listed twice"));
      } else {
        kinds.add(kind);
      }
    }
    return kinds;
  }

  /** The accounts that are valid; {@code listed} gets the id of every account listed, valid or not. */
  private static List<RegionSpec.Account> accounts(JsonObject json, Set<String> listed, List<FieldError> errors) {
    List<RegionSpec.Account> accounts = new ArrayList<>();
    if (!(json.getValue("accounts") instanceof JsonArray array) || array.isEmpty()) {
      errors.add(new FieldError("accounts", "must list the region's payee accounts, at least one"));
      return accounts;
    }
    if (array.size() > ACCOUNTS_MAX) {
      errors.add(new FieldError("accounts", "at most " + ACCOUNTS_MAX + " accounts"));
      return accounts;
    }
    Set<String> ids = new HashSet<>();
    Map<Channel, Map<String, String>> receiversSeen = new EnumMap<>(Channel.class);
    for (int i = 0; i < array.size(); i++) {
      String field = "accounts[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject item)) {
        errors.add(new FieldError(field, "must be an object"));
        continue;
      }
      if (item.getValue("account_id") instanceof String id) {
        listed.add(id);
      }
      RegionSpec.Account account = account(item, field, errors);
      if (account == null) {
        continue;
      }
      if (!ids.add(account.accountId())) {
        errors.add(new FieldError(field + ".account_id", "account " + account.accountId() + " is listed twice"));
      }
      account.receivers().forEach((channel, receiver) -> {
        String other = receiversSeen.computeIfAbsent(channel, c -> new HashMap<>()).putIfAbsent(receiver, account.accountId());
        if (other != null) {
          errors.add(new FieldError(field + ".receivers." + channel.code(),
              receiver + " already receives for account " + other + "; a receiver stands for one account"));
        }
      });
      accounts.add(account);
    }
    return accounts;
  }

  /** One account; null if a field it cannot be made without is wrong (the error is recorded). */
  private static RegionSpec.Account account(JsonObject json, String field, List<FieldError> errors) {
    int before = errors.size();
    unknownFields(json, ACCOUNT_FIELDS, field + ".", errors);
    String accountId = matching(json, "account_id", field, ACCOUNT_ID,
        "must be 1 to 64 characters of A-Z a-z 0-9 _ -", errors);
    PayeeSide side = json.getValue("side") instanceof String s && (s.equals("TREASURY") || s.equals("NON_TAX"))
        ? PayeeSide.valueOf(s) : null;
    if (side == null) {
      errors.add(new FieldError(field + ".side", "must be TREASURY or NON_TAX"));
    }
    String name = text(json, "name", field + ".name", errors);
    String bankName = text(json, "bank_name", field + ".bank_name", errors);
    String accountNo = matching(json, "account_no", field, ACCOUNT_NO, "must be 6 to 32 digits", errors);
    String treasuryCode = null;
    if (side == PayeeSide.TREASURY) {
      treasuryCode = matching(json, "treasury_code", field, TREASURY_CODE,
          "a treasury account needs its treasury code of 10 digits", errors);
    } else if (side == PayeeSide.NON_TAX && json.containsKey("treasury_code")) {
      errors.add(new FieldError(field + ".treasury_code", "a non-tax account has no treasury code"));
    }
    Lifecycle status = Lifecycle.ACTIVE;
    if (json.containsKey("status")) {
      status = json.getValue("status") instanceof String s && (s.equals("ACTIVE") || s.equals("RETIRED"))
          ? Lifecycle.valueOf(s) : null;
      if (status == null) {
        errors.add(new FieldError(field + ".status", "must be ACTIVE or RETIRED"));
      }
    }
    Map<Channel, String> receivers = receivers(json, field, errors);
    return errors.size() > before ? null
        : new RegionSpec.Account(accountId, side, name, bankName, accountNo, treasuryCode, status, receivers);
  }

  private static Map<Channel, String> receivers(JsonObject json, String field, List<FieldError> errors) {
    Map<Channel, String> receivers = new EnumMap<>(Channel.class);
    Object value = json.getValue("receivers");
    if (value == null) {
      return receivers;
    }
    if (!(value instanceof JsonObject byChannel)) {
      errors.add(new FieldError(field + ".receivers",
          "must be an object: channel (wechat, alipay, unionpay) → the account's receiver there"));
      return receivers;
    }
    for (String code : byChannel.fieldNames()) {
      String name = field + ".receivers." + code;
      Channel channel = Channel.fromCode(code).orElse(null);
      if (channel == null) {
        errors.add(new FieldError(name, "is not a channel; channels are wechat, alipay, unionpay"));
        continue;
      }
      String receiver = byChannel.getValue(code) instanceof String s ? s : null;
      ReceiverFormat.problem(channel, receiver).ifPresentOrElse(
          problem -> errors.add(new FieldError(name, problem)),
          () -> receivers.put(channel, receiver));
    }
    return receivers;
  }

  private static List<RegionSpec.RouteSpec> routes(JsonObject json, List<ItemKind> kinds,
      List<RegionSpec.Account> accounts, Set<String> listed, List<FieldError> errors) {
    List<RegionSpec.RouteSpec> routes = new ArrayList<>();
    if (!(json.getValue("routes") instanceof JsonArray array)) {
      errors.add(new FieldError("routes", "must list a route for each kind the region offers"));
      return routes;
    }
    Map<String, RegionSpec.Account> byId = new HashMap<>();
    accounts.forEach(account -> byId.putIfAbsent(account.accountId(), account));
    Set<ItemKind> routed = new HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      String field = "routes[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject item)) {
        errors.add(new FieldError(field, "must be an object"));
        continue;
      }
      // The kind counts as routed even if the route has other errors: those say what to fix.
      ItemKind kind = item.getValue("kind") instanceof String s ? ItemKind.parse(s).orElse(null) : null;
      if (kind != null && !routed.add(kind)) {
        errors.add(new FieldError(field + ".kind", kind + " is routed twice"));
      } else if (kind != null && !kinds.contains(kind) && json.getValue("kinds") instanceof JsonArray) {
        errors.add(new FieldError(field + ".kind", kind + " is routed but not among the kinds offered"));
      }
      RegionSpec.RouteSpec route = route(item, field, byId, listed, errors);
      if (route != null) {
        routes.add(route);
      }
    }
    for (int i = 0; i < kinds.size(); i++) {
      if (!routed.contains(kinds.get(i))) {
        errors.add(new FieldError("kinds[" + i + "]", kinds.get(i) + " is offered but has no route"));
      }
    }
    return routes;
  }

  /**
   * One route; null after an error. A route to a listed account that has errors of its own is not
   * checked further: those errors say what to fix.
   */
  private static RegionSpec.RouteSpec route(JsonObject json, String field,
      Map<String, RegionSpec.Account> accounts, Set<String> listed, List<FieldError> errors) {
    int before = errors.size();
    unknownFields(json, ROUTE_FIELDS, field + ".", errors);
    ItemKind kind = json.getValue("kind") instanceof String s ? ItemKind.parse(s).orElse(null) : null;
    if (kind == null) {
      errors.add(new FieldError(field + ".kind", "must be one of " + List.of(ItemKind.values())));
    }
    String accountId = json.getValue("account_id") instanceof String s ? s : null;
    RegionSpec.Account account = accountId == null ? null : accounts.get(accountId);
    if (accountId == null) {
      errors.add(new FieldError(field + ".account_id", "is required: the payee account this kind goes to"));
    } else if (account == null && !listed.contains(accountId)) {
      errors.add(new FieldError(field + ".account_id", "names no account of this region: " + accountId));
    } else if (account != null && account.status() == Lifecycle.RETIRED) {
      errors.add(new FieldError(field + ".account_id", "account " + accountId + " is retired; route to an active account"));
    }
    if (account == null) {
      return null;
    }
    boolean treasury = account.side() == PayeeSide.TREASURY;
    String taxOffice = optional(json, "tax_office_code", field, TAX_OFFICE_CODE, "must be 11 digits", treasury, errors);
    String subject = required(json, "budget_subject_code", field, BUDGET_SUBJECT_CODE, "must be 3 to 7 digits", treasury, errors);
    String level = required(json, "budget_level", field, BUDGET_LEVEL,
        "must be 1 (central) to 5 (township)", treasury, errors);
    String unit = required(json, "collecting_unit_code", field, COLLECTING_UNIT_CODE,
        "must be 1 to 20 letters and digits", !treasury, errors);
    String item = required(json, "income_item_code", field, INCOME_ITEM_CODE, "must be 3 to 12 digits", !treasury, errors);
    return errors.size() > before ? null
        : new RegionSpec.RouteSpec(kind, accountId, taxOffice, subject, level, unit, item);
  }

  /** A code the route's side requires and the other side must not carry. */
  private static String required(JsonObject json, String name, String field, Pattern pattern,
      String reason, boolean applies, List<FieldError> errors) {
    if (!applies) {
      refuseOtherSide(json, name, field, errors);
      return null;
    }
    return matching(json, name, field, pattern, "is required on this side: " + reason, errors);
  }

  /** A code the route's side may carry (an order line may bring its own) and the other must not. */
  private static String optional(JsonObject json, String name, String field, Pattern pattern,
      String reason, boolean applies, List<FieldError> errors) {
    if (!applies) {
      refuseOtherSide(json, name, field, errors);
      return null;
    }
    return json.containsKey(name) ? matching(json, name, field, pattern, reason, errors) : null;
  }

  private static void refuseOtherSide(JsonObject json, String name, String field, List<FieldError> errors) {
    if (json.containsKey(name)) {
      errors.add(new FieldError(field + "." + name,
          "does not apply: the route's account is on the other side (treasury or non-tax)"));
    }
  }

  private static String matching(JsonObject json, String name, String field, Pattern pattern,
      String reason, List<FieldError> errors) {
    String value = json.getValue(name) instanceof String s ? s : null;
    if (value == null || !pattern.matcher(value).matches()) {
      errors.add(new FieldError(field + "." + name, reason));
      return null;
    }
    return value;
  }

  private static String text(JsonObject json, String name, String field, List<FieldError> errors) {
    String value = json.getValue(name) instanceof String s ? s : null;
    if (value == null || value.isBlank() || value.length() > TEXT_LENGTH_MAX
        || !value.equals(value.strip()) || value.chars().anyMatch(Character::isISOControl)) {
      errors.add(new FieldError(field, "must be text of 1 to " + TEXT_LENGTH_MAX
          + " characters, without control characters or surrounding spaces"));
      return null;
    }
    return value;
  }

  private static void unknownFields(JsonObject json, Set<String> known, String prefix, List<FieldError> errors) {
    json.fieldNames().stream().filter(name -> !known.contains(name)).sorted()
        .forEach(name -> errors.add(new FieldError(prefix + name, "is not a field of this request")));
  }
}
