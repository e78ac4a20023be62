package org.clearing.channelconfig;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.clearing.channel.Channel;
import org.clearing.input.FieldError;

/**
 * The body of {@code PUT /api/v1/admin/channels/{region}/{channel}}: the merchant's entry as in the
 * configuration file (without {@code regions}: the path names the region), certificates and public
 * keys given as their PEM text instead of a file, and the secrets apart under {@code secrets} —
 * write-only, and kept as they are when left out. Shape only; what the values mean is checked by
 * the file's own checks. Pure.
 */
public final class ChannelConfigRequest {

  /** A secret is a key, a .pfx or a short text; 64 KiB is far above any real one. */
  static final int SECRET_BYTES_MAX = 64 * 1024;

  /** A parsed body, or its problems. */
  public sealed interface Result permits Parsed, Invalid {}

  /**
   * @param settings the entry without secrets, as stored and shown
   * @param secrets each given secret's value ({@code signing-certificate}: the .pfx's bytes)
   */
  public record Parsed(JsonObject settings, Map<String, byte[]> secrets) implements Result {}

  public record Invalid(List<FieldError> errors) implements Result {}

  private ChannelConfigRequest() {}

  public static Result parse(Channel channel, JsonObject body) {
    List<FieldError> errors = new ArrayList<>();
    JsonObject settings = body.copy();
    Object secretsValue = settings.remove("secrets");
    Set<String> secretNames = new java.util.HashSet<>();
    ChannelFields.secrets(channel).forEach(s -> secretNames.add(s.name()));
    for (String key : settings.fieldNames()) {
      if (secretNames.contains(key)) {
        errors.add(new FieldError(key, "is a secret: give it under secrets, where it is write-only"));
      } else if (key.equals("regions")) {
        errors.add(new FieldError(key, "is the region in the path; leave it out"));
      }
    }
    for (String field : ChannelFields.contents(channel)) {
      if (settings.containsKey(field) && !(settings.getValue(field) instanceof String)) {
        errors.add(new FieldError(field, "must be the PEM text of the file"));
      }
    }
    if (channel == Channel.WECHAT) {
      wechatPlatform(settings, errors);
    }
    Map<String, byte[]> secrets = new LinkedHashMap<>();
    if (secretsValue != null && !(secretsValue instanceof JsonObject)) {
      errors.add(new FieldError("secrets", "must be an object of secret fields"));
    } else if (secretsValue instanceof JsonObject given) {
      secrets(channel, given, secretNames, secrets, errors);
    }
    return errors.isEmpty() ? new Parsed(settings, secrets) : new Invalid(errors);
  }

  private static void wechatPlatform(JsonObject settings, List<FieldError> errors) {
    Object key = settings.getValue("platform-public-key");
    if (key != null) {
      if (!(key instanceof JsonObject object)) {
        errors.add(new FieldError("platform-public-key", "must be {id, pem}"));
      } else {
        for (String name : object.fieldNames()) {
          if (!name.equals("id") && !name.equals("pem")) {
            errors.add(new FieldError("platform-public-key." + name, "is not a field; give id and pem"));
          }
        }
      }
    }
    Object certificates = settings.getValue("platform-certificates");
    if (certificates != null && !(certificates instanceof JsonArray)) {
      errors.add(new FieldError("platform-certificates", "must list PEM certificates or download"));
    } else if (certificates instanceof JsonArray list) {
      for (int i = 0; i < list.size(); i++) {
        if (!(list.getValue(i) instanceof String)) {
          errors.add(new FieldError("platform-certificates[" + i + "]", "must be a PEM certificate or download"));
        }
      }
    }
  }

  private static void secrets(Channel channel, JsonObject given, Set<String> names, Map<String, byte[]> secrets,
      List<FieldError> errors) {
    for (String name : given.fieldNames()) {
      String field = "secrets." + name;
      Object value = given.getValue(name);
      if (!names.contains(name)) {
        errors.add(new FieldError(field, "is not a secret of " + channel.code() + "; secrets are " + names));
      } else if (!(value instanceof String text) || text.isEmpty()) {
        errors.add(new FieldError(field, "must be a non-empty string"));
      } else if (ChannelFields.secrets(channel).stream().anyMatch(s -> s.name().equals(name) && s.binary())) {
        try {
          secrets.put(name, Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException e) {
          errors.add(new FieldError(field, "must be the .pfx file in base64"));
        }
      } else {
        secrets.put(name, text.getBytes(StandardCharsets.UTF_8));
      }
      if (secrets.containsKey(name) && secrets.get(name).length > SECRET_BYTES_MAX) {
        errors.add(new FieldError(field, "is over " + SECRET_BYTES_MAX + " bytes"));
      }
    }
  }
}
