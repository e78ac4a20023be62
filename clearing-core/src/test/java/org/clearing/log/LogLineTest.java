package org.clearing.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

// Every value a log line carries is escaped in one place: nothing in a value can end the line,
// end the value early, add a key, or make the line read differently on screen than it is.
class LogLineTest {

  private static String format(String template, Object... arguments) {
    return LogLine.format(template, arguments);
  }

  @Test
  void lineBreaksInAValueBecomeEscapesAndTheValueIsQuoted() {
    assertEquals("event=x detail=\"RSA2\\\"\\n2026-12-06 level=INFO event=callback.recorded outcome=applied\"",
        format("event=x detail={}", "RSA2\"\n2026-12-06 level=INFO event=callback.recorded outcome=applied"));
    assertEquals("a=\"\\r\\n\" b=1", format("a={} b={}", "\r\n", 1));
  }

  @Test
  void aValueTheMessageAlreadyQuotesIsEscapedButNotQuotedTwice() {
    assertEquals("reason=\"say \\\"hi\\\" \\\\ bye\"", format("reason=\"{}\"", "say \"hi\" \\ bye"));
  }

  @Test
  void aValueWithASpaceOrEqualsSignCannotAddAKey() {
    assertEquals("client_id=\"demo outcome=applied\" role=tax", format("client_id={} role={}", "demo outcome=applied", "tax"));
    assertEquals("id=\"a=b\"", format("id={}", "a=b"));
    assertEquals("id=\"\"", format("id={}", ""));
  }

  @Test
  void plainValuesAreWrittenAsTheyAre() {
    assertEquals("event=order.created order_no=TF2026 total_fen=1509000 region=341500 name=张三",
        format("event=order.created order_no={} total_fen={} region={} name={}", "TF2026", 1_509_000L, "341500", "张三"));
    assertEquals("null=null", format("null={}", (Object) null));
  }

  @Test
  void controlBidiAndZeroWidthCharactersAreWrittenAsCodePoints() {
    assertEquals("v=a\\u202Eb\\u2066c\\u2067d\\u2068e\\u2069f\\u200Bg\\u200Dh\\uFEFFi\\u0000j\\u001Bk\\u007Fl\\u0085m",
        format("v={}", "a\u202Eb\u2066c\u2067d\u2068e\u2069f\u200Bg\u200Dh\uFEFFi\u0000j\u001Bk\u007Fl\u0085m"));
    assertEquals("v=\"a\\u2028b\\u2029c\\td\"", format("v={}", "a\u2028b\u2029c\td"));
    assertEquals("v=\\U000E0041", format("v={}", new String(Character.toChars(0xE0041))));
    assertEquals("v=\\uD800x", format("v={}", "\uD800x"));
  }

  @Test
  void theMessagesOwnTextKeepsItsQuotesButNotItsLineBreaks() {
    assertEquals("event=x reason=\"fixed\" a\\nb", format("event=x reason=\"fixed\" a\nb"));
  }
}
