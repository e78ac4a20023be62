package org.clearing.log;

/**
 * How every log line is written: one line per event, {@code key=value} pairs, and every value
 * that came from a call's arguments escaped here, in one place (issue 10 §8). Decoded callback
 * fields, header values and request fields reach log lines; unescaped, a value holding a line
 * break wrote a complete forged line ({@code event=callback.recorded … outcome=applied}), and a
 * quote or a space could end a value early and add a key of its own. Logback calls this through
 * {@link EscapedMessageConverter} ({@code %escapedMsg} in {@code logback.xml}), so no call site
 * has to remember it.
 *
 * <p>Escaped: backslash and double quote; CR, LF, tab and every other control character (C0, DEL,
 * C1, U+2028/U+2029); and every format character (bidi overrides and isolates such as U+202E and
 * U+2066–U+2069, zero-width characters, the byte-order mark), which could make a line read
 * differently on screen than it is. A value with a space, {@code =} or quote, or an empty one,
 * is put in quotes unless the message already quotes it.
 */
public final class LogLine {

  private LogLine() {}

  /** The message with each {@code {}} replaced by the next argument, escaped. */
  public static String format(String template, Object[] arguments) {
    if (template == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(template.length() + 32);
    int next = 0;
    int from = 0;
    while (true) {
      int at = template.indexOf("{}", from);
      if (at < 0 || arguments == null || next >= arguments.length) {
        appendControlsEscaped(out, template.substring(from));
        return out.toString();
      }
      appendControlsEscaped(out, template.substring(from, at));
      boolean quotedByTemplate = at > 0 && template.charAt(at - 1) == '"';
      appendValue(out, String.valueOf(arguments[next++]), quotedByTemplate);
      from = at + 2;
    }
  }

  /** Text escaped as a value inside quotes is (an exception's message, say); never quoted. */
  public static String escaped(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    appendValue(out, text, true);
    return out.toString();
  }

  private static void appendValue(StringBuilder out, String value, boolean quotedByTemplate) {
    boolean quote = !quotedByTemplate && (value.isEmpty() || value.chars().anyMatch(
        c -> c == ' ' || c == '=' || c == '"' || Character.isWhitespace(c)));
    if (quote) {
      out.append('"');
    }
    value.codePoints().forEach(c -> {
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        default -> appendCodePoint(out, c);
      }
    });
    if (quote) {
      out.append('"');
    }
  }

  /** The message's own text keeps its quotes; only characters that could break a line go. */
  private static void appendControlsEscaped(StringBuilder out, String text) {
    text.codePoints().forEach(c -> appendCodePoint(out, c));
  }

  private static void appendCodePoint(StringBuilder out, int c) {
    switch (c) {
      case '\n' -> out.append("\\n");
      case '\r' -> out.append("\\r");
      case '\t' -> out.append("\\t");
      default -> {
        if (mustEscape(c)) {
          out.append(c > 0xFFFF ? String.format("\\U%08X", c) : String.format("\\u%04X", c));
        } else {
          out.appendCodePoint(c);
        }
      }
    }
  }

  private static boolean mustEscape(int c) {
    int type = Character.getType(c);
    return type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
        || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
  }
}
