package org.clearing.channel.alipay;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.clearing.channel.Money;
import org.clearing.crypto.SignatureScheme;

/**
 * The merchant side of a gateway call: the full, signed parameter map of one method (the channels' documentation
 * §2.1) and its form body. {@code sign} is base64 SHA256withRSA, with the merchant's private key,
 * over the UTF-8 bytes of {@link AlipaySignContent#request}.
 */
public final class AlipayRequestSigner {

  private final String appId;
  private final PrivateKey merchantKey;
  private final Clock clock;
  private final AlipayCertificateSn certificateSn;

  public AlipayRequestSigner(String appId, PrivateKey merchantKey, Clock clock) {
    this(appId, merchantKey, clock, null);
  }

  /** @param certificateSn in certificate mode, the serial numbers each request names; else null */
  public AlipayRequestSigner(String appId, PrivateKey merchantKey, Clock clock,
      AlipayCertificateSn certificateSn) {
    AlipayOrder.requireText(appId, "appId");
    this.appId = appId;
    this.merchantKey = Objects.requireNonNull(merchantKey, "merchantKey");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.certificateSn = certificateSn;
  }

  public Map<String, String> precreate(AlipayOrder order, String notifyUrl) {
    return sign(AlipayMethod.PRECREATE, AlipayBizContent.precreate(order), notifyUrl, null);
  }

  public Map<String, String> wapPay(AlipayOrder order, String notifyUrl, String returnUrl) {
    return sign(AlipayMethod.WAP_PAY, AlipayBizContent.wapPay(order), notifyUrl, returnUrl);
  }

  public Map<String, String> query(String outTradeNo) {
    return sign(AlipayMethod.QUERY, AlipayBizContent.query(outTradeNo), null, null);
  }

  public Map<String, String> close(String outTradeNo) {
    return sign(AlipayMethod.CLOSE, AlipayBizContent.close(outTradeNo), null, null);
  }

  public Map<String, String> refund(String outTradeNo, Money refundAmount, String outRequestNo) {
    return sign(
        AlipayMethod.REFUND,
        AlipayBizContent.refund(outTradeNo, refundAmount, outRequestNo),
        null,
        null);
  }

  public Map<String, String> refundQuery(String outTradeNo, String outRequestNo) {
    return sign(AlipayMethod.REFUND_QUERY, AlipayBizContent.refundQuery(outTradeNo, outRequestNo), null, null);
  }

  public Map<String, String> billDownloadUrl(LocalDate billDate) {
    return sign(
        AlipayMethod.BILL_DOWNLOAD_URL_QUERY,
        AlipayBizContent.billDownloadUrl(billDate),
        null,
        null);
  }

  /**
   * The signed parameters of one call, in a stable order. {@code notifyUrl} and {@code returnUrl}
   * are left out when null or empty (they would be left out of the signature anyway).
   */
  public Map<String, String> sign(
      AlipayMethod method, String bizContent, String notifyUrl, String returnUrl) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("app_id", appId);
    params.put("method", method.wireName());
    params.put("format", "JSON");
    params.put("charset", "utf-8");
    params.put("sign_type", "RSA2");
    params.put("timestamp", AlipayTime.format(clock.instant()));
    params.put("version", "1.0");
    if (certificateSn != null) {
      // Certificate mode: Alipay picks the app certificate and root by these, and they are signed
      // like every other parameter (the SDK's AlipayConstants.APP_CERT_SN / ALIPAY_ROOT_CERT_SN).
      params.put("app_cert_sn", certificateSn.appCertSn());
      params.put("alipay_root_cert_sn", certificateSn.alipayRootCertSn());
    }
    putIfPresent(params, "notify_url", notifyUrl);
    putIfPresent(params, "return_url", returnUrl);
    params.put("biz_content", Objects.requireNonNull(bizContent, "bizContent"));
    String content = AlipaySignContent.request(params);
    params.put(
        "sign",
        SignatureScheme.SHA256_RSA.sign(merchantKey, content.getBytes(StandardCharsets.UTF_8)));
    return params;
  }

  /** The POST body ({@code application/x-www-form-urlencoded; charset=utf-8}) of signed params. */
  public static String formBody(Map<String, String> signedParams) {
    return AlipayForm.encode(signedParams, StandardCharsets.UTF_8);
  }

  private static void putIfPresent(Map<String, String> params, String key, String value) {
    if (value != null && !value.isEmpty()) {
      params.put(key, value);
    }
  }
}
