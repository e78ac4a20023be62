package org.clearing.channel.alipay;

import java.util.Map;
import java.util.TreeMap;

/**
 * The two strings Alipay's RSA2 signatures cover (channels.md §2.1 and §2.3). Both sort the
 * parameters by key in {@link String} order and join them as {@code k=v&k=v} with raw, not
 * URL-encoded, values. They differ in what they leave out, and mixing them up is the classic
 * Alipay integration bug, so each has its own name. Neither touches the caller's map.
 */
public final class AlipaySignContent {

  private AlipaySignContent() {}

  /**
   * The request form ({@code AlipaySignature.getSignContent}): every parameter whose key and value
   * are both non-empty, except {@code sign}. {@code sign_type} is included.
   */
  public static String request(Map<String, String> params) {
    TreeMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, String> entry : params.entrySet()) {
      String key = entry.getKey();
      String value = entry.getValue();
      if (isEmpty(key) || isEmpty(value) || "sign".equals(key)) {
        continue;
      }
      sorted.put(key, value);
    }
    return join(sorted);
  }

  /**
   * The notification form ({@code AlipaySignature.getSignCheckContentV1}): every parameter that
   * arrived except {@code sign} and {@code sign_type}, empty values included (§2.3 step 2). A
   * null value counts as empty.
   */
  public static String notification(Map<String, String> params) {
    TreeMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, String> entry : params.entrySet()) {
      String key = entry.getKey();
      if (key == null || "sign".equals(key) || "sign_type".equals(key)) {
        continue;
      }
      sorted.put(key, entry.getValue() == null ? "" : entry.getValue());
    }
    return join(sorted);
  }

  private static String join(TreeMap<String, String> sorted) {
    StringBuilder content = new StringBuilder();
    for (Map.Entry<String, String> entry : sorted.entrySet()) {
      if (!content.isEmpty()) {
        content.append('&');
      }
      content.append(entry.getKey()).append('=').append(entry.getValue());
    }
    return content.toString();
  }

  private static boolean isEmpty(String text) {
    return text == null || text.isEmpty();
  }
}
