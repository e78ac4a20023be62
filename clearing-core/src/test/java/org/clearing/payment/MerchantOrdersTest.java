package org.clearing.payment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.clearing.channel.Channel;
import org.junit.jupiter.api.Test;

/**
 * Proves that the channel orders a merchant's bill is matched with are exactly those the engine
 * sends to that merchant: for every merchant id a channel order may have recorded (none, the file's
 * merchants', a database merchant's, one no longer configured), {@link ChannelSet#ordersOf} claims
 * it for the one merchant {@link ChannelSet#merchant} resolves it to, and for no other. Pure: the
 * adapters are never called.
 */
class MerchantOrdersTest {

  private static final List<String> RECORDED = Arrays.asList(null, "1900000001", "1900000002", "region-341502",
      "1900000099");

  /** What {@link MerchantOrders#condition} says in SQL, for one recorded id. */
  private static boolean owns(MerchantOrders orders, String recorded) {
    return orders.recorded().contains(recorded == null ? "" : recorded)
        || (orders.everyOtherId() && recorded != null && !orders.claimed().contains(recorded));
  }

  private static void assertEachRecordedIdHasTheMerchantItResolvesTo(ChannelSet channels) {
    for (String recorded : RECORDED) {
      List<String> owners = new ArrayList<>();
      for (ChannelSet.Merchant merchant : channels.merchants(Channel.WECHAT)) {
        if (owns(channels.ordersOf(Channel.WECHAT, merchant), recorded)) {
          owners.add(String.valueOf(merchant.id()));
        }
      }
      List<String> expected = channels.merchant(Channel.WECHAT, recorded)
          .map(m -> List.of(String.valueOf(m.id()))).orElse(List.of());
      assertEquals(expected, owners, "channel orders that recorded " + recorded);
    }
  }

  private static ChannelSet.RegionMerchant configuredInTheDatabase() {
    return new ChannelSet.RegionMerchant("341502", Channel.WECHAT,
        new ChannelSet.Merchant("region-341502", List.of("341502"), null));
  }

  @Test
  void twoMerchantsOfTheFileAndOneOfTheDatabaseEachHaveTheirOwnOrders() {
    ChannelSet channels = ChannelSet.ofMerchants(Map.of(Channel.WECHAT, List.of(
        new ChannelSet.Merchant("1900000001", List.of("341500"), null),
        new ChannelSet.Merchant("1900000002", List.of("341522"), null))), Map.of(), null);
    channels.replaceRegionMerchants(List.of(configuredInTheDatabase()));

    assertEachRecordedIdHasTheMerchantItResolvesTo(channels);
    assertEquals(List.of("1900000001", ""), channels.ordersOf(Channel.WECHAT,
        channels.merchants(Channel.WECHAT).get(0)).recorded(), "the default takes orders that recorded none");
  }

  @Test
  void theOnlyMerchantOfASetBuiltWithoutIdsHasEveryOrderButTheDatabaseMerchants() {
    ChannelSet channels = ChannelSet.ofMerchants(Map.of(Channel.WECHAT, List.of(
        new ChannelSet.Merchant(null, List.of(), null))), Map.of(), null);
    channels.replaceRegionMerchants(List.of(configuredInTheDatabase()));

    assertEachRecordedIdHasTheMerchantItResolvesTo(channels);
  }
}
