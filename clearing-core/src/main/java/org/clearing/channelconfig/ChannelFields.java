package org.clearing.channelconfig;

import java.util.List;
import java.util.Set;
import org.clearing.channel.Channel;

/**
 * Which fields of a channel's merchant entry hold a file's content when kept in the database
 * (certificates and public keys, shown as they are), and which are secrets (write-only, sealed).
 * Everything else is the file's entry as it is: ids, URLs, timeouts. Public for the console's
 * form, which asks for each secret write-only.
 */
public final class ChannelFields {

  /** A secret, and whether the file's entry names it as a file path or as a {@code {file:}} reference. */
  public record Secret(String name, boolean reference, boolean binary) {}

  private ChannelFields() {}

  public static List<Secret> secrets(Channel channel) {
    return switch (channel) {
      case WECHAT -> List.of(new Secret("merchant-private-key", false, false),
          new Secret("api-v3-key", true, false), new Secret("app-secret", true, false));
      case ALIPAY -> List.of(new Secret("app-private-key", false, false));
      case UNIONPAY -> List.of(new Secret("signing-certificate", false, true),
          new Secret("signing-certificate-password", true, false));
    };
  }

  /** Secrets without which the merchant cannot be built; app-secret is optional (no OAuth). */
  static Set<String> requiredSecrets(Channel channel) {
    return switch (channel) {
      case WECHAT -> Set.of("merchant-private-key", "api-v3-key");
      case ALIPAY -> Set.of("app-private-key");
      case UNIONPAY -> Set.of("signing-certificate", "signing-certificate-password");
    };
  }

  /**
   * Top-level fields holding a PEM file's content. WeChat's platform-public-key ({@code {id, pem}})
   * and platform-certificates (PEM texts or {@code download}) are handled apart.
   */
  static List<String> contents(Channel channel) {
    return switch (channel) {
      case WECHAT -> List.of("merchant-certificate");
      case ALIPAY -> List.of("app-public-key", "alipay-public-key", "app-certificate",
          "alipay-public-key-certificate", "alipay-root-certificate");
      case UNIONPAY -> List.of("verification-root-certificate", "verification-intermediate-certificate");
    };
  }
}
