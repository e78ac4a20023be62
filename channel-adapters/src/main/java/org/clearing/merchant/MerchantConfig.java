package org.clearing.merchant;

import java.nio.file.Path;
import java.util.List;

/**
 * The merchants the engine collects through, as an operator writes them down: ids, URLs, and
 * where each key, certificate and secret is kept — never a secret's value. One merchant per
 * channel per region; a merchant may serve several regions. Read from a file by {@link
 * MerchantConfigFile}, turned into checked adapter settings by {@link MerchantCredentials}; a
 * later store in the database keeps the same fields.
 *
 * <p>Each merchant carries {@code field}, its place in the file ({@code alipay[0]}), so every
 * problem found later names the line to fix. Nullable fields are optional.
 */
public record MerchantConfig(List<Wechat> wechat, List<Alipay> alipay, List<UnionPay> unionpay) {

  public MerchantConfig {
    wechat = List.copyOf(wechat);
    alipay = List.copyOf(alipay);
    unionpay = List.copyOf(unionpay);
  }

  /**
   * A WeChat Pay merchant (API v3).
   *
   * @param mode {@code direct}, or {@code service-provider} (服务商): then {@code mchid} and {@code
   *     appid} are the service provider's {@code sp_mchid} and {@code sp_appid}, written {@code
   *     sp-mchid} and {@code sp-appid} in the file, and each payee account's WeChat receiver is its
   *     {@code sub_mchid}
   * @param subMchids a service provider's sub-merchants ({@code sub-mchids}): the payee accounts'
   *     WeChat receivers must be among them; empty for a direct merchant
   * @param appSecret the official account's secret for the OAuth code exchange; null when payers
   *     are not identified in WeChat
   * @param merchantCertificateSerial null: taken from the certificate
   * @param platformPublicKeyId with {@code platformPublicKey}: the {@code PUB_KEY_ID_…} key
   * @param platformCertificates certificate files trusted as they are
   * @param downloadPlatformCertificates fetch the platform certificates from {@code GET
   *     /v3/certificates} at start-up, decrypted with the API v3 key
   */
  public record Wechat(String field, List<String> regions, String mode, String mchid, String appid,
      SecretRef appSecret, Path merchantPrivateKey, Path merchantCertificate,
      String merchantCertificateSerial, SecretRef apiV3Key, String platformPublicKeyId,
      Path platformPublicKey, List<Path> platformCertificates, boolean downloadPlatformCertificates,
      String apiUrl, String oauthUrl, String snsUrl, String jsapiCashierUrl, String nativeCashierUrl,
      long callTimeoutMs, List<String> subMchids) {

    public Wechat {
      subMchids = List.copyOf(subMchids);
    }

    public boolean serviceProvider() {
      return MerchantConfigFile.WECHAT_SERVICE_PROVIDER.equals(mode);
    }
  }

  /**
   * An Alipay app. Public-key mode gives {@code alipayPublicKey} (and optionally
   * {@code appPublicKey}, to check the private key against); certificate mode gives the three
   * certificates instead.
   */
  public record Alipay(String field, List<String> regions, String appId, String sellerId,
      Path appPrivateKey, Path appPublicKey, Path alipayPublicKey, Path appCertificate,
      Path alipayPublicKeyCertificate, Path alipayRootCertificate, String gatewayUrl,
      String charset, long callTimeoutMs) {

    public boolean certificateMode() {
      return alipayPublicKeyCertificate != null;
    }
  }

  /**
   * A UnionPay merchant: the signing certificate as UnionPay issues it (PKCS#12) and the
   * certificates that UnionPay's own signatures must chain to.
   *
   * @param acqInsCode the acquirer the merchant is connected through (收单机构接入); empty for a
   *     merchant connected directly
   */
  public record UnionPay(String field, List<String> regions, String merId, Path signingCertificate,
      SecretRef signingCertificatePassword, Path verificationRootCertificate,
      Path verificationIntermediateCertificate, String frontUrl, String backUrl, String queryUrl,
      String fileTransferUrl, boolean strictOwner, long callTimeoutMs, String acqInsCode) {}
}
