package org.clearing.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.clearing.channel.Money;
import org.clearing.input.FieldError;
import org.clearing.order.NewOrder;
import org.clearing.routing.ItemKind;

/**
 * Reads an order request's JSON into a {@link NewOrder}, collecting every field error rather
 * than stopping at the first, so a caller can fix a request in one round.
 */
final class OrderRequestParser {

  static final int CASE_NO_LENGTH_MAX = 64;
  static final int PAYER_NAME_LENGTH_MAX = 64;

  private static final Set<String> ORDER_FIELDS =
      Set.of("case_no", "region", "payer", "lines", "expires_in_s");
  private static final Set<String> PAYER_FIELDS = Set.of("name", "id_no");
  private static final Set<String> LINE_FIELDS =
      Set.of("kind", "amount_fen", "tax_office_code", "tax_voucher_no", "payment_code");
  private static final Pattern REGION = Pattern.compile("[0-9]{6}");
  private static final Pattern ID_NO = Pattern.compile("[0-9A-Za-z]{6,32}");
  private static final Pattern TAX_OFFICE_CODE = Pattern.compile("[0-9A-Za-z]{1,12}");
  private static final Pattern TAX_VOUCHER_NO = Pattern.compile("[0-9A-Za-z]{1,20}");
  private static final Pattern PAYMENT_CODE = Pattern.compile("[0-9]{20}");

  private final List<FieldError> errors = new ArrayList<>();

  private OrderRequestParser() {}

  /** The outcome of parsing: a request, or its field errors. */
  sealed interface Result permits Parsed, Invalid {}

  record Parsed(NewOrder order) implements Result {}

  record Invalid(List<FieldError> errors) implements Result {}

  static Result parse(JsonObject json) {
    OrderRequestParser parser = new OrderRequestParser();
    NewOrder order = parser.order(json);
    return parser.errors.isEmpty() ? new Parsed(order) : new Invalid(List.copyOf(parser.errors));
  }

  private NewOrder order(JsonObject json) {
    rejectUnknown(json, ORDER_FIELDS, "");
    if (json.containsKey("payee_account")) {
      errors.add(new FieldError("payee_account",
          "the payee account is chosen by the routing table, never by the caller"));
    }
    String caseNo = text(json, "case_no", "case_no", CASE_NO_LENGTH_MAX, null);
    String region = text(json, "region", "region", 6, REGION);
    JsonObject payer = object(json, "payer", "payer");
    String payerName = null;
    String payerIdNo = null;
    if (payer != null) {
      rejectUnknown(payer, PAYER_FIELDS, "payer.");
      payerName = text(payer, "name", "payer.name", PAYER_NAME_LENGTH_MAX, null);
      payerIdNo = text(payer, "id_no", "payer.id_no", 32, ID_NO);
    }
    List<NewOrder.NewLine> lines = lines(json);
    long expiresInS = integer(json, "expires_in_s", "expires_in_s", false,
        NewOrder.EXPIRES_IN_S_MIN, NewOrder.EXPIRES_IN_S_MAX)
        .orElse(NewOrder.EXPIRES_IN_S_DEFAULT);
    if (!errors.isEmpty()) {
      return null;
    }
    return new NewOrder(caseNo, region, payerName, payerIdNo.toUpperCase(java.util.Locale.ROOT),
        lines, expiresInS);
  }

  private List<NewOrder.NewLine> lines(JsonObject json) {
    Object value = json.getValue("lines");
    if (value == null) {
      errors.add(new FieldError("lines", "is required"));
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      errors.add(new FieldError("lines", "must be an array of lines"));
      return List.of();
    }
    if (array.isEmpty()) {
      errors.add(new FieldError("lines", "must hold at least one line"));
      return List.of();
    }
    if (array.size() > NewOrder.LINES_MAX) {
      errors.add(new FieldError("lines", "must hold at most " + NewOrder.LINES_MAX + " lines"));
      return List.of();
    }
    List<NewOrder.NewLine> lines = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      String field = "lines[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject line)) {
        errors.add(new FieldError(field, "must be an object"));
        continue;
      }
      lines.add(line(line, field));
    }
    return lines;
  }

  private NewOrder.NewLine line(JsonObject line, String field) {
    rejectUnknown(line, LINE_FIELDS, field + ".");
    if (line.containsKey("payee_account")) {
      errors.add(new FieldError(field + ".payee_account",
          "the payee account is chosen by the routing table, never by the caller"));
    }
    String kindName = text(line, "kind", field + ".kind", 40, null);
    ItemKind kind = null;
    if (kindName != null) {
      kind = ItemKind.parse(kindName).orElse(null);
      if (kind == null) {
        errors.add(new FieldError(field + ".kind", "unknown kind " + kindName));
      }
    }
    Optional<Long> amountFen = integer(line, "amount_fen", field + ".amount_fen", true,
        1, NewOrder.LINE_AMOUNT_FEN_MAX);
    String taxOfficeCode = optionalText(line, "tax_office_code", field, 12, TAX_OFFICE_CODE);
    String taxVoucherNo = optionalText(line, "tax_voucher_no", field, 20, TAX_VOUCHER_NO);
    String paymentCode = optionalText(line, "payment_code", field, 20, PAYMENT_CODE);
    return new NewOrder.NewLine(kind, amountFen.map(Money::ofFen).orElse(null),
        taxOfficeCode, taxVoucherNo, paymentCode);
  }

  private void rejectUnknown(JsonObject json, Set<String> known, String prefix) {
    for (String name : json.fieldNames()) {
      if (!known.contains(name) && !name.equals("payee_account")) {
        errors.add(new FieldError(prefix + name, "is not a field of this request"));
      }
    }
  }

  private JsonObject object(JsonObject json, String name, String field) {
    Object value = json.getValue(name);
    if (value == null) {
      errors.add(new FieldError(field, "is required"));
      return null;
    }
    if (!(value instanceof JsonObject object)) {
      errors.add(new FieldError(field, "must be an object"));
      return null;
    }
    return object;
  }

  private String optionalText(JsonObject json, String name, String prefix, int lengthMax, Pattern pattern) {
    return json.getValue(name) == null ? null : text(json, name, prefix + "." + name, lengthMax, pattern);
  }

  private String text(JsonObject json, String name, String field, int lengthMax, Pattern pattern) {
    Object value = json.getValue(name);
    if (value == null) {
      errors.add(new FieldError(field, "is required"));
      return null;
    }
    if (!(value instanceof String text)) {
      errors.add(new FieldError(field, "must be a string"));
      return null;
    }
    // A coded field is taken exactly as sent: " 341500" or "341500\n" is not a region, and
    // quietly trimming it would hide a broken client. Free text loses its outer spaces only.
    String trimmed = pattern == null ? text.strip() : text;
    if (trimmed.isEmpty()) {
      errors.add(new FieldError(field, "must not be empty"));
      return null;
    }
    if (trimmed.codePointCount(0, trimmed.length()) > lengthMax) {
      errors.add(new FieldError(field, "must be at most " + lengthMax + " characters"));
      return null;
    }
    if (trimmed.chars().anyMatch(Character::isISOControl)) {
      errors.add(new FieldError(field, "must not contain control characters"));
      return null;
    }
    if (trimmed.codePoints().anyMatch(OrderRequestParser::invisible)) {
      errors.add(new FieldError(field,
          "must not contain invisible formatting characters (bidi controls, zero-width characters)"));
      return null;
    }
    if (pattern != null && !pattern.matcher(trimmed).matches()) {
      errors.add(new FieldError(field, "must match " + pattern.pattern()));
      return null;
    }
    return trimmed;
  }

  /**
   * Characters that change how text reads on screen without being seen: bidi embeddings,
   * overrides and isolates (U+202A–U+202E, U+2066–U+2069), marks (U+200E, U+200F, U+061C),
   * zero-width characters and the byte-order mark (all Unicode "format" characters), line and
   * paragraph separators, and lone surrogates. A name or case number holding one can show as
   * another on a receipt or a counter's screen.
   */
  static boolean invisible(int codePoint) {
    int type = Character.getType(codePoint);
    return type == Character.FORMAT || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE;
  }

  private Optional<Long> integer(
      JsonObject json, String name, String field, boolean required, long min, long max) {
    Object value = json.getValue(name);
    if (value == null) {
      if (required) {
        errors.add(new FieldError(field, "is required"));
      }
      return Optional.empty();
    }
    if (!(value instanceof Integer || value instanceof Long || value instanceof Short)) {
      String reason = value instanceof Number
          ? "must be a whole number within " + min + ".." + max
          : "must be an integer number, not " + typeName(value);
      errors.add(new FieldError(field, reason));
      return Optional.empty();
    }
    long number = ((Number) value).longValue();
    if (number < min || number > max) {
      errors.add(new FieldError(field, "must be between " + min + " and " + max));
      return Optional.empty();
    }
    return Optional.of(number);
  }

  private static String typeName(Object value) {
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    return "a " + value.getClass().getSimpleName();
  }
}
