package org.clearing.channel.alipay;

import static org.clearing.channel.alipay.AlipayTestKeys.APP_ID;
import static org.clearing.channel.alipay.AlipayTestKeys.CLOCK;
import static org.clearing.channel.alipay.AlipayTestKeys.MERCHANT;
import static org.clearing.channel.alipay.AlipayTestKeys.NOW;
import static org.clearing.channel.alipay.AlipayTestKeys.STRANGER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.clearing.channel.Money;
import org.clearing.channel.alipay.AlipayGatewayVerifier.Reason;
import org.junit.jupiter.api.Test;

/**
 * The sandbox gateway accepts a correctly signed request and names the reason for every refusal.
 */
class AlipayGatewayVerifierTest {

  private final AlipayGatewayVerifier gateway =
      new AlipayGatewayVerifier(
          Map.of(APP_ID, MERCHANT.getPublic()), CLOCK, Duration.ofMinutes(15));

  private static Map<String, String> signedRefund() {
    return new HashMap<>(
        new AlipayRequestSigner(APP_ID, MERCHANT.getPrivate(), CLOCK)
            .refund("A1", Money.ofFen(1050), "R1"));
  }

  private Reason reasonFor(Map<String, String> params) {
    return gateway.verify(params).reason();
  }

  @Test
  void aRequestFromOurSignerIsAccepted() {
    assertTrue(gateway.verify(signedRefund()).ok());
  }

  @Test
  void aMissingOrEmptySignIsRefusedAsMissing() {
    Map<String, String> params = signedRefund();
    params.put("sign", "");
    assertEquals(Reason.MISSING_SIGN, reasonFor(params));
    params.remove("sign");
    assertEquals(Reason.MISSING_SIGN, reasonFor(params));
  }

  @Test
  void aSignTypeOtherThanRsa2IsRefused() {
    Map<String, String> params = signedRefund();
    params.put("sign_type", "RSA");
    assertEquals(Reason.UNSUPPORTED_SIGN_TYPE, reasonFor(params));
  }

  @Test
  void anUnknownAppIdIsRefused() {
    Map<String, String> params = signedRefund();
    params.put("app_id", "2021999999999999");
    assertEquals(Reason.UNKNOWN_APP_ID, reasonFor(params));
  }

  @Test
  void aMissingOrUnreadableTimestampIsMalformed() {
    Map<String, String> params = signedRefund();
    params.put("timestamp", "2026-06-05T10:00:00");
    assertEquals(Reason.MALFORMED, reasonFor(params));
    params.remove("timestamp");
    assertEquals(Reason.MALFORMED, reasonFor(params));
  }

  @Test
  void aTimestampOutsideTheWindowEitherWayIsStaleButTheEdgeIsAccepted() {
    Clock late = Clock.fixed(NOW.plus(Duration.ofMinutes(16)), ZoneOffset.UTC);
    Clock early = Clock.fixed(NOW.minus(Duration.ofMinutes(16)), ZoneOffset.UTC);
    Clock edge = Clock.fixed(NOW.plus(Duration.ofMinutes(15)), ZoneOffset.UTC);
    Map<String, PublicKey> keys = Map.of(APP_ID, MERCHANT.getPublic());
    Duration window = Duration.ofMinutes(15);
    assertEquals(
        Reason.STALE_TIMESTAMP,
        new AlipayGatewayVerifier(keys, late, window).verify(signedRefund()).reason());
    assertEquals(
        Reason.STALE_TIMESTAMP,
        new AlipayGatewayVerifier(keys, early, window).verify(signedRefund()).reason());
    assertTrue(new AlipayGatewayVerifier(keys, edge, window).verify(signedRefund()).ok());
  }

  @Test
  void oneChangedByteInBizContentBreaksTheSignature() {
    Map<String, String> params = signedRefund();
    params.put("biz_content", params.get("biz_content").replace("10.50", "10.51"));
    assertEquals(Reason.BAD_SIGNATURE, reasonFor(params));
  }

  @Test
  void aRequestSignedWithAnotherKeyIsRefused() {
    Map<String, String> params =
        new HashMap<>(new AlipayRequestSigner(APP_ID, STRANGER.getPrivate(), CLOCK).query("A1"));
    assertEquals(Reason.BAD_SIGNATURE, reasonFor(params));
  }

  @Test
  void garbageInSignIsABadSignatureNotACrash() {
    Map<String, String> params = signedRefund();
    params.put("sign", "%%%not base64%%%");
    assertEquals(Reason.BAD_SIGNATURE, reasonFor(params));
  }

  @Test
  void anAddedEmptyParameterDoesNotMatterButAnAddedValueDoes() {
    Map<String, String> params = signedRefund();
    params.put("app_auth_token", "");
    assertTrue(gateway.verify(params).ok());
    params.put("app_auth_token", "x");
    assertEquals(Reason.BAD_SIGNATURE, reasonFor(params));
  }
}
