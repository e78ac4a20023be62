package org.clearing.recon.match;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Per payee account, what the channel settled against what the engine expects for one channel and
 * business day. The engine feeds the legs it expects
 * (every leg of the payments booked that day) and the legs the channel settled (from the day's
 * reconciled bill); a leg is named by its payment ({@code outTradeNo}) and its payee account,
 * which is unique because an order has one leg per payee account.
 *
 * <p>A leg expected and not settled is <em>missing</em>; settled and not expected, <em>excess</em>;
 * on both sides with different amounts, <em>mismatched</em> (counted on both sides, not as missing
 * or excess). So for each account: {@code expectedFen - missingFen - settledFen + excessFen} is the
 * sum of the mismatched legs' differences, zero when the account got exactly what it was owed.
 * Pure and deterministic: accounts come out sorted, the input order does not matter.
 */
public final class SettlementComparison {

  private SettlementComparison() {}

  /** One leg: its payee account, its payment's out_trade_no and its amount in fen. */
  public record Leg(String payeeAccountId, String outTradeNo, long amountFen) {
    public Leg {
      Objects.requireNonNull(payeeAccountId, "payeeAccountId");
      Objects.requireNonNull(outTradeNo, "outTradeNo");
    }
  }

  /** One account's comparison; amounts in fen. */
  public record AccountSettlement(
      String payeeAccountId,
      int legsExpected,
      long expectedFen,
      int legsSettled,
      long settledFen,
      int legsMissing,
      long missingFen,
      int legsExcess,
      long excessFen,
      int legsMismatched) {

    /** Whether the account got exactly what the engine expects. */
    public boolean balanced() {
      return legsMissing == 0 && legsExcess == 0 && legsMismatched == 0 && expectedFen == settledFen;
    }
  }

  /**
   * Compares the legs. A leg named twice on one side (which the engine's one-leg-per-account rule
   * excludes) is summed, so no fen is ever dropped from a total.
   */
  public static List<AccountSettlement> compare(Collection<Leg> expected, Collection<Leg> settled) {
    Map<String, Map<String, long[]>> expectedByAccount = group(expected);
    Map<String, Map<String, long[]>> settledByAccount = group(settled);
    TreeMap<String, Boolean> accounts = new TreeMap<>();
    expectedByAccount.keySet().forEach(a -> accounts.put(a, true));
    settledByAccount.keySet().forEach(a -> accounts.put(a, true));
    List<AccountSettlement> result = new ArrayList<>(accounts.size());
    for (String account : accounts.keySet()) {
      result.add(account(account, expectedByAccount.getOrDefault(account, Map.of()),
          settledByAccount.getOrDefault(account, Map.of())));
    }
    return result;
  }

  private static AccountSettlement account(String account, Map<String, long[]> expected,
      Map<String, long[]> settled) {
    int legsExpected = 0;
    long expectedFen = 0;
    int legsMissing = 0;
    long missingFen = 0;
    int legsMismatched = 0;
    for (Map.Entry<String, long[]> leg : expected.entrySet()) {
      legsExpected += (int) leg.getValue()[1];
      expectedFen = Math.addExact(expectedFen, leg.getValue()[0]);
      long[] other = settled.get(leg.getKey());
      if (other == null) {
        legsMissing += (int) leg.getValue()[1];
        missingFen = Math.addExact(missingFen, leg.getValue()[0]);
      } else if (other[0] != leg.getValue()[0]) {
        legsMismatched++;
      }
    }
    int legsSettled = 0;
    long settledFen = 0;
    int legsExcess = 0;
    long excessFen = 0;
    for (Map.Entry<String, long[]> leg : settled.entrySet()) {
      legsSettled += (int) leg.getValue()[1];
      settledFen = Math.addExact(settledFen, leg.getValue()[0]);
      if (!expected.containsKey(leg.getKey())) {
        legsExcess += (int) leg.getValue()[1];
        excessFen = Math.addExact(excessFen, leg.getValue()[0]);
      }
    }
    return new AccountSettlement(account, legsExpected, expectedFen, legsSettled, settledFen, legsMissing,
        missingFen, legsExcess, excessFen, legsMismatched);
  }

  /**
   * The same comparison with bounded memory, for a day of a million legs: both sides arrive sorted
   * by payee account, then out_trade_no ({@code String} order; SQL {@code ORDER BY ... COLLATE "C"}
   * for ASCII names), and are merged in one pass holding one leg of each side and the account
   * being summed. Gives what {@link #compare} gives for the same legs.
   *
   * @throws IllegalArgumentException if a side is not sorted so
   */
  public static List<AccountSettlement> compareSorted(Iterator<Leg> expected, Iterator<Leg> settled) {
    Grouped engine = new Grouped(expected, "expected");
    Grouped channel = new Grouped(settled, "settled");
    List<AccountSettlement> result = new ArrayList<>();
    Account account = null;
    while (engine.present || channel.present) {
      int order = !engine.present ? 1 : !channel.present ? -1 : engine.compareTo(channel);
      String accountId = order <= 0 ? engine.account : channel.account;
      if (account == null || !account.id.equals(accountId)) {
        if (account != null) {
          result.add(account.settlement());
        }
        account = new Account(accountId);
      }
      if (order <= 0) {
        account.expected(engine.fen, engine.legs, order == 0, order == 0 && channel.fen != engine.fen);
        engine.advance();
      }
      if (order >= 0) {
        account.settled(channel.fen, channel.legs, order == 0);
        channel.advance();
      }
    }
    if (account != null) {
      result.add(account.settlement());
    }
    return result;
  }

  /** One account's running sums while the sorted legs stream past. */
  private static final class Account {
    final String id;
    int legsExpected;
    long expectedFen;
    int legsSettled;
    long settledFen;
    int legsMissing;
    long missingFen;
    int legsExcess;
    long excessFen;
    int legsMismatched;

    Account(String id) {
      this.id = id;
    }

    void expected(long fen, int legs, boolean settled, boolean mismatched) {
      legsExpected += legs;
      expectedFen = Math.addExact(expectedFen, fen);
      if (!settled) {
        legsMissing += legs;
        missingFen = Math.addExact(missingFen, fen);
      } else if (mismatched) {
        legsMismatched++;
      }
    }

    void settled(long fen, int legs, boolean expected) {
      legsSettled += legs;
      settledFen = Math.addExact(settledFen, fen);
      if (!expected) {
        legsExcess += legs;
        excessFen = Math.addExact(excessFen, fen);
      }
    }

    AccountSettlement settlement() {
      return new AccountSettlement(id, legsExpected, expectedFen, legsSettled, settledFen, legsMissing,
          missingFen, legsExcess, excessFen, legsMismatched);
    }
  }

  /** One side's legs summed per (account, out_trade_no), in order; a leg named twice is summed. */
  private static final class Grouped {
    private final Iterator<Leg> source;
    private final String side;
    private Leg head;
    boolean present;
    String account;
    String outTradeNo;
    long fen;
    int legs;

    Grouped(Iterator<Leg> source, String side) {
      this.source = source;
      this.side = side;
      this.head = source.hasNext() ? source.next() : null;
      advance();
    }

    void advance() {
      present = head != null;
      if (!present) {
        return;
      }
      account = head.payeeAccountId();
      outTradeNo = head.outTradeNo();
      fen = 0;
      legs = 0;
      while (head != null && head.payeeAccountId().equals(account) && head.outTradeNo().equals(outTradeNo)) {
        fen = Math.addExact(fen, head.amountFen());
        legs++;
        Leg next = source.hasNext() ? source.next() : null;
        if (next != null && order(next.payeeAccountId(), next.outTradeNo(), account, outTradeNo) < 0) {
          throw new IllegalArgumentException("the " + side + " legs are not sorted by payee account and"
              + " out_trade_no: " + next.payeeAccountId() + "/" + next.outTradeNo() + " after " + account + "/"
              + outTradeNo);
        }
        head = next;
      }
    }

    int compareTo(Grouped other) {
      return order(account, outTradeNo, other.account, other.outTradeNo);
    }

    private static int order(String account, String outTradeNo, String otherAccount, String otherOutTradeNo) {
      int byAccount = account.compareTo(otherAccount);
      return byAccount != 0 ? byAccount : outTradeNo.compareTo(otherOutTradeNo);
    }
  }

  /** account → out_trade_no → {fen, legs}. */
  private static Map<String, Map<String, long[]>> group(Collection<Leg> legs) {
    Map<String, Map<String, long[]>> byAccount = new HashMap<>();
    for (Leg leg : legs) {
      long[] sum = byAccount.computeIfAbsent(leg.payeeAccountId(), a -> new HashMap<>())
          .computeIfAbsent(leg.outTradeNo(), n -> new long[2]);
      sum[0] = Math.addExact(sum[0], leg.amountFen());
      sum[1]++;
    }
    return byAccount;
  }
}
