package org.clearing.channel.unionpay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The canonical string and digest match UnionPay's documented canonical form and its published test vector byte for byte. */
class UnionPayCanonicalTest {

  @Test
  void theSection8FieldsCanonicalizeAndHashToTheReferenceDigest() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("version", "5.1.0");
    fields.put("txnType", "01");
    fields.put("txnTime", "20250101120000");
    fields.put("txnSubType", "07");
    fields.put("txnAmt", "12345");
    fields.put("orderId", "BDC20250101A");
    fields.put("merId", "777290058110048");
    fields.put("currencyCode", "156");
    fields.put("bizType", "000000");
    fields.put("accessType", "0");
    fields.put("signature", "ignored");
    String canonical = UnionPayCanonical.coverMap2String(fields);
    assertEquals(
        "accessType=0&bizType=000000&currencyCode=156&merId=777290058110048&orderId=BDC20250101A"
            + "&txnAmt=12345&txnSubType=07&txnTime=20250101120000&txnType=01&version=5.1.0",
        canonical);
    assertEquals(
        "9452f9db3081c4edc917ca7ab0f5c8a2e6ff49ccab578e848cce0f916ccab0a7",
        UnionPayCanonical.digestHex(canonical, StandardCharsets.UTF_8));
  }

  @Test
  void emptyValuesStayInAndOnlySignatureIsDropped() {
    Map<String, String> fields = new HashMap<>();
    fields.put("reqReserved", "");
    fields.put("certId", "123");
    fields.put("signature", "abc");
    fields.put("a", "1");
    assertEquals("a=1&certId=123&reqReserved=", UnionPayCanonical.coverMap2String(fields));
  }

  @Test
  void pemValuesKeepTheirCrlfNewlinesVerbatim() {
    String pem = "-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----";
    Map<String, String> fields = Map.of("signPubKeyCert", pem, "b", "x y");
    assertEquals(
        "b=x y&signPubKeyCert=-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----",
        UnionPayCanonical.coverMap2String(fields));
  }

  @Test
  void keysSortByCodeUnitSoUppercaseComesFirst() {
    assertEquals("B=2&a=1&b=3", UnionPayCanonical.coverMap2String(Map.of("b", "3", "a", "1", "B", "2")));
  }

  @Test
  void encodingFieldSelectsTheCharsetAndUnknownEncodingsAreRefused() {
    assertEquals(StandardCharsets.UTF_8, UnionPayCanonical.charsetOf(Map.of("encoding", "utf-8")));
    assertEquals(StandardCharsets.UTF_8, UnionPayCanonical.charsetOf(Map.of()));
    assertEquals("GBK", UnionPayCanonical.charsetOf(Map.of("encoding", "GBK")).name());
    assertThrows(
        IllegalArgumentException.class,
        () -> UnionPayCanonical.charsetOf(Map.of("encoding", "ISO-8859-1")));
  }
}
