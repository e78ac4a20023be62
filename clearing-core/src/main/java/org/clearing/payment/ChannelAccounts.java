package org.clearing.payment;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.clearing.channel.Channel;
import org.clearing.routing.LiveRouting;

/**
 * Each payee account's identity at each channel (its receiver), both ways: the account a leg
 * names → the receiver the channel order carries; a receiver a bill line names → the account.
 * Administrators add accounts and receivers while the engine runs, so the engine reads them
 * through {@link #live}; a fixed map serves commands and tests.
 */
public interface ChannelAccounts {

  Optional<String> receiver(Channel channel, String payeeAccountId);

  Optional<String> payeeAccount(Channel channel, String receiver);

  /** The receivers of the routing table as it is at each call. */
  static ChannelAccounts live(LiveRouting routing) {
    return new ChannelAccounts() {
      @Override
      public Optional<String> receiver(Channel channel, String payeeAccountId) {
        return routing.current().receiver(channel, payeeAccountId);
      }

      @Override
      public Optional<String> payeeAccount(Channel channel, String receiver) {
        return routing.current().accountOfReceiver(channel, receiver);
      }
    };
  }

  /** @param byAccount channel → payee account id → receiver */
  static ChannelAccounts fixed(Map<Channel, Map<String, String>> byAccount) {
    Map<Channel, Map<String, String>> forward = Map.copyOf(byAccount);
    Map<Channel, Map<String, String>> reverse = new HashMap<>();
    forward.forEach((channel, accounts) -> {
      Map<String, String> byReceiver = new HashMap<>();
      accounts.forEach((payee, receiver) -> byReceiver.put(receiver, payee));
      reverse.put(channel, byReceiver);
    });
    return new ChannelAccounts() {
      @Override
      public Optional<String> receiver(Channel channel, String payeeAccountId) {
        return Optional.ofNullable(forward.getOrDefault(channel, Map.of()).get(payeeAccountId));
      }

      @Override
      public Optional<String> payeeAccount(Channel channel, String receiver) {
        return Optional.ofNullable(reverse.getOrDefault(channel, Map.of()).get(receiver));
      }
    };
  }
}
