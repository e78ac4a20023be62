package org.clearing.report;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A CSV document as Excel opens it without an import dialog: UTF-8 with a byte-order mark (without
 * it, Excel on Chinese Windows reads the bytes as GBK and garbles every name), CRLF line ends
 * (RFC 4180), and a field quoted only when it holds a comma, a quote or a line break.
 */
final class Csv {

  static final String BOM = "\uFEFF";
  static final String CRLF = "\r\n";

  private final StringBuilder text = new StringBuilder(BOM);

  Csv row(List<?> fields) {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        text.append(',');
      }
      text.append(field(fields.get(i)));
    }
    text.append(CRLF);
    return this;
  }

  /** A whole table; an empty row is a blank line. */
  static byte[] of(List<List<Object>> rows) {
    Csv csv = new Csv();
    rows.forEach(csv::row);
    return csv.bytes();
  }

  byte[] bytes() {
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String field(Object value) {
    String s = value == null ? "" : value.toString();
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\r') < 0 && s.indexOf('\n') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
