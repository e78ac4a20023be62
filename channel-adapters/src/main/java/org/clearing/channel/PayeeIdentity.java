package org.clearing.channel;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Who is paid by a channel order, in words every channel shares: the merchant the money goes to,
 * the app it was collected through, the sub-merchant when the merchant acts for one, and the
 * split receivers. Each adapter maps its own fields here (WeChat {@code mchid}/{@code sp_mchid},
 * {@code appid}, {@code sub_mchid}, the sub-orders' {@code mchid}; Alipay {@code seller_id},
 * {@code app_id}, the settle receivers; UnionPay {@code merId}, {@code accessType} with
 * {@code acqInsCode}, {@code subMerId}, the {@code accSplitData} receivers), so the engine can
 * compare what a channel reports with what it sent without knowing any channel's names.
 *
 * <p>A notification is ours only if its identity is {@linkplain #admits admitted} by the one the
 * engine sent: a genuinely signed message naming another merchant is somebody else's money, and
 * booking it would mark our order paid with money we never received.
 *
 * @param merchant the merchant paid; never empty in an identity the engine sends
 * @param app the app or access the payment went through; empty when the channel has none
 * @param subMerchant the sub-merchant paid through the merchant; empty when none is used
 * @param receivers the split receivers, sorted and distinct; in a reported identity empty means
 *     the message does not list them
 */
public record PayeeIdentity(String merchant, String app, String subMerchant, List<String> receivers) {

  /** What a message that names nobody reports; it is admitted by no identity. */
  public static final PayeeIdentity UNREPORTED = new PayeeIdentity("", "", "", List.of());

  public PayeeIdentity {
    merchant = Objects.requireNonNullElse(merchant, "");
    app = Objects.requireNonNullElse(app, "");
    subMerchant = Objects.requireNonNullElse(subMerchant, "");
    receivers = List.copyOf(new TreeSet<>(Objects.requireNonNullElse(receivers, List.of())));
  }

  /** The account's identity alone, without receivers. */
  public static PayeeIdentity of(String merchant, String app, String subMerchant) {
    return new PayeeIdentity(merchant, app, subMerchant, List.of());
  }

  /**
   * Whether a reported identity names this payee: the merchant must be reported and equal; the
   * app, the sub-merchant and the receivers must be equal whenever the message reports them (a
   * message type that does not carry a field cannot contradict it, and a channel's signature
   * covers what it carries, so nobody can drop a field to slip past). A sub-merchant or receivers
   * reported where the engine sent none are somebody else's.
   */
  public boolean admits(PayeeIdentity reported) {
    return admitsAccount(reported)
        && (reported.receivers.isEmpty() || reported.receivers.equals(receivers));
  }

  /** The same for the account alone, ignoring receivers (for a message whose order is unknown). */
  public boolean admitsAccount(PayeeIdentity reported) {
    return !reported.merchant.isEmpty() && reported.merchant.equals(merchant)
        && (reported.app.isEmpty() || reported.app.equals(app))
        && (reported.subMerchant.isEmpty() || reported.subMerchant.equals(subMerchant));
  }

  /** The stored form (JSON), read back by {@link #fromJson}. */
  public String toJson() {
    return new JsonObject().put("merchant", merchant).put("app", app).put("sub_merchant", subMerchant)
        .put("receivers", new JsonArray(receivers)).encode();
  }

  /** Reads the stored form; throws {@link IllegalArgumentException} on anything else. */
  public static PayeeIdentity fromJson(String json) {
    try {
      JsonObject object = new JsonObject(json);
      JsonArray receivers = object.getJsonArray("receivers", new JsonArray());
      return new PayeeIdentity(object.getString("merchant", ""), object.getString("app", ""),
          object.getString("sub_merchant", ""),
          receivers.stream().map(String::valueOf).toList());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a stored payee identity", e);
    }
  }

  /** For log lines: the fields that differ are what a person needs to see. */
  @Override
  public String toString() {
    return "merchant=" + merchant + " app=" + app + " sub_merchant=" + subMerchant
        + " receivers=" + String.join(",", receivers);
  }
}
