package org.clearing.payment;

import io.vertx.sqlclient.Tuple;
import java.util.List;

/**
 * Which channel orders are one merchant's, by the merchant id each recorded when it was opened
 * ({@code channel_order.merchant_id}), resolved as {@link ChannelSet#merchant} resolves it: a bill
 * of a merchant is matched, and settles legs, only against that merchant's orders, so a line of
 * merchant A naming an order paid at merchant B is never taken for B's payment.
 *
 * @param merchantId the merchant's id (null: the channel's only merchant, built without one)
 * @param recorded the recorded ids that are this merchant's; {@code ""} stands for none recorded
 *     (orders opened before merchants were recorded, which are the default merchant's)
 * @param everyOtherId whether every recorded id but {@code claimed} is this merchant's too (the
 *     channel's only merchant of a set built without ids)
 * @param claimed the ids of the merchants configured in the database, never this one's
 */
public record MerchantOrders(String merchantId, List<String> recorded, boolean everyOtherId, List<String> claimed) {

  public MerchantOrders {
    recorded = List.copyOf(recorded);
    claimed = List.copyOf(claimed);
  }

  /**
   * The SQL condition that channel order {@code alias} is the merchant's, with its parameters
   * {@code $first} to {@code $first+2} (bound by {@link #bind}). A row with no channel order (NULL
   * merchant_id through an outer join) counts as the default merchant's.
   */
  public static String condition(String alias, int first) {
    String id = "coalesce(" + alias + ".merchant_id, '')";
    return "(" + id + " = ANY($" + first + "::text[]) OR ($" + (first + 1) + "::boolean AND " + alias
        + ".merchant_id IS NOT NULL AND " + alias + ".merchant_id <> ALL($" + (first + 2) + "::text[])))";
  }

  /** Adds the three parameters of {@link #condition} to {@code tuple}. */
  public Tuple bind(Tuple tuple) {
    return tuple.addArrayOfString(recorded.toArray(String[]::new)).addBoolean(everyOtherId)
        .addArrayOfString(claimed.toArray(String[]::new));
  }
}
