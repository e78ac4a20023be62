package org.clearing.channel.alipay;

/**
 * Finds the exact text of one member's value in a JSON object's source, without parsing it into
 * objects. Only top-level members are considered, so a nested member of the same name (or the name
 * inside a string) cannot be mistaken for it. The caller has already checked that the text is valid
 * JSON, which keeps this scanner simple.
 */
final class TopLevelJson {

  private TopLevelJson() {}

  /** The raw text of the value of top-level member {@code name}, or null if there is none. */
  static String valueText(String json, String name) {
    int i = skipSpace(json, 0);
    if (i >= json.length() || json.charAt(i) != '{') {
      return null;
    }
    i++;
    while (true) {
      i = skipSpace(json, i);
      if (i >= json.length() || json.charAt(i) != '"') {
        return null;
      }
      int keyEnd = endOfString(json, i);
      String key = json.substring(i + 1, keyEnd - 1);
      i = skipSpace(json, keyEnd);
      if (i >= json.length() || json.charAt(i) != ':') {
        return null;
      }
      int valueStart = skipSpace(json, i + 1);
      int valueEnd = endOfValue(json, valueStart);
      // Member names with escapes are never Alipay's response keys, so comparing raw is enough.
      if (key.equals(name)) {
        return json.substring(valueStart, valueEnd);
      }
      i = skipSpace(json, valueEnd);
      if (i >= json.length() || json.charAt(i) != ',') {
        return null;
      }
      i++;
    }
  }

  private static int skipSpace(String json, int i) {
    while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
      i++;
    }
    return i;
  }

  /** The index just past the string that starts with the quote at {@code start}. */
  private static int endOfString(String json, int start) {
    int i = start + 1;
    while (i < json.length()) {
      char c = json.charAt(i);
      if (c == '\\') {
        i += 2;
      } else if (c == '"') {
        return i + 1;
      } else {
        i++;
      }
    }
    return json.length();
  }

  /** The index just past the value (object, array, string or literal) starting at {@code start}. */
  private static int endOfValue(String json, int start) {
    if (start >= json.length()) {
      return start;
    }
    char first = json.charAt(start);
    if (first == '"') {
      return endOfString(json, start);
    }
    if (first != '{' && first != '[') {
      int i = start;
      while (i < json.length() && ",}] \t\r\n".indexOf(json.charAt(i)) < 0) {
        i++;
      }
      return i;
    }
    int depth = 0;
    int i = start;
    while (i < json.length()) {
      char c = json.charAt(i);
      if (c == '"') {
        i = endOfString(json, i);
        continue;
      }
      if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        depth--;
        if (depth == 0) {
          return i + 1;
        }
      }
      i++;
    }
    return json.length();
  }
}
