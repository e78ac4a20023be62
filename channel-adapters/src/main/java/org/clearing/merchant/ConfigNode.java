package org.clearing.merchant;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One mapping of the configuration file, read field by field. Every scalar is text (the file is
 * read with the failsafe schema, so {@code mchid: 1900000001} stays the string it is); every
 * problem is a {@link MerchantConfigException} naming the field's full path; a key nobody asked
 * for is refused by {@link #finish()} so a misspelt field is not silently ignored.
 */
final class ConfigNode {

  private final String path;
  private final Map<String, Object> values;
  private final Path baseDirectory;
  private final Set<String> read = new HashSet<>();

  ConfigNode(String path, Map<String, Object> values, Path baseDirectory) {
    this.path = path;
    this.values = values;
    this.baseDirectory = baseDirectory;
  }

  /** The mapping at {@code value}, or a problem named {@code path}. */
  @SuppressWarnings("unchecked")
  static ConfigNode of(String path, Object value, Path baseDirectory) {
    if (!(value instanceof Map<?, ?> map)) {
      throw new MerchantConfigException(path, "must be a mapping of fields");
    }
    return new ConfigNode(path, new LinkedHashMap<>((Map<String, Object>) map), baseDirectory);
  }

  Path resolveBase() {
    return baseDirectory;
  }

  String path() {
    return path;
  }

  String field(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  boolean has(String key) {
    return values.containsKey(key);
  }

  Object raw(String key) {
    read.add(key);
    return values.get(key);
  }

  String text(String key) {
    return optionalText(key).orElseThrow(() -> new MerchantConfigException(field(key), "is required"));
  }

  Optional<String> optionalText(String key) {
    Object value = raw(key);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String text)) {
      throw new MerchantConfigException(field(key), "must be a single value");
    }
    String trimmed = text.trim();
    if (trimmed.isEmpty()) {
      throw new MerchantConfigException(field(key), "must not be empty");
    }
    return Optional.of(trimmed);
  }

  String matching(String key, Pattern pattern, String shape) {
    String value = text(key);
    if (!pattern.matcher(value).matches()) {
      throw new MerchantConfigException(field(key), "must be " + shape);
    }
    return value;
  }

  long number(String key, long fallback, long min, long max) {
    Optional<String> value = optionalText(key);
    if (value.isEmpty()) {
      return fallback;
    }
    try {
      long parsed = Long.parseLong(value.get());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // Reported below with the allowed range.
    }
    throw new MerchantConfigException(field(key), "must be a whole number from " + min + " to " + max);
  }

  boolean flag(String key, boolean fallback) {
    Optional<String> value = optionalText(key);
    if (value.isEmpty()) {
      return fallback;
    }
    return switch (value.get()) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new MerchantConfigException(field(key), "must be true or false");
    };
  }

  /** An http(s) URL without query or fragment, trailing slashes removed. */
  String url(String key, String fallback) {
    String value = optionalText(key).orElse(fallback);
    if (value == null) {
      throw new MerchantConfigException(field(key), "is required");
    }
    try {
      URI uri = URI.create(value);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
          && uri.getQuery() == null && uri.getFragment() == null) {
        return value.replaceAll("/+$", "");
      }
    } catch (IllegalArgumentException e) {
      // Reported below.
    }
    throw new MerchantConfigException(field(key), "must be an http(s) URL without query or fragment");
  }

  /** A readable file, relative paths taken from the configuration file's directory. */
  Path file(String key) {
    return optionalFile(key).orElseThrow(() -> new MerchantConfigException(field(key), "is required"));
  }

  Optional<Path> optionalFile(String key) {
    return optionalText(key).map(value -> readableFile(field(key), value));
  }

  private Path readableFile(String field, String value) {
    Path file = baseDirectory.resolve(value).normalize();
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new MerchantConfigException(field, "cannot read file " + value);
    }
    return file;
  }

  /** {@code {file: PATH}} or {@code {env: NAME}}. */
  SecretRef secret(String key) {
    return optionalSecret(key).orElseThrow(() -> new MerchantConfigException(field(key), "is required"));
  }

  Optional<SecretRef> optionalSecret(String key) {
    if (raw(key) == null) {
      return Optional.empty();
    }
    ConfigNode node = child(key);
    Optional<String> file = node.optionalText("file");
    Optional<String> env = node.optionalText("env");
    node.finish();
    if (file.isPresent() == env.isPresent()) {
      throw new MerchantConfigException(field(key), "give exactly one of file or env");
    }
    return Optional.of(new SecretRef(file.map(f -> readableFile(node.field("file"), f)).orElse(null),
        env.orElse(null)));
  }

  ConfigNode child(String key) {
    return of(field(key), raw(key), baseDirectory);
  }

  Optional<ConfigNode> optionalChild(String key) {
    return raw(key) == null ? Optional.empty() : Optional.of(child(key));
  }

  /** A sequence of values; a single value is taken as a sequence of one. */
  List<Object> list(String key) {
    Object value = raw(key);
    if (value == null) {
      return List.of();
    }
    return value instanceof List<?> items ? new ArrayList<>(items) : List.of(value);
  }

  List<String> texts(String key) {
    List<String> texts = new ArrayList<>();
    for (Object item : list(key)) {
      if (!(item instanceof String text) || text.isBlank()) {
        throw new MerchantConfigException(field(key), "must be a list of values");
      }
      texts.add(text.trim());
    }
    return texts;
  }

  Path resolve(String key, String value) {
    return readableFile(field(key), value);
  }

  /** Refuses keys no one read: a misspelt optional field would otherwise be ignored. */
  void finish() {
    for (String key : values.keySet()) {
      if (!read.contains(key)) {
        throw new MerchantConfigException(field(key), "unknown field");
      }
    }
  }
}
