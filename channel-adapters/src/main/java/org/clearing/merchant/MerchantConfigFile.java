package org.clearing.merchant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.FailsafeSchema;

/**
 * Reads {@code merchant-config.yaml} (schema: {@code channel-adapters/docs/merchant-config.md},
 * beside the example) into a {@link MerchantConfig}. Paths are taken relative to the file's directory; each file is
 * checked to be readable here, its content by {@link MerchantCredentials}. Blocking.
 */
public final class MerchantConfigFile {

  public static final String FILE_NAME = "merchant-config.yaml";
  /** The file format this engine reads; a later format gets a new number. */
  public static final String VERSION = "1";
  /** WeChat's modes: a merchant of its own, or a service provider (服务商) for sub-merchants. */
  public static final String WECHAT_DIRECT = "direct";
  public static final String WECHAT_SERVICE_PROVIDER = "service-provider";

  /** Production addresses, used when a field is left out. */
  public static final String WECHAT_API_URL = "https://api.mch.weixin.qq.com";
  public static final String WECHAT_OAUTH_URL = "https://open.weixin.qq.com";
  public static final String WECHAT_SNS_URL = "https://api.weixin.qq.com";
  public static final String ALIPAY_GATEWAY_URL = "https://openapi.alipay.com/gateway.do";
  public static final String UNIONPAY_FRONT_URL = "https://gateway.95516.com/gateway/api/frontTransReq.do";
  public static final String UNIONPAY_BACK_URL = "https://gateway.95516.com/gateway/api/backTransReq.do";
  public static final String UNIONPAY_QUERY_URL = "https://gateway.95516.com/gateway/api/queryTrans.do";
  public static final String UNIONPAY_FILE_TRANSFER_URL = "https://filedownload.95516.com/";

  /** Channel calls answer in well under a second; a minute is the most any should wait. */
  static final long CALL_TIMEOUT_MS_DEFAULT = 5_000;
  static final long CALL_TIMEOUT_MS_MAX = 60_000;
  /** A configuration file is a few kilobytes; anything far larger is not one. */
  static final int FILE_SIZE_MAX_BYTES = 1 << 20;

  private static final Pattern REGION = Pattern.compile("[0-9]{6}");
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,32}");
  private static final Pattern ALIPAY_PARTNER = Pattern.compile("2088[0-9]{12}");
  private static final Pattern UNIONPAY_MER_ID = Pattern.compile("[0-9A-Za-z]{15}");
  private static final Pattern ID = Pattern.compile("[0-9A-Za-z_\\-]{1,64}");

  private MerchantConfigFile() {}

  public static MerchantConfig read(Path file) {
    Path absolute = file.toAbsolutePath().normalize();
    String text;
    try {
      if (Files.size(absolute) > FILE_SIZE_MAX_BYTES) {
        throw new MerchantConfigException(absolute.getFileName().toString(), "larger than 1 MiB");
      }
      text = Files.readString(absolute);
    } catch (IOException e) {
      throw new MerchantConfigException("--config", "cannot read " + absolute + " (" + e.getClass().getSimpleName() + ")");
    }
    return parse(text, absolute.getParent());
  }

  /** Parses the text of a configuration whose relative paths start at {@code baseDirectory}. */
  public static MerchantConfig parse(String text, Path baseDirectory) {
    Object document;
    try {
      document = new Load(LoadSettings.builder().setSchema(new FailsafeSchema())
          .setAllowDuplicateKeys(false).setLabel(FILE_NAME).build()).loadFromString(text);
    } catch (YamlEngineException e) {
      throw new MerchantConfigException(FILE_NAME, "is not valid YAML: " + firstLine(e.getMessage()));
    }
    ConfigNode root = ConfigNode.of("", document == null ? Map.of() : document, baseDirectory);
    String version = root.optionalText("version").orElse(VERSION);
    if (!VERSION.equals(version)) {
      throw new MerchantConfigException("version", "this engine reads version " + VERSION + ", not " + version);
    }
    MerchantConfig config = new MerchantConfig(
        merchants(root, "wechat", MerchantConfigFile::wechat),
        merchants(root, "alipay", MerchantConfigFile::alipay),
        merchants(root, "unionpay", MerchantConfigFile::unionPay));
    root.finish();
    checkOneMerchantPerRegion("wechat", config.wechat().stream().map(MerchantConfig.Wechat::regions).toList());
    checkOneMerchantPerRegion("alipay", config.alipay().stream().map(MerchantConfig.Alipay::regions).toList());
    checkOneMerchantPerRegion("unionpay", config.unionpay().stream().map(MerchantConfig.UnionPay::regions).toList());
    return config;
  }

  private static <T> List<T> merchants(ConfigNode root, String channel,
      BiFunction<ConfigNode, List<String>, T> reader) {
    List<T> merchants = new ArrayList<>();
    List<Object> items = root.list(channel);
    for (int i = 0; i < items.size(); i++) {
      ConfigNode node = ConfigNode.of(channel + "[" + i + "]", items.get(i), root.resolveBase());
      List<String> regions = node.texts("regions");
      if (regions.isEmpty()) {
        throw new MerchantConfigException(node.field("regions"), "is required: the regions this merchant collects for");
      }
      for (String region : regions) {
        if (!REGION.matcher(region).matches()) {
          throw new MerchantConfigException(node.field("regions"), region + " is not a 6-digit region code");
        }
      }
      T merchant = reader.apply(node, List.copyOf(regions));
      node.finish();
      merchants.add(merchant);
    }
    return merchants;
  }

  private static void checkOneMerchantPerRegion(String channel, List<List<String>> regionsByMerchant) {
    Map<String, Integer> servedBy = new HashMap<>();
    for (int i = 0; i < regionsByMerchant.size(); i++) {
      for (String region : regionsByMerchant.get(i)) {
        Integer earlier = servedBy.putIfAbsent(region, i);
        if (earlier != null) {
          throw new MerchantConfigException(channel + "[" + i + "].regions", "region " + region
              + " is already served by " + channel + "[" + earlier + "]: one merchant per channel per region");
        }
      }
    }
  }

  private static MerchantConfig.Wechat wechat(ConfigNode node, List<String> regions) {
    String mode = node.optionalText("mode").orElse(WECHAT_DIRECT);
    if (!mode.equals(WECHAT_DIRECT) && !mode.equals(WECHAT_SERVICE_PROVIDER)) {
      throw new MerchantConfigException(node.field("mode"), "must be direct or service-provider");
    }
    boolean serviceProvider = mode.equals(WECHAT_SERVICE_PROVIDER);
    // A service provider (服务商) orders as sp_mchid/sp_appid for its sub-merchants; the direct
    // names are refused there (and the sp- names in direct mode), so nobody configures a service
    // provider's id as a direct merchant's by mistake.
    String idPrefix = serviceProvider ? "sp-" : "";
    String wrongPrefix = serviceProvider ? "" : "sp-";
    for (String id : List.of("mchid", "appid")) {
      if (node.has(wrongPrefix + id)) {
        node.raw(wrongPrefix + id);
        throw new MerchantConfigException(node.field(wrongPrefix + id), serviceProvider
            ? "a service provider is named by sp-" + id + " (mode: service-provider)"
            : "is for mode: service-provider; a direct merchant gives " + id);
      }
    }
    ConfigNode urls = node.optionalChild("urls").orElseGet(() -> ConfigNode.of(node.field("urls"), Map.of(), node.resolveBase()));
    List<Path> certificates = new ArrayList<>();
    boolean download = false;
    for (Object item : node.list("platform-certificates")) {
      if ("download".equals(item)) {
        download = true;
      } else if (item instanceof String path) {
        certificates.add(node.resolve("platform-certificates", path));
      } else {
        throw new MerchantConfigException(node.field("platform-certificates"), "must list files or download");
      }
    }
    String publicKeyId = null;
    Path publicKey = null;
    if (node.has("platform-public-key")) {
      ConfigNode key = node.child("platform-public-key");
      publicKeyId = key.matching("id", Pattern.compile("PUB_KEY_ID_[0-9A-Za-z]{1,64}"), "PUB_KEY_ID_ followed by digits");
      publicKey = key.file("file");
      key.finish();
    }
    if (publicKey == null && certificates.isEmpty() && !download) {
      throw new MerchantConfigException(node.field("platform-public-key"),
          "give platform-public-key or platform-certificates: nothing would verify WeChat's answers");
    }
    var wechat = new MerchantConfig.Wechat(node.path(), regions, mode,
        node.matching(idPrefix + "mchid", DIGITS, "digits"), node.matching(idPrefix + "appid", ID, "an app id"),
        node.optionalSecret("app-secret").orElse(null), node.file("merchant-private-key"),
        node.file("merchant-certificate"), node.optionalText("merchant-certificate-serial").orElse(null),
        node.secret("api-v3-key"), publicKeyId, publicKey, List.copyOf(certificates), download,
        urls.url("api", WECHAT_API_URL), urls.url("oauth", WECHAT_OAUTH_URL), urls.url("sns", WECHAT_SNS_URL),
        urls.url("jsapi-cashier", null), urls.optionalText("native-cashier").map(v -> urls.url("native-cashier", v)).orElse(""),
        callTimeoutMs(node), subMchids(node, serviceProvider));
    urls.finish();
    return wechat;
  }

  /**
   * A service provider's sub-merchants (特约商户): the {@code sub_mchid} of each payee account it
   * collects for. Required in service-provider mode, refused in direct mode.
   */
  private static List<String> subMchids(ConfigNode node, boolean serviceProvider) {
    if (!serviceProvider) {
      if (node.has("sub-mchids")) {
        node.raw("sub-mchids");
        throw new MerchantConfigException(node.field("sub-mchids"),
            "is for mode: service-provider; a direct merchant's receivers are sub-order mchids");
      }
      return List.of();
    }
    List<String> subMchids = node.texts("sub-mchids");
    if (subMchids.isEmpty()) {
      throw new MerchantConfigException(node.field("sub-mchids"), "is required in service-provider mode: the"
          + " sub_mchid of each payee account this service provider collects for");
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String subMchid : subMchids) {
      if (!DIGITS.matcher(subMchid).matches()) {
        throw new MerchantConfigException(node.field("sub-mchids"), subMchid + " is not a sub_mchid (digits)");
      }
      if (!seen.add(subMchid)) {
        throw new MerchantConfigException(node.field("sub-mchids"), subMchid + " is listed twice");
      }
    }
    return List.copyOf(subMchids);
  }

  private static MerchantConfig.Alipay alipay(ConfigNode node, List<String> regions) {
    boolean publicKeyMode = node.has("alipay-public-key");
    boolean certificateMode = node.has("alipay-public-key-certificate");
    if (publicKeyMode == certificateMode) {
      throw new MerchantConfigException(node.field("alipay-public-key"), "give alipay-public-key (public-key mode)"
          + " or alipay-public-key-certificate with app-certificate and alipay-root-certificate (certificate mode)");
    }
    String charset = node.optionalText("charset").orElse("utf-8");
    if (!charset.equalsIgnoreCase("utf-8")) {
      throw new MerchantConfigException(node.field("charset"), "only utf-8 is supported");
    }
    return new MerchantConfig.Alipay(node.path(), regions, node.matching("app-id", DIGITS, "digits"),
        node.matching("seller-id", ALIPAY_PARTNER, "2088 followed by 12 digits"), node.file("app-private-key"),
        publicKeyMode ? node.optionalFile("app-public-key").orElse(null) : null,
        publicKeyMode ? node.file("alipay-public-key") : null,
        certificateMode ? node.file("app-certificate") : null,
        certificateMode ? node.file("alipay-public-key-certificate") : null,
        certificateMode ? node.file("alipay-root-certificate") : null,
        node.url("gateway-url", ALIPAY_GATEWAY_URL), "utf-8", callTimeoutMs(node));
  }

  private static MerchantConfig.UnionPay unionPay(ConfigNode node, List<String> regions) {
    // Acquirer access (收单机构接入): every request then carries accessType=1 and this code.
    String acqInsCode = node.has("acq-ins-code")
        ? node.matching("acq-ins-code", org.clearing.channel.unionpay.UnionPayRequests.ACQ_INS_CODE,
            "the acquirer's institution code, 8 to 11 digits")
        : "";
    ConfigNode urls = node.optionalChild("urls").orElseGet(() -> ConfigNode.of(node.field("urls"), Map.of(), node.resolveBase()));
    var unionPay = new MerchantConfig.UnionPay(node.path(), regions,
        node.matching("mer-id", UNIONPAY_MER_ID, "15 characters"), node.file("signing-certificate"),
        node.secret("signing-certificate-password"), node.file("verification-root-certificate"),
        node.file("verification-intermediate-certificate"), urls.url("front", UNIONPAY_FRONT_URL),
        urls.url("back", UNIONPAY_BACK_URL), urls.url("query", UNIONPAY_QUERY_URL),
        urls.url("file-transfer", UNIONPAY_FILE_TRANSFER_URL), node.flag("strict-owner", true),
        callTimeoutMs(node), acqInsCode);
    urls.finish();
    return unionPay;
  }

  private static long callTimeoutMs(ConfigNode node) {
    return node.number("call-timeout-ms", CALL_TIMEOUT_MS_DEFAULT, 1, CALL_TIMEOUT_MS_MAX);
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
