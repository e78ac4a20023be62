package org.clearing.merchant;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.clearing.channel.alipay.AlipayAdapter;
import org.clearing.channel.alipay.AlipayCertificateSn;
import org.clearing.channel.alipay.AlipayNotificationVerifier;
import org.clearing.channel.unionpay.UnionPayAdapter;
import org.clearing.channel.wechat.WechatAdapter;
import org.clearing.channel.wechat.WechatPlatformKeys;

/**
 * Turns a {@link MerchantConfig} into adapter settings after checking every key and certificate:
 * each file readable (secrets owner-only), each certificate valid today and chaining to the roots
 * configured beside it, each private key signing a probe its certificate verifies (the start-up
 * round trip), the API v3 key 32 bytes, the .pfx opening with its password. The first problem
 * stops it with a {@link MerchantConfigException} naming the field. Blocking.
 */
public final class MerchantCredentials {

  /** A checked merchant: where it is in the file, which regions it serves, its adapter settings. */
  public record Checked<C>(String field, List<String> regions, C config) {}

  /**
   * Every checked merchant; WeChat merchants that download their platform certificates still
   * need {@link MerchantConfigLoader} to do so before they are complete.
   */
  public record Merchants(List<Checked<WechatAdapter.Config>> wechat, List<Boolean> wechatDownloads,
      List<Checked<AlipayAdapter.Config>> alipay, List<Checked<UnionPayAdapter.Config>> unionpay) {}

  /** WeChat's API v3 key is 32 bytes: the AES-256 key itself (WeChat Pay's documentation). */
  static final int API_V3_KEY_BYTES = 32;

  private MerchantCredentials() {}

  /**
   * @param billRoot downloaded bills go to {@code billRoot/<channel>} (the first merchant) and
   *     {@code billRoot/<channel>-<n>} (the n-th)
   * @param environment where {@code env:} secrets are looked up ({@code System.getenv()})
   */
  public static Merchants check(MerchantConfig config, Path billRoot, Map<String, String> environment,
      Clock clock) {
    Instant now = clock.instant();
    List<Checked<WechatAdapter.Config>> wechat = new ArrayList<>();
    List<Boolean> downloads = new ArrayList<>();
    for (int i = 0; i < config.wechat().size(); i++) {
      MerchantConfig.Wechat merchant = config.wechat().get(i);
      wechat.add(new Checked<>(merchant.field(), merchant.regions(),
          wechat(merchant, bills(billRoot, "wechat", i), environment, now)));
      downloads.add(merchant.downloadPlatformCertificates());
    }
    List<Checked<AlipayAdapter.Config>> alipay = new ArrayList<>();
    for (int i = 0; i < config.alipay().size(); i++) {
      MerchantConfig.Alipay merchant = config.alipay().get(i);
      alipay.add(new Checked<>(merchant.field(), merchant.regions(),
          alipay(merchant, bills(billRoot, "alipay", i), now, clock)));
    }
    List<Checked<UnionPayAdapter.Config>> unionpay = new ArrayList<>();
    for (int i = 0; i < config.unionpay().size(); i++) {
      MerchantConfig.UnionPay merchant = config.unionpay().get(i);
      unionpay.add(new Checked<>(merchant.field(), merchant.regions(),
          unionPay(merchant, bills(billRoot, "unionpay", i), environment, now)));
    }
    return new Merchants(wechat, downloads, alipay, unionpay);
  }

  private static Path bills(Path root, String channel, int index) {
    return root.resolve(index == 0 ? channel : channel + "-" + index);
  }

  static WechatAdapter.Config wechat(MerchantConfig.Wechat m, Path bills, Map<String, String> env,
      Instant now) {
    String f = m.field();
    PrivateKey key = KeyChecks.privateKey(f + ".merchant-private-key", m.merchantPrivateKey());
    X509Certificate certificate = KeyChecks.certificate(f + ".merchant-certificate", m.merchantCertificate(), now);
    KeyChecks.pair(f + ".merchant-private-key", key, certificate.getPublicKey(), "merchant-certificate");
    String serial = WechatPlatformKeys.certificateSerial(certificate);
    if (m.merchantCertificateSerial() != null) {
      // Written as the merchant platform shows it, leading zeros and all: that text is what WeChat
      // registered, so it is sent as written once it names the same number.
      if (!isHex(m.merchantCertificateSerial())
          || !new java.math.BigInteger(m.merchantCertificateSerial(), 16).equals(certificate.getSerialNumber())) {
        throw new MerchantConfigException(f + ".merchant-certificate-serial",
            "is not the serial of merchant-certificate (" + serial + ")");
      }
      serial = m.merchantCertificateSerial().toUpperCase(java.util.Locale.ROOT);
    }
    String apiV3Key = m.apiV3Key().read(f + ".api-v3-key", env);
    if (apiV3Key.getBytes(StandardCharsets.UTF_8).length != API_V3_KEY_BYTES) {
      throw new MerchantConfigException(f + ".api-v3-key", "must be " + API_V3_KEY_BYTES + " bytes, not "
          + apiV3Key.getBytes(StandardCharsets.UTF_8).length);
    }
    String appSecret = m.appSecret() == null ? "" : m.appSecret().read(f + ".app-secret", env);
    WechatPlatformKeys platform = WechatPlatformKeys.empty();
    if (m.platformPublicKey() != null) {
      platform = platform.with(m.platformPublicKeyId(),
          KeyChecks.publicKey(f + ".platform-public-key.file", m.platformPublicKey()));
    }
    for (Path file : m.platformCertificates()) {
      platform = platform.withCertificate(KeyChecks.certificate(f + ".platform-certificates", file, now));
    }
    return new WechatAdapter.Config(m.apiUrl(), m.oauthUrl(), m.snsUrl(), m.jsapiCashierUrl(),
        m.nativeCashierUrl(), m.mchid(), m.appid(), appSecret, serial, key, apiV3Key, platform,
        m.callTimeoutMs(), bills, m.serviceProvider(), m.subMchids());
  }

  private static boolean isHex(String text) {
    return text.matches("[0-9A-Fa-f]{1,64}");
  }

  static AlipayAdapter.Config alipay(MerchantConfig.Alipay m, Path bills, Instant now, Clock clock) {
    String f = m.field();
    PrivateKey key = KeyChecks.privateKey(f + ".app-private-key", m.appPrivateKey());
    PublicKey alipayKey;
    AlipayCertificateSn sn = null;
    if (m.certificateMode()) {
      // The root file holds several roots; the SN names every RSA one, as the SDK does, but only
      // a root valid today anchors a chain.
      List<X509Certificate> allRoots = KeyChecks.certificates(f + ".alipay-root-certificate",
          m.alipayRootCertificate(), null);
      List<X509Certificate> roots = allRoots.stream().filter(root -> KeyChecks.isValid(root, now)).toList();
      X509Certificate app = KeyChecks.certificate(f + ".app-certificate", m.appCertificate(), now);
      KeyChecks.chains(f + ".app-certificate", app, roots, "alipay-root-certificate");
      KeyChecks.pair(f + ".app-private-key", key, app.getPublicKey(), "app-certificate");
      X509Certificate alipayCert = KeyChecks.certificate(f + ".alipay-public-key-certificate",
          m.alipayPublicKeyCertificate(), now);
      KeyChecks.chains(f + ".alipay-public-key-certificate", alipayCert, roots, "alipay-root-certificate");
      alipayKey = alipayCert.getPublicKey();
      sn = AlipayCertificateSn.of(app, allRoots);
    } else {
      if (m.appPublicKey() != null) {
        KeyChecks.pair(f + ".app-private-key", key, KeyChecks.publicKey(f + ".app-public-key", m.appPublicKey()),
            "app-public-key");
      }
      alipayKey = KeyChecks.publicKey(f + ".alipay-public-key", m.alipayPublicKey());
    }
    if (!"RSA".equals(key.getAlgorithm()) || !"RSA".equals(alipayKey.getAlgorithm())) {
      throw new MerchantConfigException(f + ".app-private-key", "Alipay's RSA2 needs RSA keys on both sides");
    }
    return new AlipayAdapter.Config(m.gatewayUrl(), m.appId(), m.sellerId(), key, alipayKey,
        m.callTimeoutMs(), bills, AlipayNotificationVerifier.DEFAULT_NOTIFY_TIME_BOUND, clock, sn);
  }

  static UnionPayAdapter.Config unionPay(MerchantConfig.UnionPay m, Path bills, Map<String, String> env,
      Instant now) {
    String f = m.field();
    char[] password = m.signingCertificatePassword().read(f + ".signing-certificate-password", env).toCharArray();
    KeyStore store = pfx(f, m.signingCertificate(), password);
    PrivateKey key = null;
    X509Certificate certificate = null;
    try {
      for (String alias : Collections.list(store.aliases())) {
        if (store.isKeyEntry(alias)) {
          Key entry = store.getKey(alias, password);
          if (key != null) {
            throw new MerchantConfigException(f + ".signing-certificate", "holds more than one key");
          }
          key = (PrivateKey) entry;
          certificate = (X509Certificate) store.getCertificate(alias);
        }
      }
    } catch (UnrecoverableKeyException e) {
      throw new MerchantConfigException(f + ".signing-certificate-password", "does not open the key in signing-certificate");
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new MerchantConfigException(f + ".signing-certificate", "holds no usable key entry");
    }
    if (key == null || certificate == null) {
      throw new MerchantConfigException(f + ".signing-certificate", "holds no private key with its certificate");
    }
    KeyChecks.valid(f + ".signing-certificate", certificate, now);
    KeyChecks.pair(f + ".signing-certificate", key, certificate.getPublicKey(), "its certificate");
    X509Certificate root = KeyChecks.certificate(f + ".verification-root-certificate", m.verificationRootCertificate(), now);
    KeyChecks.chains(f + ".verification-root-certificate", root, List.of(root), "itself (a root is self-signed)");
    X509Certificate intermediate = KeyChecks.certificate(f + ".verification-intermediate-certificate",
        m.verificationIntermediateCertificate(), now);
    KeyChecks.chains(f + ".verification-intermediate-certificate", intermediate, List.of(root),
        "verification-root-certificate");
    return new UnionPayAdapter.Config(new UnionPayAdapter.Endpoints(m.backUrl(), m.queryUrl(), m.fileTransferUrl()),
        m.merId(), key, certificate, root, intermediate, m.strictOwner(), m.callTimeoutMs(), bills,
        m.acqInsCode());
  }

  /** Opens the PKCS#12 file; a wrong password fails its integrity check, named as such. */
  private static KeyStore pfx(String f, Path file, char[] password) {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
      return store;
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
        throw new MerchantConfigException(f + ".signing-certificate-password", "does not open signing-certificate");
      }
      throw new MerchantConfigException(f + ".signing-certificate", "is not a PKCS#12 (.pfx) file");
    } catch (GeneralSecurityException e) {
      throw new MerchantConfigException(f + ".signing-certificate", "is not a readable PKCS#12 (.pfx) file");
    }
  }
}
