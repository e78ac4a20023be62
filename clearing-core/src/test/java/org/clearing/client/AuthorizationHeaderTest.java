package org.clearing.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The Authorization header parses in any parameter order and refuses anything malformed. */
class AuthorizationHeaderTest {

  @Test
  void parsesParametersInAnyOrder() {
    AuthorizationHeader header = ((AuthorizationHeader.Parsed) AuthorizationHeader.parse(
        "CLEARING-SHA256-RSA2048 signature=\"c2ln\", nonce=\"abcdefgh12\",timestamp=\"1700000000\",client_id=\"c-1\""))
        .header();
    assertEquals(KeyType.RSA, header.keyType());
    assertEquals("c-1", header.clientId());
    assertEquals("1700000000", header.timestamp());
    assertEquals("abcdefgh12", header.nonce());
    assertEquals("c2ln", header.signature());
    assertInstanceOf(AuthorizationHeader.Parsed.class, AuthorizationHeader.parse(header.render()));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "CLEARING-SM2-SM3",
      "WECHATPAY2-SHA256-RSA2048 mchid=\"1\"",
      "CLEARING-SM2-SM3 client_id=\"c\",timestamp=\"1\",nonce=\"abcdefgh\"",
      "CLEARING-SM2-SM3 client_id=\"c\",timestamp=\"1\",nonce=\"short\",signature=\"s\"",
      "CLEARING-SM2-SM3 client_id=\"c\",timestamp=\"-1\",nonce=\"abcdefgh\",signature=\"s\"",
      "CLEARING-SM2-SM3 client_id=\"c\" timestamp=\"1\" nonce=\"abcdefgh\" signature=\"s\"",
      "CLEARING-SM2-SM3 client_id=\"c\",timestamp=\"1\",nonce=\"abcdefgh\",signature=\"s\",nonce=\"abcdefgh\""})
  void refusesMalformedHeaders(String header) {
    assertInstanceOf(AuthorizationHeader.Malformed.class, AuthorizationHeader.parse(header));
  }
}
