package org.clearing.payment;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.clearing.channel.Channel;

/** Loads each payee account's identity at each channel (configuration, like the routing table). */
public final class ChannelAccountRepository {

  private static final String SELECT =
      "SELECT payee_account_id, channel, channel_account FROM payee_channel_account";

  private final Pool pool;

  public ChannelAccountRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<Map<Channel, Map<String, String>>> load() {
    return pool.query(SELECT).execute().map(rows -> {
      Map<Channel, Map<String, String>> accounts = new EnumMap<>(Channel.class);
      for (Row row : rows) {
        Channel channel = Channel.fromCode(row.getString("channel")).orElseThrow();
        accounts.computeIfAbsent(channel, c -> new HashMap<>())
            .put(row.getString("payee_account_id"), row.getString("channel_account"));
      }
      return accounts;
    });
  }
}
