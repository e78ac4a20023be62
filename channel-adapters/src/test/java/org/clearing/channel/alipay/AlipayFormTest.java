package org.clearing.channel.alipay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Form bodies decode in their own charset, and ambiguous or broken encodings are refused. */
class AlipayFormTest {

  private static AlipayForm.Decoded decode(String body, Charset bytesCharset) {
    return AlipayForm.decode(body.getBytes(bytesCharset));
  }

  @Test
  void encodeThenDecodeGivesTheSameFieldsIncludingChineseSpacesAndSymbols() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("subject", "契税 + 印花税 & 登记费=100%");
    fields.put("empty", "");
    fields.put("notify_time", "2026-06-05 10:00:00");
    AlipayForm.Decoded decoded =
        AlipayForm.decode(AlipayForm.encode(fields, StandardCharsets.UTF_8).getBytes());
    assertTrue(decoded.ok(), decoded.problem());
    assertEquals(fields, decoded.fields());
  }

  @Test
  void aGbkFormIsReadInGbkBecauseItsCharsetFieldSaysSo() {
    Charset gbk = Charset.forName("GBK");
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("charset", "GBK");
    fields.put("subject", "契税");
    AlipayForm.Decoded decoded = AlipayForm.decode(AlipayForm.encode(fields, gbk).getBytes());
    assertTrue(decoded.ok(), decoded.problem());
    assertEquals("契税", decoded.fields().get("subject"));
    assertEquals(gbk, decoded.charset());
  }

  @Test
  void plusIsASpaceAndUnencodedUtf8BytesSurvive() {
    AlipayForm.Decoded decoded = decode("a=x+y&subject=契税", StandardCharsets.UTF_8);
    assertEquals("x y", decoded.fields().get("a"));
    assertEquals("契税", decoded.fields().get("subject"));
  }

  @Test
  void aRepeatedFieldIsMalformedEvenWhenSpelledDifferently() {
    assertFalse(decode("sign=a&sign=b", StandardCharsets.US_ASCII).ok());
    assertFalse(decode("sign=a&%73ign=b", StandardCharsets.US_ASCII).ok());
  }

  @Test
  void aBrokenPercentEscapeIsMalformed() {
    assertFalse(decode("a=%E5%A", StandardCharsets.US_ASCII).ok());
    assertFalse(decode("a=%ZZ", StandardCharsets.US_ASCII).ok());
  }

  @Test
  void bytesThatAreNotValidInTheCharsetAreMalformed() {
    assertFalse(decode("a=%FF%FE", StandardCharsets.US_ASCII).ok());
  }

  @Test
  void anUnknownCharsetIsMalformed() {
    assertFalse(decode("charset=klingon&a=1", StandardCharsets.US_ASCII).ok());
  }

  @Test
  void moreFieldsThanTheBoundAreMalformed() {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i <= AlipayForm.FIELDS_MAX; i++) {
      body.append("f").append(i).append("=1&");
    }
    assertFalse(decode(body.toString(), StandardCharsets.US_ASCII).ok());
  }
}
