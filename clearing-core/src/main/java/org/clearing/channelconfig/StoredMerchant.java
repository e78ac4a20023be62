package org.clearing.channelconfig;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clearing.channel.Channel;
import org.clearing.crypto.SecretFiles;
import org.clearing.input.FieldError;
import org.clearing.merchant.MerchantConfigException;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * A merchant kept in the database, written out as a one-merchant configuration file in an
 * owner-only scratch directory, so that it is read and checked by exactly the code that reads and
 * checks the file an operator writes ({@code MerchantConfigLoader}): one set of checks, one set of
 * field names. The directory is deleted as soon as the merchant is loaded (keys are then in
 * memory only). Blocking (file I/O).
 */
final class StoredMerchant {

  static final String FILE_NAME = "merchant-config.yaml";

  private StoredMerchant() {}

  /** Writes the configuration into {@code directory} (made owner-only) and returns the file. */
  static Path write(Path directory, String region, Channel channel, JsonObject settings, Map<String, byte[]> secrets)
      throws IOException {
    SecretFiles.createDirectories(directory);
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("regions", new ArrayList<>(List.of(region)));
    for (String key : settings.fieldNames()) {
      entry.put(key, plain(settings.getValue(key)));
    }
    for (String field : ChannelFields.contents(channel)) {
      if (settings.getValue(field) instanceof String pem) {
        entry.put(field, written(directory, field + ".pem", pem.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      }
    }
    if (channel == Channel.WECHAT) {
      wechatPlatform(directory, settings, entry);
    }
    for (ChannelFields.Secret secret : ChannelFields.secrets(channel)) {
      byte[] value = secrets.get(secret.name());
      if (value != null) {
        String file = written(directory, secret.name() + (secret.binary() ? ".pfx" : ""), value);
        entry.put(secret.name(), secret.reference() ? Map.of("file", file) : file);
      }
    }
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("version", "1");
    document.put(channel.code(), List.of(entry));
    Path file = directory.resolve(FILE_NAME);
    SecretFiles.writeString(file, new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build())
        .dumpToString(document));
    return file;
  }

  private static void wechatPlatform(Path directory, JsonObject settings, Map<String, Object> entry)
      throws IOException {
    if (settings.getValue("platform-public-key") instanceof JsonObject key) {
      Map<String, Object> written = new LinkedHashMap<>();
      if (key.getValue("id") != null) {
        written.put("id", plain(key.getValue("id")));
      }
      if (key.getValue("pem") instanceof String pem) {
        written.put("file", written(directory, "platform-public-key.pem", pem.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      }
      entry.put("platform-public-key", written);
    }
    if (settings.getValue("platform-certificates") instanceof JsonArray certificates) {
      List<Object> items = new ArrayList<>();
      for (int i = 0; i < certificates.size(); i++) {
        Object item = certificates.getValue(i);
        items.add("download".equals(item) || !(item instanceof String pem) ? plain(item)
            : written(directory, "platform-certificate-" + i + ".pem", pem.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      }
      entry.put("platform-certificates", items);
    }
  }

  private static String written(Path directory, String name, byte[] content) throws IOException {
    SecretFiles.write(directory.resolve(name), content);
    return name;
  }

  /** JSON values as YAML's plain values: objects and arrays as maps and lists, scalars as text. */
  private static Object plain(Object value) {
    if (value instanceof JsonObject object) {
      Map<String, Object> map = new LinkedHashMap<>();
      object.forEach(e -> map.put(e.getKey(), plain(e.getValue())));
      return map;
    }
    if (value instanceof JsonArray array) {
      List<Object> list = new ArrayList<>();
      array.forEach(item -> list.add(plain(item)));
      return list;
    }
    return value == null ? null : value.toString();
  }

  /**
   * The problem as the administrator wrote the field: {@code wechat[0].api-v3-key} is {@code
   * secrets.api-v3-key}, {@code wechat[0].urls.api} is {@code urls.api}; scratch file paths are
   * left out of the reason.
   */
  static FieldError problem(Channel channel, MerchantConfigException e, Path directory) {
    String field = e.field().replaceFirst("^" + channel.code() + "\\[0\\]\\.?", "");
    String top = field.contains(".") ? field.substring(0, field.indexOf('.')) : field;
    if (ChannelFields.secrets(channel).stream().anyMatch(s -> s.name().equals(top))) {
      field = "secrets." + field;
    }
    if (field.equals("platform-public-key.file")) {
      field = "platform-public-key.pem";
    }
    if (field.isEmpty() || field.equals("version")) {
      field = "settings";
    }
    String reason = e.getMessage().substring(Math.min(e.getMessage().length(), e.field().length() + 2));
    if (directory != null) {
      reason = reason.replace(directory.toString() + "/", "").replace(directory.toString(), "");
    }
    return new FieldError(field, reason);
  }

  /** Deletes the scratch directory and what it holds. */
  static void delete(Path directory) {
    if (directory == null || !Files.exists(directory)) {
      return;
    }
    try (var files = Files.walk(directory)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot delete " + directory, e);
    }
  }
}
