package org.clearing.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Money is exact: yuan strings convert without rounding, and overflow throws. */
class MoneyTest {

  @ParameterizedTest
  @CsvSource({"12.30,1230", "12.3,1230", "12,1200", "0.01,1", "-0.01,-1", "+5.00,500", "0,0"})
  void parsesYuanExactly(String yuan, long fen) {
    assertEquals(fen, Money.parseYuan(yuan).fen());
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.234", "0.001", "1.", ".5", "", "-", "1,00", "1e3", "12.3a", "NaN", " 1"})
  void rejectsAnythingButAPlainTwoDecimalAmount(String yuan) {
    assertThrows(IllegalArgumentException.class, () -> Money.parseYuan(yuan));
  }

  @Test
  void rejectsAmountsBeyondLong() {
    assertThrows(ArithmeticException.class, () -> Money.parseYuan("92233720368547758.08"));
  }

  @Test
  void formatsAsYuanWithTwoDecimals() {
    assertEquals("1234.50", Money.ofFen(123450).toYuanString());
    assertEquals("0.05", Money.ofFen(5).toYuanString());
    assertEquals("-0.10", Money.ofFen(-10).toYuanString());
  }

  @Test
  void arithmeticOverflowThrows() {
    Money max = Money.ofFen(Long.MAX_VALUE);
    assertThrows(ArithmeticException.class, () -> max.plus(Money.ofFen(1)));
    assertEquals(Money.ofFen(3), Money.ofFen(1).plus(Money.ofFen(2)));
  }
}
