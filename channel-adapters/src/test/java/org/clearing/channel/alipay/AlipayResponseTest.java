package org.clearing.channel.alipay;

import static org.clearing.channel.alipay.AlipayTestKeys.ALIPAY;
import static org.clearing.channel.alipay.AlipayTestKeys.STRANGER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.clearing.channel.alipay.AlipayResponseVerifier.Status;
import org.clearing.crypto.SignatureScheme;
import org.junit.jupiter.api.Test;

/**
 * Synchronous responses are signed over the exact text of their value and verified from the raw
 * body.
 */
class AlipayResponseTest {

  private static final String QUERY = "alipay.trade.query";

  private final AlipayResponseSigner signer = new AlipayResponseSigner(ALIPAY.getPrivate());
  private final AlipayResponseVerifier verifier = new AlipayResponseVerifier(ALIPAY.getPublic());

  private static JsonObject paidQuery() {
    return new JsonObject()
        .put("code", "10000")
        .put("msg", "Success")
        .put("out_trade_no", "A1")
        .put("trade_status", "TRADE_SUCCESS")
        .put("total_amount", "88.88")
        .put("subject", "契税");
  }

  /** A body as a JSON printer other than ours might lay it out: spaces, escapes, sign first. */
  private static String handWritten(String valueText, String signOverValue) {
    return "{ \"sign\" : \""
        + signOverValue
        + "\",\n  \"alipay_trade_query_response\" : "
        + valueText
        + " , \"alipay_cert_sn\":\"x\"}";
  }

  @Test
  void ourSignedResponseVerifiesAndGivesTheValueBack() {
    String body = signer.sign(QUERY, paidQuery());
    assertTrue(body.startsWith("{\"alipay_trade_query_response\":{\"code\":\"10000\""));
    AlipayResponseVerifier.Result result = verifier.verify(QUERY, body);
    assertEquals(Status.VERIFIED, result.status(), result.detail());
    assertEquals(paidQuery(), result.value());
    assertEquals("10000", result.code());
  }

  @Test
  void theSignatureCoversTheRawTextSoSpacingAndEscapesAsSentVerify() {
    String valueText =
        "{ \"code\" : \"10000\", \"msg\":\"Success\", \"subject\":\"\\u5951\\u7a0e {a,b}\","
            + " \"nested\":{\"alipay_trade_query_response\":[1,\"]\"]} }";
    String sign =
        SignatureScheme.SHA256_RSA.sign(
            ALIPAY.getPrivate(), valueText.getBytes(StandardCharsets.UTF_8));
    AlipayResponseVerifier.Result result = verifier.verify(QUERY, handWritten(valueText, sign));
    assertEquals(Status.VERIFIED, result.status(), result.detail());
    assertEquals("契税 {a,b}", result.value().getString("subject"));
  }

  @Test
  void reSerialisingTheValueWouldNotVerifyWhichIsWhyTheRawTextIsUsed() {
    String valueText = "{ \"code\" : \"10000\" }";
    String sign = SignatureScheme.SHA256_RSA.sign(ALIPAY.getPrivate(), "{\"code\":\"10000\"}");
    assertEquals(
        Status.BAD_SIGNATURE, verifier.verify(QUERY, handWritten(valueText, sign)).status());
  }

  @Test
  void oneChangedByteInTheValueIsABadSignature() {
    String body = signer.sign(QUERY, paidQuery()).replace("88.88", "88.89");
    assertEquals(Status.BAD_SIGNATURE, verifier.verify(QUERY, body).status());
  }

  @Test
  void aResponseSignedWithAnotherKeyIsABadSignature() {
    String body = new AlipayResponseSigner(STRANGER.getPrivate()).sign(QUERY, paidQuery());
    assertEquals(Status.BAD_SIGNATURE, verifier.verify(QUERY, body).status());
  }

  @Test
  void anUnsignedSuccessIsABadSignatureButAnUnsignedErrorIsReported() {
    assertEquals(
        Status.BAD_SIGNATURE,
        verifier.verify(QUERY, AlipayResponseSigner.unsigned(QUERY, paidQuery())).status());
    JsonObject error =
        new JsonObject()
            .put("code", "40002")
            .put("msg", "Invalid Arguments")
            .put("sub_code", "isv.invalid-signature");
    AlipayResponseVerifier.Result result =
        verifier.verify(QUERY, AlipayResponseSigner.unsigned(QUERY, error));
    assertEquals(Status.UNSIGNED_ERROR, result.status());
    assertEquals("40002", result.code());
  }

  @Test
  void aGatewayErrorUnderErrorResponseIsFound() {
    String body =
        "{\"error_response\":{\"code\":\"40001\",\"msg\":\"Missing Required Arguments\"}}";
    assertEquals(Status.UNSIGNED_ERROR, verifier.verify(QUERY, body).status());
  }

  @Test
  void aBodyForAnotherMethodOrNotJsonIsMalformed() {
    String refundBody = signer.sign("alipay.trade.refund", paidQuery());
    assertEquals(Status.MALFORMED, verifier.verify(QUERY, refundBody).status());
    assertEquals(Status.MALFORMED, verifier.verify(QUERY, "<html>502</html>").status());
    assertEquals(Status.MALFORMED, verifier.verify(QUERY, "[1,2]").status());
  }

  @Test
  void aSecondCopyOfTheMemberCannotRideOnTheSignatureOfTheFirst() {
    String signed = signer.sign(QUERY, paidQuery());
    String forgedCopy = paidQuery().put("total_amount", "0.01").encode();
    String body =
        signed.substring(0, signed.length() - 1)
            + ",\"alipay_trade_query_response\":"
            + forgedCopy
            + "}";
    AlipayResponseVerifier.Result result = verifier.verify(QUERY, body);
    assertEquals(Status.VERIFIED, result.status());
    assertEquals("88.88", result.value().getString("total_amount"));
  }
}
