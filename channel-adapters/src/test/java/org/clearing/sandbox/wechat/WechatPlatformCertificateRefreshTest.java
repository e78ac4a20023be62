package org.clearing.sandbox.wechat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.Set;
import org.clearing.channel.QueryResult;
import org.clearing.channel.wechat.WechatAdapter;
import org.clearing.channel.wechat.WechatPlatformCertificates;
import org.clearing.channel.wechat.WechatPlatformKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Proves a merchant trusting WeChat's PUB_KEY_ID key and downloading the platform certificates
// follows a certificate rotation: before a refresh, answers signed with the new certificate are
// not trusted; after it, they are, and those of the old certificate still are too.
class WechatPlatformCertificateRefreshTest {

  /** Half the answers are signed with the certificate key: 20 all missing it is one in a million. */
  private static final int QUERIES = 20;

  @TempDir Path directory;
  Vertx vertx;
  WebClient client;
  WechatDemo demo;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    demo = WechatDemoRestartTest.await(WechatDemo.start(vertx, directory, 0, 1, Set.of()));
  }

  @AfterEach
  void stop() throws Exception {
    WechatDemoRestartTest.await(vertx.close());
  }

  private WechatAdapter adapter(String apiV3Key) {
    WechatAdapter.Config c = demo.adapterConfig(directory.resolve("bills"));
    WechatPlatformKeys publicKeyOnly = WechatPlatformKeys.empty()
        .with(demo.sandbox().publicKeyId(), demo.sandbox().platformPublicKey());
    return new WechatAdapter(vertx, client, new WechatAdapter.Config(c.apiBaseUrl(), c.oauthBaseUrl(),
        c.snsBaseUrl(), c.jsapiCashierUrl(), c.nativeCashierUrl(), c.mchid(), c.appid(), c.appSecret(),
        c.merchantSerial(), c.merchantPrivateKey(), apiV3Key, publicKeyOnly, c.callTimeoutMs(), c.billDirectory()));
  }

  private int untrustedAnswers(WechatAdapter adapter) throws Exception {
    int untrusted = 0;
    for (int i = 0; i < QUERIES; i++) {
      QueryResult result = WechatDemoRestartTest.await(adapter.query("WR2099010100000" + (10 + i)));
      if (result instanceof QueryResult.Unknown) {
        untrusted++;
      } else {
        assertInstanceOf(QueryResult.NotFound.class, result);
      }
    }
    return untrusted;
  }

  @Test
  void aRefreshAfterARotationTrustsTheNewCertificateAndKeepsTheOld() throws Exception {
    WechatAdapter adapter = adapter(demo.adapterConfig(directory).apiV3Key());
    assertEquals(2, WechatDemoRestartTest.await(adapter.refreshPlatformCertificates()));
    assertEquals(0, untrustedAnswers(adapter), "public key and first certificate both trusted");

    demo.sandbox().rotatePlatformCertificate();
    assertTrue(untrustedAnswers(adapter) > 0, "the new certificate is not trusted before a refresh");

    assertEquals(3, WechatDemoRestartTest.await(adapter.refreshPlatformCertificates()));
    assertEquals(0, untrustedAnswers(adapter), "after the refresh every answer verifies");
  }

  @Test
  void aRefreshWithTheWrongApiV3KeyFailsAndTrustsNothingNew() throws Exception {
    WechatAdapter adapter = adapter("0123456789abcdef0123456789abcdef");
    WechatPlatformCertificates.DownloadException e = assertThrows(WechatPlatformCertificates.DownloadException.class,
        () -> WechatDemoRestartTest.await(adapter.refreshPlatformCertificates()));
    assertEquals(WechatPlatformCertificates.Problem.UNDECRYPTABLE, e.problem());
    assertTrue(untrustedAnswers(adapter) > 0, "only the public key is trusted still");
  }
}
