package org.clearing.sandbox.handover;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clearing.crypto.SecretFiles;
import org.clearing.sandbox.alipay.AlipayDemo;
import org.clearing.sandbox.unionpay.UnionPayDemo;
import org.clearing.sandbox.wechat.WechatDemo;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * What the three sandboxes hand a merchant, written as a real deployment's configuration: {@code
 * merchant-config.yaml} and, under {@code merchant/<channel>/}, the keys, certificates and secret
 * files it names (secrets 0600). The engine reads it with {@code --config} exactly as it reads a
 * real merchant's. Blocking.
 */
public final class MerchantHandover {

  public static final String FILE_NAME = "merchant-config.yaml";
  /** The demo regions (the seeded 341500 and 341522), served by one merchant per channel. */
  public static final List<String> DEMO_REGIONS = List.of("341500", "341522");

  private static final String HEADER = """
      # Merchant configuration handed over by the clearing sandboxes (WeChat Pay, Alipay, UnionPay).
      # Written by the sandboxes on every start; the engine reads it with --config. Its schema and
      # a commented example per channel: channel-adapters/docs/merchant-config.md in the repository.
      """;

  private MerchantHandover() {}

  /** Writes the configuration into {@code directory} and returns the file's path. */
  public static Path write(Path directory, List<String> regions, WechatDemo wechat, AlipayDemo alipay,
      UnionPayDemo unionPay) throws IOException {
    SecretFiles.createDirectories(directory.resolve("merchant"));
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("version", "1");
    document.put("wechat", List.of(withRegions(regions,
        wechat.handOver(directory.resolve("merchant/wechat"), "merchant/wechat"))));
    document.put("alipay", List.of(withRegions(regions,
        alipay.handOver(directory.resolve("merchant/alipay"), "merchant/alipay"))));
    document.put("unionpay", List.of(withRegions(regions,
        unionPay.handOver(directory.resolve("merchant/unionpay"), "merchant/unionpay"))));
    String yaml = new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build())
        .dumpToString(document);
    Path file = directory.resolve(FILE_NAME);
    // 0600 although it holds no secret value: it says where the secrets are.
    SecretFiles.writeString(file, HEADER + yaml);
    return file;
  }

  private static Map<String, Object> withRegions(List<String> regions, Map<String, Object> entry) {
    Map<String, Object> merchant = new LinkedHashMap<>();
    // A list of its own per merchant: a shared one would be written as a YAML alias.
    merchant.put("regions", new java.util.ArrayList<>(regions));
    merchant.putAll(entry);
    return merchant;
  }
}
