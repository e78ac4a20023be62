package org.clearing.channel.wechat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.channel.wechat.WechatAuthorization.MerchantKey;
import org.clearing.channel.wechat.WechatAuthorization.Outcome;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.SignatureBase;
import org.clearing.crypto.SignatureScheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A merchant's signed request passes the sandbox's check; every altered or stale one is refused. */
class WechatAuthorizationTest {

  static final String MCHID = "1900009191";
  static final String SERIAL = "3775B6A45ACD588826D15E583A95F5DD2A2A5B8A";
  static final KeyPair MERCHANT = Crypto.generateRsa(2048);
  static final KeyPair SM2_MERCHANT = Crypto.generateSm2();
  static final byte[] BODY = "{\"mchid\":\"1900009191\"}".getBytes(StandardCharsets.UTF_8);
  static final String PATH = "/v3/pay/transactions/native";

  private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T04:00:00Z"));
  private final WechatRequestSigner signer =
      new WechatRequestSigner(MCHID, SERIAL, MERCHANT.getPrivate(), clock);
  private final WechatAuthorization sandbox = new WechatAuthorization(
      Map.of(SERIAL, new MerchantKey(MCHID, MERCHANT.getPublic()),
          "SM2SERIAL", new MerchantKey(MCHID, SM2_MERCHANT.getPublic())),
      clock, Duration.ofMinutes(5));

  @Test
  void theHeaderHasWechatsShapeAndCoversTheFiveLineString() {
    String header = signer.authorization("POST", PATH, BODY);
    Matcher m = Pattern.compile("WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\"([0-9A-Z]{32})\","
        + "timestamp=\"1735704000\",serial_no=\"" + SERIAL + "\",signature=\"([A-Za-z0-9+/=]+)\"")
        .matcher(header);
    assertTrue(m.matches(), header);
    byte[] message = SignatureBase.request("POST", PATH, "1735704000", m.group(1), BODY);
    assertTrue(SignatureScheme.SHA256_RSA.verify(MERCHANT.getPublic(), message, m.group(2)));
  }

  @Test
  void aSignedRequestIsAcceptedAndNamesTheMerchant() {
    WechatAuthorization.Result result =
        sandbox.verify("POST", PATH, BODY, signer.authorization("POST", PATH, BODY));
    assertEquals(Outcome.OK, result.outcome(), result.detail());
    assertEquals(MCHID, result.mchid());
  }

  @Test
  void aGetWithQueryAndEmptyBodyIsAccepted() {
    String path = "/v3/pay/transactions/out-trade-no/BDC20250101A?mchid=1900009191";
    assertTrue(sandbox.verify("GET", path, new byte[0], signer.authorization("GET", path, null)).ok());
  }

  @Test
  void parametersInAnyOrderWithSpacesAreAccepted() {
    String header = signer.authorization("POST", PATH, BODY);
    String schema = header.substring(0, header.indexOf(' '));
    List<String> params = new ArrayList<>(List.of(header.substring(header.indexOf(' ') + 1).split(",")));
    Collections.reverse(params);
    String reordered = schema + " " + String.join(", ", params);
    assertTrue(sandbox.verify("POST", PATH, BODY, reordered).ok(), reordered);
  }

  @Test
  void anSm2MerchantSignatureIsAccepted() {
    WechatRequestSigner sm2 = new WechatRequestSigner(
        MCHID, "SM2SERIAL", SM2_MERCHANT.getPrivate(), clock);
    String header = sm2.authorization("POST", PATH, BODY);
    assertTrue(header.startsWith("WECHATPAY2-SM2-WITH-SM3 "), header);
    assertTrue(sandbox.verify("POST", PATH, BODY, header).ok());
  }

  @Test
  void aChangedBodyByteMethodOrPathIsABadSignature() {
    String header = signer.authorization("POST", PATH, BODY);
    byte[] tampered = BODY.clone();
    tampered[3] ^= 1;
    assertEquals(Outcome.BAD_SIGNATURE, sandbox.verify("POST", PATH, tampered, header).outcome());
    assertEquals(Outcome.BAD_SIGNATURE, sandbox.verify("PUT", PATH, BODY, header).outcome());
    assertEquals(Outcome.BAD_SIGNATURE, sandbox.verify("POST", PATH + "?x=1", BODY, header).outcome());
  }

  @Test
  void aSignatureByAnotherKeyOrATamperedSignatureIsABadSignature() {
    KeyPair other = Crypto.generateRsa(2048);
    String forged = new WechatRequestSigner(MCHID, SERIAL, other.getPrivate(), clock)
        .authorization("POST", PATH, BODY);
    assertEquals(Outcome.BAD_SIGNATURE, sandbox.verify("POST", PATH, BODY, forged).outcome());

    String header = signer.authorization("POST", PATH, BODY);
    int at = header.indexOf("signature=\"") + 15;
    char flipped = header.charAt(at) == 'A' ? 'B' : 'A';
    String tampered = header.substring(0, at) + flipped + header.substring(at + 1);
    assertEquals(Outcome.BAD_SIGNATURE, sandbox.verify("POST", PATH, BODY, tampered).outcome());
  }

  @Test
  void anRsaSignatureSentUnderTheSm2SchemaIsABadSignature() {
    String header = signer.authorization("POST", PATH, BODY)
        .replace("WECHATPAY2-SHA256-RSA2048", "WECHATPAY2-SM2-WITH-SM3");
    assertEquals(Outcome.BAD_SIGNATURE, sandbox.verify("POST", PATH, BODY, header).outcome());
  }

  @Test
  void anUnregisteredSerialOrAnotherMerchantsSerialIsUnknown() {
    String header = signer.authorization("POST", PATH, BODY);
    assertEquals(Outcome.UNKNOWN_SERIAL,
        sandbox.verify("POST", PATH, BODY, header.replace(SERIAL, "00" + SERIAL.substring(2))).outcome());
    assertEquals(Outcome.UNKNOWN_SERIAL,
        sandbox.verify("POST", PATH, BODY, header.replace(MCHID, "1900000002")).outcome());
  }

  @Test
  void aRequestFiveMinutesOldOrAheadIsStaleButFourFiftyNineIsNot() {
    String header = signer.authorization("POST", PATH, BODY);
    clock.advance(Duration.ofSeconds(299));
    assertTrue(sandbox.verify("POST", PATH, BODY, header).ok());
    clock.advance(Duration.ofSeconds(1));
    assertEquals(Outcome.STALE, sandbox.verify("POST", PATH, BODY, header).outcome());

    clock.advance(Duration.ofMinutes(-10));
    assertEquals(Outcome.STALE, sandbox.verify("POST", PATH, BODY, header).outcome());
    clock.advance(Duration.ofSeconds(1));
    assertTrue(sandbox.verify("POST", PATH, BODY, header).ok());
  }

  @ParameterizedTest
  @ValueSource(strings = {"mchid", "nonce_str", "timestamp", "serial_no", "signature"})
  void aMissingParameterIsMalformed(String name) {
    String header = signer.authorization("POST", PATH, BODY);
    String without = header.replaceAll(",?" + name + "=\"[^\"]*\"", "").replace(" ,", " ");
    assertEquals(Outcome.MALFORMED, sandbox.verify("POST", PATH, BODY, without).outcome(), without);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "WECHATPAY2-SHA256-RSA2048", "Bearer abc", "WECHATPAY2-SHA256-RSA2048 mchid=1900009191",
      "WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191", "WECHATPAY2-SHA256-RSA2048 mchid=\"1\"x"})
  void anUnparsableHeaderIsMalformed(String header) {
    assertEquals(Outcome.MALFORMED, sandbox.verify("POST", PATH, BODY, header).outcome());
  }

  @Test
  void aRepeatedParameterOrNonNumericTimestampOrNoHeaderIsMalformed() {
    String header = signer.authorization("POST", PATH, BODY);
    assertEquals(Outcome.MALFORMED,
        sandbox.verify("POST", PATH, BODY, header + ",mchid=\"1900000002\"").outcome());
    assertEquals(Outcome.MALFORMED, sandbox.verify("POST", PATH, BODY,
        header.replaceAll("timestamp=\"\\d+\"", "timestamp=\"-1\"")).outcome());
    assertEquals(Outcome.MALFORMED, sandbox.verify("POST", PATH, BODY, null).outcome());
  }

  @Test
  void theJsapiPaySignCoversTheFourLinesAndVerifiesWithTheMerchantKey() {
    WechatRequestSigner.JsapiPayParams params = signer.jsapiPayParams("wx8888888888888888", "wx201410272009395522657a690389285100");
    assertEquals("prepay_id=wx201410272009395522657a690389285100", params.packageValue());
    assertEquals("RSA", params.signType());
    assertEquals("1735704000", params.timeStamp());
    assertEquals("wx8888888888888888\n1735704000\n" + params.nonceStr()
        + "\nprepay_id=wx201410272009395522657a690389285100\n", params.signedMessage());
    assertTrue(SignatureScheme.SHA256_RSA.verify(MERCHANT.getPublic(), params.signedMessage(), params.paySign()));
    assertTrue(!SignatureScheme.SHA256_RSA.verify(MERCHANT.getPublic(),
        params.signedMessage().replace("prepay_id=wx2", "prepay_id=wx3"), params.paySign()));
    WechatRequestSigner sm2 = new WechatRequestSigner(
        MCHID, "SM2SERIAL", SM2_MERCHANT.getPrivate(), clock);
    assertThrows(IllegalStateException.class, () -> sm2.jsapiPayParams("wx1", "wx2"));
  }
}
