package org.clearing.channel.wechat;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SignatureBase;

/**
 * Downloads the WeChat platform certificates ({@code GET /v3/certificates}, WeChat Pay's documentation):
 * each comes encrypted with the merchant's API v3 key, so a certificate that will not decrypt
 * means a wrong API v3 key — the one mistake in a WeChat configuration nothing else reveals
 * before the first callback is refused. The answer's signature is checked with the keys already
 * trusted plus the certificates just downloaded, as the official SDK does on first download.
 */
public final class WechatPlatformCertificates {

  /** Why a download gave nothing usable; each points at a different configuration field. */
  public enum Problem { UNREACHABLE, REFUSED, UNDECRYPTABLE, UNVERIFIED, MALFORMED, NONE_VALID }

  /** A download that failed, with the kind of problem. */
  public static final class DownloadException extends RuntimeException {
    private final Problem problem;

    DownloadException(Problem problem, String message) {
      super(message, null, false, false);
      this.problem = problem;
    }

    public Problem problem() {
      return problem;
    }
  }

  static final String PATH = "/v3/certificates";

  private WechatPlatformCertificates() {}

  /** The currently valid platform certificates, or a {@link DownloadException}. */
  public static Future<List<X509Certificate>> download(Vertx vertx, WebClient client,
      WechatAdapter.Config config, Clock clock) {
    WechatRequestSigner signer = new WechatRequestSigner(config.mchid(), config.merchantSerial(),
        config.merchantPrivateKey(), clock);
    return vertx.executeBlocking(() -> signer.authorization("GET", PATH, new byte[0]))
        .compose(auth -> client.getAbs(config.apiBaseUrl() + PATH).timeout(config.callTimeoutMs())
            .putHeader("Authorization", auth).putHeader("Accept", "application/json").send())
        .recover(e -> Future.failedFuture(new DownloadException(Problem.UNREACHABLE,
            "GET " + config.apiBaseUrl() + PATH + ": " + e.getClass().getSimpleName() + " " + e.getMessage())))
        .compose(response -> vertx.executeBlocking(() -> certificates(response, config, clock)));
  }

  private static List<X509Certificate> certificates(HttpResponse<Buffer> response,
      WechatAdapter.Config config, Clock clock) {
    byte[] raw = response.bodyAsBuffer() == null ? new byte[0] : response.bodyAsBuffer().getBytes();
    String text = new String(raw, StandardCharsets.UTF_8);
    if (response.statusCode() != 200) {
      throw new DownloadException(Problem.REFUSED, "HTTP " + response.statusCode() + " "
          + text.substring(0, Math.min(text.length(), 200)));
    }
    List<X509Certificate> downloaded = new ArrayList<>();
    JsonArray data;
    try {
      data = new JsonObject(text).getJsonArray("data");
    } catch (RuntimeException e) {
      throw new DownloadException(Problem.MALFORMED, "answer is not the certificates JSON");
    }
    if (data == null) {
      throw new DownloadException(Problem.MALFORMED, "answer has no data");
    }
    for (int i = 0; i < data.size(); i++) {
      downloaded.add(decrypt(data.getJsonObject(i), config.apiV3Key()));
    }
    verifySignature(response.headers(), raw, config.platformKeys(), downloaded);
    List<X509Certificate> valid = new ArrayList<>();
    Date now = Date.from(clock.instant());
    for (X509Certificate certificate : downloaded) {
      try {
        certificate.checkValidity(now);
        valid.add(certificate);
      } catch (CertificateExpiredException | CertificateNotYetValidException e) {
        // During a rotation the list holds an old certificate near its end and a new one: an
        // expired one is simply no longer trusted.
      }
    }
    if (valid.isEmpty()) {
      throw new DownloadException(Problem.NONE_VALID, "no platform certificate is currently valid");
    }
    return valid;
  }

  private static X509Certificate decrypt(JsonObject item, String apiV3Key) {
    JsonObject sealed = item == null ? null : item.getJsonObject("encrypt_certificate");
    if (sealed == null || !AeadCipher.isValidNonce(sealed.getString("nonce"))
        || sealed.getString("ciphertext") == null) {
      throw new DownloadException(Problem.MALFORMED, "a certificate entry has no encrypt_certificate");
    }
    Optional<AeadCipher> cipher = AeadCipher.forAlgorithm(sealed.getString("algorithm", ""), apiV3Key);
    if (cipher.isEmpty()) {
      throw new DownloadException(Problem.MALFORMED, "unknown algorithm " + sealed.getString("algorithm"));
    }
    byte[] pem = cipher.get().decrypt(sealed.getString("associated_data", ""), sealed.getString("nonce"),
        sealed.getString("ciphertext")).orElseThrow(() -> new DownloadException(Problem.UNDECRYPTABLE,
            "the platform certificate does not decrypt with this API v3 key"));
    X509Certificate certificate;
    try {
      certificate = Pem.readCertificate(new String(pem, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new DownloadException(Problem.MALFORMED, "a decrypted certificate is not a certificate");
    }
    if (!WechatPlatformKeys.certificateSerial(certificate).equals(item.getString("serial_no"))) {
      throw new DownloadException(Problem.MALFORMED, "serial_no does not match the certificate");
    }
    return certificate;
  }

  private static void verifySignature(MultiMap headers, byte[] raw, WechatPlatformKeys trusted,
      List<X509Certificate> downloaded) {
    WechatPlatformKeys keys = trusted;
    for (X509Certificate certificate : downloaded) {
      keys = keys.withCertificate(certificate);
    }
    String serial = headers.get("Wechatpay-Serial");
    String signature = headers.get("Wechatpay-Signature");
    String timestamp = headers.get("Wechatpay-Timestamp");
    String nonce = headers.get("Wechatpay-Nonce");
    if (serial == null || signature == null || timestamp == null || nonce == null) {
      throw new DownloadException(Problem.UNVERIFIED, "answer is not signed");
    }
    var key = keys.find(serial).orElseThrow(() ->
        new DownloadException(Problem.UNVERIFIED, "answer signed by an unknown key " + serial));
    if (!key.type().scheme().verify(key.publicKey(), SignatureBase.notification(timestamp, nonce, raw), signature)) {
      throw new DownloadException(Problem.UNVERIFIED, "answer signature does not verify");
    }
  }
}
