package org.clearing.sandbox;

/** What the three sandboxes' payer pages share. */
public final class SandboxPages {

  private SandboxPages() {}

  /** Text made safe to place in HTML, element content or a quoted attribute; null is empty. */
  public static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
