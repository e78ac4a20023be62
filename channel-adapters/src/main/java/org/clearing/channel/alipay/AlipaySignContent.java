package org.clearing.channel.alipay;

import java.util.Map;
import java.util.TreeMap;

/**
 * The two strings Alipay's RSA2 signatures cover (Alipay's documentation). Both take the
 * parameters whose key and value are both non-empty, sort them by key in {@link String} order and
 * join them as {@code k=v&k=v} with raw, not URL-encoded, values. They differ in what else they
 * leave out, and mixing them up is the classic Alipay integration bug, so each has its own name.
 * Neither touches the caller's map.
 *
 * <p>Empty values are left out of the notification form too, although Alipay's documentation says
 * they are kept: the official SDK's {@code getSignCheckContentV1} (4.40.734.ALL, read with javap
 * and checked in AlipaySdkInteropTest) skips any parameter whose key or value is empty, exactly as
 * {@code getSignContent} does. Every Java merchant verifies with that SDK, so that is what Alipay
 * signs, and what our sandbox must sign. A consequence callers must respect: an empty field is not
 * covered by the signature, so an empty value must mean the same as an absent one.
 */
public final class AlipaySignContent {

  private AlipaySignContent() {}

  /**
   * The request form ({@code AlipaySignature.getSignContent} over the parameters before {@code
   * sign} is added): every non-empty parameter except {@code sign}. {@code sign_type} is included.
   */
  public static String request(Map<String, String> params) {
    return join(params, "sign", "sign");
  }

  /**
   * The notification form ({@code AlipaySignature.getSignCheckContentV1}): every non-empty
   * parameter except {@code sign} and {@code sign_type} (§2.3 steps 2 and 3).
   */
  public static String notification(Map<String, String> params) {
    return join(params, "sign", "sign_type");
  }

  private static String join(Map<String, String> params, String excluded, String alsoExcluded) {
    TreeMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, String> entry : params.entrySet()) {
      String key = entry.getKey();
      String value = entry.getValue();
      if (isEmpty(key) || isEmpty(value) || key.equals(excluded) || key.equals(alsoExcluded)) {
        continue;
      }
      sorted.put(key, value);
    }
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
