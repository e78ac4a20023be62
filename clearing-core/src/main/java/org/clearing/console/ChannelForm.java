package org.clearing.console;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clearing.channel.Channel;
import org.clearing.channelconfig.ChannelFields;
import org.clearing.input.FieldError;

/**
 * The channel configuration page's form: each channel's merchant fields as the configuration file
 * names them (nested ones dotted, {@code urls.api}), and the translation between the form's flat
 * fields and the body {@code PUT /api/v1/admin/channels/{region}/{channel}} takes — so the page
 * saves through the same parsing and checks as the API, and a refusal names the same field the
 * form shows. Secrets are write-only: the form asks for a replacement, never shows a value. Pure.
 */
final class ChannelForm {

  /** How a field is typed: a line of text, a PEM file's text, or one of a few values. */
  enum Kind { TEXT, PEM, CHOICE }

  record Field(String name, Kind kind, List<String> choices) {}

  /** How a secret is typed: a short text, a PEM private key, or a binary file (.pfx) in base64. */
  enum SecretKind { TEXT, PEM, BINARY }

  record Secret(String name, SecretKind kind) {}

  /** WeChat's platform certificates: PEM texts and/or {@code download}, given as these two form fields. */
  static final String PLATFORM_CERTIFICATES = "platform-certificates";
  static final String PLATFORM_CERTIFICATES_PEM = PLATFORM_CERTIFICATES + ".pem";
  static final String PLATFORM_CERTIFICATES_DOWNLOAD = PLATFORM_CERTIFICATES + ".download";
  static final String SECRETS = "secrets.";
  private static final String DOWNLOAD = "download";
  private static final Pattern PEM_BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \\1-----", Pattern.DOTALL);
  private static final Pattern INDEX = Pattern.compile("\\[[0-9]+\\]$");

  private ChannelForm() {}

  static List<Field> fields(Channel channel) {
    return switch (channel) {
      case WECHAT -> List.of(choice("mode", "direct", "service-provider"), text("mchid"), text("appid"),
          pem("merchant-certificate"), text("merchant-certificate-serial"), text("platform-public-key.id"),
          pem("platform-public-key.pem"), pem(PLATFORM_CERTIFICATES_PEM),
          choice(PLATFORM_CERTIFICATES_DOWNLOAD, DOWNLOAD), text("urls.api"), text("urls.oauth"),
          text("urls.sns"), text("urls.jsapi-cashier"), text("urls.native-cashier"), text("call-timeout-ms"));
      case ALIPAY -> List.of(text("app-id"), text("seller-id"), pem("app-public-key"), pem("alipay-public-key"),
          pem("app-certificate"), pem("alipay-public-key-certificate"), pem("alipay-root-certificate"),
          text("gateway-url"), choice("charset", "utf-8"), text("call-timeout-ms"));
      case UNIONPAY -> List.of(text("mer-id"), pem("verification-root-certificate"),
          pem("verification-intermediate-certificate"), text("urls.front"), text("urls.back"), text("urls.query"),
          text("urls.file-transfer"), choice("strict-owner", "true", "false"), text("call-timeout-ms"));
    };
  }

  /** The channel's secrets, as the API takes them (its own list, so the two cannot differ). */
  static List<Secret> secrets(Channel channel) {
    List<Secret> secrets = new ArrayList<>();
    for (ChannelFields.Secret secret : ChannelFields.secrets(channel)) {
      secrets.add(new Secret(secret.name(), secret.binary() ? SecretKind.BINARY
          : secret.reference() ? SecretKind.TEXT : SecretKind.PEM));
    }
    return secrets;
  }

  private static Field text(String name) {
    return new Field(name, Kind.TEXT, List.of());
  }

  private static Field pem(String name) {
    return new Field(name, Kind.PEM, List.of());
  }

  private static Field choice(String name, String... choices) {
    return new Field(name, Kind.CHOICE, List.of(choices));
  }

  /**
   * The PUT body of what the form holds: blank fields left out (a field left out takes its
   * default, or is refused when required, as in the file), secrets under {@code secrets} only
   * when a replacement is given (left out, the stored one is kept).
   */
  static JsonObject body(Channel channel, Function<String, String> form) {
    JsonObject body = new JsonObject();
    JsonArray platformCertificates = new JsonArray();
    for (Field field : fields(channel)) {
      String value = form.apply(field.name());
      if (value == null || value.isBlank()) {
        continue;
      }
      if (field.name().equals(PLATFORM_CERTIFICATES_PEM)) {
        Matcher blocks = PEM_BLOCK.matcher(value);
        while (blocks.find()) {
          platformCertificates.add(blocks.group() + "\n");
        }
        if (platformCertificates.isEmpty()) {
          platformCertificates.add(pemText(value));
        }
      } else if (field.name().equals(PLATFORM_CERTIFICATES_DOWNLOAD)) {
        platformCertificates.add(value.strip());
      } else {
        put(body, field.name(), field.kind() == Kind.PEM ? pemText(value) : value.strip());
      }
    }
    if (!platformCertificates.isEmpty()) {
      body.put(PLATFORM_CERTIFICATES, platformCertificates);
    }
    JsonObject secrets = new JsonObject();
    for (Secret secret : secrets(channel)) {
      String value = form.apply(SECRETS + secret.name());
      if (value == null || value.isBlank()) {
        continue;
      }
      secrets.put(secret.name(), switch (secret.kind()) {
        case PEM -> pemText(value);
        case BINARY -> value.replaceAll("\\s", "");
        case TEXT -> value.strip();
      });
    }
    if (!secrets.isEmpty()) {
      body.put("secrets", secrets);
    }
    return body;
  }

  /** The form's values of stored settings (never a secret: settings hold none). */
  static Map<String, String> values(Channel channel, JsonObject settings) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Field field : fields(channel)) {
      if (field.name().startsWith(PLATFORM_CERTIFICATES)) {
        continue;
      }
      Object value = get(settings, field.name());
      values.put(field.name(), value == null ? "" : value.toString());
    }
    StringBuilder pems = new StringBuilder();
    String download = "";
    if (settings.getValue(PLATFORM_CERTIFICATES) instanceof JsonArray list) {
      for (Object item : list) {
        if (DOWNLOAD.equals(item)) {
          download = DOWNLOAD;
        } else if (item != null) {
          pems.append(item);
        }
      }
    }
    if (channel == Channel.WECHAT) {
      values.put(PLATFORM_CERTIFICATES_PEM, pems.toString());
      values.put(PLATFORM_CERTIFICATES_DOWNLOAD, download);
    }
    return values;
  }

  /** What the administrator typed, to show again with the errors: every field but the secrets. */
  static Map<String, String> typed(Channel channel, Function<String, String> form) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Field field : fields(channel)) {
      String value = form.apply(field.name());
      values.put(field.name(), value == null ? "" : value);
    }
    return values;
  }

  /**
   * The form field a refusal names: {@code platform-certificates[1]} is the certificates' text
   * area, {@code wechat[0].urls} or {@code settings} none (shown above the form only).
   */
  static String formField(Channel channel, FieldError error) {
    String field = INDEX.matcher(error.field()).replaceFirst("");
    if (field.equals(PLATFORM_CERTIFICATES)) {
      return PLATFORM_CERTIFICATES_PEM;
    }
    if (field.equals("platform-public-key.file")) {
      return "platform-public-key.pem";
    }
    for (Field known : fields(channel)) {
      if (known.name().equals(field)) {
        return field;
      }
    }
    for (Secret secret : secrets(channel)) {
      if ((SECRETS + secret.name()).equals(field)) {
        return field;
      }
    }
    return "";
  }

  private static String pemText(String value) {
    return value.replace("\r\n", "\n").strip() + "\n";
  }

  private static void put(JsonObject body, String name, String value) {
    int dot = name.indexOf('.');
    if (dot < 0) {
      body.put(name, value);
      return;
    }
    JsonObject child = body.getJsonObject(name.substring(0, dot));
    if (child == null) {
      child = new JsonObject();
      body.put(name.substring(0, dot), child);
    }
    child.put(name.substring(dot + 1), value);
  }

  private static Object get(JsonObject settings, String name) {
    int dot = name.indexOf('.');
    if (dot < 0) {
      return settings.getValue(name);
    }
    return settings.getValue(name.substring(0, dot)) instanceof JsonObject child
        ? child.getValue(name.substring(dot + 1)) : null;
  }
}
