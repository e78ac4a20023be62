package org.clearing.recon.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.clearing.recon.match.SettlementComparison.AccountSettlement;
import org.clearing.recon.match.SettlementComparison.Leg;
import org.junit.jupiter.api.Test;

/**
 * The per-account settlement comparison: legs expected and settled, what is missing, in excess or
 * of another amount, per payee account, with every fen accounted for whatever the input order.
 */
class SettlementComparisonTest {

  private static Leg leg(String account, String outTradeNo, long fen) {
    return new Leg(account, outTradeNo, fen);
  }

  @Test
  void anAccountSettledExactlyWhatWasExpectedIsBalanced() {
    List<AccountSettlement> result = SettlementComparison.compare(
        List.of(leg("TRE", "A", 1_500_000), leg("NTX", "A", 9_000), leg("TRE", "B", 700)),
        List.of(leg("NTX", "A", 9_000), leg("TRE", "B", 700), leg("TRE", "A", 1_500_000)));

    assertEquals(List.of(new AccountSettlement("NTX", 1, 9_000, 1, 9_000, 0, 0, 0, 0, 0),
        new AccountSettlement("TRE", 2, 1_500_700, 2, 1_500_700, 0, 0, 0, 0, 0)), result);
    assertTrue(result.stream().allMatch(AccountSettlement::balanced));
  }

  @Test
  void aLegTheChannelNeverSettledIsMissingWithItsAmount() {
    AccountSettlement tre = SettlementComparison.compare(
        List.of(leg("TRE", "A", 1_500_000), leg("TRE", "B", 800)), List.of(leg("TRE", "A", 1_500_000))).get(0);

    assertEquals(new AccountSettlement("TRE", 2, 1_500_800, 1, 1_500_000, 1, 800, 0, 0, 0), tre);
    assertFalse(tre.balanced());
  }

  @Test
  void aLegSettledThatTheEngineDoesNotExpectIsExcessEvenInAnAccountWithNothingExpected() {
    List<AccountSettlement> result = SettlementComparison.compare(List.of(leg("TRE", "A", 100)),
        List.of(leg("TRE", "A", 100), leg("NTX", "Z", 42)));

    assertEquals(new AccountSettlement("NTX", 0, 0, 1, 42, 0, 0, 1, 42, 0), result.get(0));
    assertTrue(result.get(1).balanced());
  }

  @Test
  void aLegOfAnotherAmountIsMismatchedNotMissingNorExcess() {
    AccountSettlement tre = SettlementComparison.compare(List.of(leg("TRE", "A", 100)),
        List.of(leg("TRE", "A", 99))).get(0);

    assertEquals(new AccountSettlement("TRE", 1, 100, 1, 99, 0, 0, 0, 0, 1), tre);
    assertFalse(tre.balanced());
  }

  @Test
  void nothingOnEitherSideGivesNoAccounts() {
    assertEquals(List.of(), SettlementComparison.compare(List.of(), List.of()));
  }

  @Test
  void aLegNamedWithoutAnAccountIsABug() {
    assertThrows(NullPointerException.class, () -> leg(null, "A", 1));
  }

  @Test
  void theResultDoesNotDependOnTheInputOrderAndEveryFenIsAccountedFor() {
    Random random = new Random(12);
    List<Leg> expected = new ArrayList<>();
    List<Leg> settled = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      String account = "ACC-" + random.nextInt(7);
      long fen = 1 + random.nextInt(1_000_000);
      int fate = random.nextInt(10);
      if (fate != 0) {
        expected.add(leg(account, "T" + i, fen));
      }
      if (fate != 1) {
        settled.add(leg(account, "T" + i, fate == 2 ? fen + 1 : fen));
      }
    }
    List<AccountSettlement> first = SettlementComparison.compare(expected, settled);
    Collections.shuffle(expected, random);
    Collections.shuffle(settled, random);
    assertEquals(first, SettlementComparison.compare(expected, settled));
    long expectedFen = expected.stream().mapToLong(Leg::amountFen).sum();
    long settledFen = settled.stream().mapToLong(Leg::amountFen).sum();
    assertEquals(expectedFen, first.stream().mapToLong(AccountSettlement::expectedFen).sum());
    assertEquals(settledFen, first.stream().mapToLong(AccountSettlement::settledFen).sum());
    long mismatchedLegs = first.stream().mapToLong(AccountSettlement::legsMismatched).sum();
    assertEquals(expectedFen - settledFen, first.stream()
        .mapToLong(a -> a.missingFen() - a.excessFen()).sum() - mismatchedLegs,
        "each mismatched leg here was settled one fen over");
  }

  @Test
  void legsStreamedInAccountOrderCompareAsTheWholeListsDo() {
    Random random = new Random(21);
    List<Leg> expected = new ArrayList<>();
    List<Leg> settled = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      String account = "ACC-" + random.nextInt(9);
      long fen = 1 + random.nextInt(1_000_000);
      int fate = random.nextInt(12);
      if (fate != 0) {
        expected.add(leg(account, "T" + random.nextInt(4_000), fen));
      }
      if (fate != 1) {
        settled.add(leg(fate == 3 ? "ACC-X" : account, "T" + random.nextInt(4_000), fate == 2 ? fen + 1 : fen));
      }
    }
    java.util.Comparator<Leg> byAccountThenOrder =
        java.util.Comparator.comparing(Leg::payeeAccountId).thenComparing(Leg::outTradeNo);
    List<Leg> expectedSorted = expected.stream().sorted(byAccountThenOrder).toList();
    List<Leg> settledSorted = settled.stream().sorted(byAccountThenOrder).toList();

    assertEquals(SettlementComparison.compare(expected, settled),
        SettlementComparison.compareSorted(expectedSorted.iterator(), settledSorted.iterator()));
    assertEquals(List.of(), SettlementComparison.compareSorted(List.<Leg>of().iterator(), List.<Leg>of().iterator()));
  }

  @Test
  void legsStreamedOutOfOrderAreRefusedRatherThanMiscounted() {
    List<Leg> unsorted = List.of(leg("TRE", "B", 1), leg("TRE", "A", 1));

    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> SettlementComparison.compareSorted(unsorted.iterator(), List.<Leg>of().iterator()));
    assertTrue(refused.getMessage().contains("not sorted"), refused.getMessage());
  }
}
