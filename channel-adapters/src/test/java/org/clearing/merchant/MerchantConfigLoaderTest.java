package org.clearing.merchant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.clearing.channel.QueryResult;
import org.clearing.channel.alipay.AlipayAdapter;
import org.clearing.channel.unionpay.UnionPayAdapter;
import org.clearing.channel.unionpay.UnionPayCertificates;
import org.clearing.channel.wechat.WechatAdapter;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.Pem;
import org.clearing.crypto.SecretFiles;
import org.clearing.sandbox.handover.MerchantHandover;
import org.clearing.sandbox.SandboxCertificates;
import org.clearing.sandbox.alipay.AlipayDemo;
import org.clearing.sandbox.unionpay.UnionPayDemo;
import org.clearing.sandbox.wechat.WechatDemo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Proves the configuration the sandboxes hand over loads into adapters that really talk to them
// (every key, certificate and secret checked, WeChat's platform certificates downloaded), and that
// each wrong configuration is refused with the field named: wrong API v3 key, wrong app private
// key, expired or mismatched certificates, a .pfx with the wrong password, missing or unknown fields.
class MerchantConfigLoaderTest {

  static Vertx vertx;
  static WebClient client;
  static Path sandboxes;
  static WechatDemo wechat;
  static AlipayDemo alipay;
  static UnionPayDemo unionPay;
  static Path handedOver;

  @TempDir Path directory;
  Path config;

  @BeforeAll
  static void startSandboxes() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(500)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    client = WebClient.create(vertx);
    sandboxes = Files.createTempDirectory("merchant-config-sandboxes-");
    wechat = await(WechatDemo.start(vertx, sandboxes.resolve("wechat"), 0, 1, Set.of()));
    alipay = await(AlipayDemo.start(vertx, sandboxes.resolve("alipay"), 0, 1, Set.of()));
    unionPay = await(UnionPayDemo.start(vertx, sandboxes.resolve("unionpay"), 0, 1, Set.of()));
    handedOver = sandboxes.resolve("handover");
    MerchantHandover.write(handedOver, MerchantHandover.DEMO_REGIONS, wechat, alipay, unionPay);
  }

  @AfterAll
  static void stopSandboxes() throws Exception {
    await(vertx.close());
  }

  /** Each test works on its own copy of what the sandboxes handed over. */
  @BeforeEach
  void copyHandover() throws Exception {
    try (var files = Files.walk(handedOver)) {
      for (Path source : files.toList()) {
        Path target = directory.resolve(handedOver.relativize(source).toString());
        if (Files.isDirectory(source)) {
          SecretFiles.createDirectories(target);
        } else {
          SecretFiles.write(target, Files.readAllBytes(source));
        }
      }
    }
    config = directory.resolve(MerchantHandover.FILE_NAME);
  }

  static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private MerchantCredentials.Merchants load() throws Exception {
    return await(MerchantConfigLoader.load(vertx, client, config, directory.resolve("bills"), Map.of(),
        Clock.systemUTC()));
  }

  private String refusal() {
    MerchantConfigException e = assertThrows(MerchantConfigException.class, this::load);
    return e.getMessage();
  }

  private void edit(String from, String to) throws Exception {
    String yaml = Files.readString(config);
    assertTrue(yaml.contains(from), "the handed-over file has " + from);
    SecretFiles.writeString(config, yaml.replace(from, to));
  }

  @Test
  void theHandedOverConfigurationBuildsAdaptersThatEachSandboxAnswers() throws Exception {
    MerchantCredentials.Merchants merchants = load();
    assertEquals(MerchantHandover.DEMO_REGIONS, merchants.wechat().get(0).regions());
    WechatAdapter.Config wechatConfig = merchants.wechat().get(0).config();
    // The PUB_KEY_ID key from the file and the certificate downloaded from GET /v3/certificates.
    assertEquals(2, wechatConfig.platformKeys().size());
    assertTrue(wechatConfig.platformKeys().find(
        org.clearing.channel.wechat.WechatPlatformKeys.certificateSerial(wechat.sandbox().platformCertificate())).isPresent());
    AlipayAdapter.Config alipayConfig = merchants.alipay().get(0).config();
    assertNotNull(alipayConfig.certificateSn(), "certificate mode names its certificates in every request");
    UnionPayAdapter.Config unionPayConfig = merchants.unionpay().get(0).config();

    // A query for an order that does not exist: each sandbox answers, each answer verifies.
    assertInstanceOf(QueryResult.NotFound.class,
        await(new WechatAdapter(vertx, client, wechatConfig).query("WQ20990101000001")));
    assertInstanceOf(QueryResult.NotFound.class,
        await(new AlipayAdapter(vertx, client, alipayConfig).query("AQ20990101000001")));
    assertInstanceOf(QueryResult.NotFound.class,
        await(new UnionPayAdapter(vertx, client, unionPayConfig).query("UQ20990101000001")));
  }

  @Test
  void aWrongApiV3KeyIsRefusedWhenThePlatformCertificatesDoNotDecrypt() throws Exception {
    SecretFiles.writeString(directory.resolve("merchant/wechat/apiv3.key"), "0123456789abcdef0123456789abcdef\n");
    String message = refusal();
    assertTrue(message.startsWith("wechat[0].api-v3-key: "), message);
    assertTrue(message.contains("do not decrypt"), message);
  }

  @Test
  void anApiV3KeyOfTheWrongLengthIsRefused() throws Exception {
    SecretFiles.writeString(directory.resolve("merchant/wechat/apiv3.key"), "too-short\n");
    assertEquals("wechat[0].api-v3-key: must be 32 bytes, not 9", refusal());
  }

  @Test
  void aWrongAppPrivateKeyIsRefusedAsNotMatchingTheAppCertificate() throws Exception {
    SecretFiles.writeString(directory.resolve("merchant/alipay/app_private_key.pem"),
        Pem.write(Crypto.generateRsa(2048).getPrivate()));
    assertEquals("alipay[0].app-private-key: does not match app-certificate", refusal());
  }

  @Test
  void anAppCertificateFromAnotherRootIsRefused() throws Exception {
    var keys = Crypto.generateRsa(2048);
    String name = "CN=Other Root";
    var other = SandboxCertificates.authority(name, keys, Instant.now().minus(Duration.ofDays(1)), Duration.ofDays(30));
    SecretFiles.writeString(directory.resolve("merchant/alipay/alipayRootCert.crt"), Pem.write(other));
    assertEquals("alipay[0].app-certificate: does not chain to alipay-root-certificate", refusal());
  }

  @Test
  void anExpiredUnionPaySigningCertificateIsRefused() throws Exception {
    var ca = UnionPayCertificates.root("Expired Test CA", Instant.now().minus(Duration.ofDays(800)), Duration.ofDays(3660));
    var expired = UnionPayCertificates.signing(ca, "041@Z12@" + UnionPayDemo.MER_ID + "@00000001",
        Instant.now().minus(Duration.ofDays(800)), Duration.ofDays(732));
    String password = Files.readString(directory.resolve("merchant/unionpay/acp_sign.password")).trim();
    SecretFiles.write(directory.resolve("merchant/unionpay/acp_sign.pfx"), SandboxCertificates.pkcs12(
        expired.keyPair().getPrivate(), expired.certificate(), password.toCharArray()));
    String message = refusal();
    assertTrue(message.startsWith("unionpay[0].signing-certificate: certificate expired on "), message);
  }

  @Test
  void aPfxWithTheWrongPasswordIsRefused() throws Exception {
    SecretFiles.writeString(directory.resolve("merchant/unionpay/acp_sign.password"), "not-the-password\n");
    assertEquals("unionpay[0].signing-certificate-password: does not open signing-certificate", refusal());
  }

  @Test
  void anIntermediateNotIssuedByTheRootIsRefused() throws Exception {
    var other = UnionPayCertificates.Pki.generate(Clock.systemUTC(), UnionPayCertificates.STRICT_OWNER_SIGNING_CN,
        UnionPayDemo.MER_ID);
    SecretFiles.writeString(directory.resolve("merchant/unionpay/acp_middle.cer"),
        Pem.write(other.intermediate().certificate()));
    assertEquals("unionpay[0].verification-intermediate-certificate: does not chain to verification-root-certificate",
        refusal());
  }

  @Test
  void aWechatKeyNotMatchingItsCertificateIsRefused() throws Exception {
    SecretFiles.writeString(directory.resolve("merchant/wechat/apiclient_key.pem"),
        Pem.write(Crypto.generateRsa(2048).getPrivate()));
    assertEquals("wechat[0].merchant-private-key: does not match merchant-certificate", refusal());
  }

  @Test
  void aMissingFieldIsNamed() throws Exception {
    edit("  mchid: '" + WechatDemo.MCHID + "'\n", "");
    assertEquals("wechat[0].mchid: is required", refusal());
  }

  @Test
  void aMisspeltFieldIsRefusedRatherThanIgnored() throws Exception {
    edit("  seller-id:", "  seler-id: '2088000000000001'\n  seller-id:");
    assertEquals("alipay[0].seler-id: unknown field", refusal());
  }

  @Test
  void aFileThatIsNotThereIsNamed() throws Exception {
    Files.delete(directory.resolve("merchant/unionpay/acp_root.cer"));
    assertEquals("unionpay[0].verification-root-certificate: cannot read file merchant/unionpay/acp_root.cer",
        refusal());
  }

  @Test
  void aSecretOthersMayReadIsRefused() throws Exception {
    Files.setPosixFilePermissions(directory.resolve("merchant/unionpay/acp_sign.password"),
        PosixFilePermissions.fromString("rw-r--r--"));
    String message = refusal();
    assertTrue(message.startsWith("unionpay[0].signing-certificate-password: file acp_sign.password may be read"),
        message);
  }

  @Test
  void aSecretFromTheEnvironmentIsRead() throws Exception {
    String key = Files.readString(directory.resolve("merchant/wechat/apiv3.key")).trim();
    edit("api-v3-key:\n    file: merchant/wechat/apiv3.key", "api-v3-key:\n    env: TEST_API_V3_KEY");
    var merchants = await(MerchantConfigLoader.load(vertx, client, config, directory.resolve("bills"),
        Map.of("TEST_API_V3_KEY", key), Clock.systemUTC()));
    assertEquals(key, merchants.wechat().get(0).config().apiV3Key());
    assertEquals("wechat[0].api-v3-key: environment variable TEST_API_V3_KEY is not set", refusal());
  }

  @Test
  void twoMerchantsOfOneChannelForTheSameRegionAreRefused() throws Exception {
    String yaml = Files.readString(config);
    int from = yaml.indexOf("alipay:\n") + "alipay:\n".length();
    int to = yaml.indexOf("unionpay:");
    String second = yaml.substring(from, to).replace("'341500'", "'341501'");
    SecretFiles.writeString(config, yaml.substring(0, to) + second + yaml.substring(to));
    assertEquals("alipay[1].regions: region 341522 is already served by alipay[0]:"
        + " one merchant per channel per region", refusal());
  }

  @Test
  void aSerialWrittenWithItsLeadingZerosIsSentAsWrittenAndAnotherSerialIsRefused() throws Exception {
    String yaml = Files.readString(config);
    String serial = yaml.lines().filter(line -> line.contains("merchant-certificate-serial:")).findFirst()
        .orElseThrow().replaceAll(".*: *'?([0-9A-Fa-f]+)'?", "$1");
    SecretFiles.writeString(config, yaml.replace(serial, "00" + serial));
    // Checked without the download: the sandbox registered the serial without the zeros.
    assertEquals("00" + serial, MerchantCredentials.check(MerchantConfigFile.read(config), directory,
        Map.of(), Clock.systemUTC()).wechat().get(0).config().merchantSerial());
    SecretFiles.writeString(config, yaml.replace(serial, "ABCDEF"));
    assertTrue(refusal().startsWith("wechat[0].merchant-certificate-serial: is not the serial of merchant-certificate"));
  }

  /** The handed-over WeChat merchant written as a service provider of two sub-merchants. */
  private void asServiceProvider(String subMchids) throws Exception {
    edit("  mode: direct\n  mchid: '" + WechatDemo.MCHID + "'\n  appid:",
        "  mode: service-provider\n  sp-mchid: '" + WechatDemo.MCHID + "'\n" + subMchids + "  sp-appid:");
  }

  @Test
  void aServiceProviderLoadsWithItsSubMerchantsAndAnAcquirersMerchantWithItsCode() throws Exception {
    asServiceProvider("  sub-mchids: ['1900000101', '1900000102']\n");
    edit("  mer-id: '" + UnionPayDemo.MER_ID + "'\n", "  mer-id: '" + UnionPayDemo.MER_ID + "'\n  acq-ins-code: '48020000'\n");
    MerchantCredentials.Merchants merchants = load();
    WechatAdapter.Config serviceProvider = merchants.wechat().get(0).config();
    assertTrue(serviceProvider.serviceProvider());
    assertEquals(WechatDemo.MCHID, serviceProvider.mchid(), "sp_mchid");
    assertEquals(WechatDemo.APPID, serviceProvider.appid(), "sp_appid");
    assertEquals(java.util.List.of("1900000101", "1900000102"), serviceProvider.subMchids());
    assertEquals("48020000", merchants.unionpay().get(0).config().acqInsCode());
  }

  @Test
  void aServiceProviderWithoutSubMerchantsIsRefusedNamingTheField() throws Exception {
    asServiceProvider("");
    assertEquals("wechat[0].sub-mchids: is required in service-provider mode: the sub_mchid of each payee"
        + " account this service provider collects for", refusal());
  }

  @Test
  void aServiceProviderSubMerchantListedTwiceOrMalformedIsRefused() throws Exception {
    asServiceProvider("  sub-mchids: ['1900000101', '1900000101']\n");
    assertEquals("wechat[0].sub-mchids: 1900000101 is listed twice", refusal());
    copyHandover();
    asServiceProvider("  sub-mchids: ['19000x']\n");
    assertEquals("wechat[0].sub-mchids: 19000x is not a sub_mchid (digits)", refusal());
  }

  @Test
  void theIdsOfTheOtherModeAreRefusedNamingTheField() throws Exception {
    edit("  mode: direct\n", "  mode: service-provider\n");
    assertEquals("wechat[0].mchid: a service provider is named by sp-mchid (mode: service-provider)", refusal());
    copyHandover();
    edit("  mchid: '" + WechatDemo.MCHID + "'\n", "  sp-mchid: '" + WechatDemo.MCHID + "'\n");
    assertEquals("wechat[0].sp-mchid: is for mode: service-provider; a direct merchant gives mchid", refusal());
    copyHandover();
    edit("  mode: direct\n", "  mode: direct\n  sub-mchids: ['1900000101']\n");
    assertEquals("wechat[0].sub-mchids: is for mode: service-provider; a direct merchant's receivers are"
        + " sub-order mchids", refusal());
  }

  @Test
  void anAcquirerCodeOfTheWrongShapeIsRefusedNamingTheField() throws Exception {
    edit("  mer-id: '" + UnionPayDemo.MER_ID + "'\n", "  mer-id: '" + UnionPayDemo.MER_ID + "'\n  acq-ins-code: 'A4802'\n");
    assertEquals("unionpay[0].acq-ins-code: must be the acquirer's institution code, 8 to 11 digits", refusal());
  }

  /** The documented example names only known fields, each of the right shape. */
  @Test
  void theDocumentedExampleReadsWithItsFilesInPlace() throws Exception {
    Path example = Path.of("docs", "merchant-config.example.yaml");
    String yaml = Files.readString(example);
    var files = java.util.regex.Pattern.compile("([\\w./-]+\\.(pem|crt|cer|pfx|password)|wechat/app-secret)").matcher(yaml);
    while (files.find()) {
      Path file = directory.resolve("example").resolve(files.group(1));
      SecretFiles.createDirectories(file.getParent());
      SecretFiles.writeString(file, "");
    }
    MerchantConfig read = MerchantConfigFile.parse(yaml, directory.resolve("example"));
    assertEquals(1, read.wechat().size());
    assertEquals("1900000001", read.wechat().get(0).mchid());
    assertTrue(read.alipay().get(0).certificateMode());
    assertEquals("https://filedownload.95516.com", read.unionpay().get(0).fileTransferUrl());
  }
}
