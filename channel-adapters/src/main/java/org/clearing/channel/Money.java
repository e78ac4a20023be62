package org.clearing.channel;

/**
 * An amount of Chinese yuan held as an exact count of fen (1/100 yuan).
 *
 * <p>All arithmetic is exact: an overflow throws rather than wrapping. Conversion from the yuan
 * strings that Alipay and the bill files speak happens once, here, and a third decimal place is
 * rejected rather than rounded, because rounding money silently is how books stop balancing.
 */
public record Money(long fen) implements Comparable<Money> {

  public static final Money ZERO = new Money(0);

  public static Money ofFen(long fen) {
    return new Money(fen);
  }

  /**
   * Parses a yuan string such as {@code "12.30"}, {@code "12.3"}, {@code "12"} or {@code "-0.01"}.
   *
   * @throws IllegalArgumentException if the text is not a plain decimal with at most two fraction
   *     digits, or does not fit in a {@code long} of fen
   */
  public static Money parseYuan(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty yuan amount");
    }
    int i = 0;
    boolean negative = false;
    if (text.charAt(0) == '-' || text.charAt(0) == '+') {
      negative = text.charAt(0) == '-';
      i = 1;
    }
    long whole = 0;
    int wholeDigits = 0;
    for (; i < text.length() && text.charAt(i) != '.'; i++) {
      whole = Math.addExact(Math.multiplyExact(whole, 10), digit(text, i));
      wholeDigits++;
    }
    long fraction = 0;
    int fractionDigits = 0;
    if (i < text.length()) {
      for (i++; i < text.length(); i++) {
        fractionDigits++;
        if (fractionDigits > 2) {
          throw new IllegalArgumentException("more than two decimal places in yuan amount: " + text);
        }
        fraction = fraction * 10 + digit(text, i);
      }
      if (fractionDigits == 0) {
        throw new IllegalArgumentException("no digits after the decimal point: " + text);
      }
    }
    if (wholeDigits == 0) {
      throw new IllegalArgumentException("no digits before the decimal point: " + text);
    }
    if (fractionDigits == 1) {
      fraction *= 10;
    }
    long fen = Math.addExact(Math.multiplyExact(whole, 100), fraction);
    return new Money(negative ? -fen : fen);
  }

  private static int digit(String text, int index) {
    char c = text.charAt(index);
    if (c < '0' || c > '9') {
      throw new IllegalArgumentException("not a decimal amount: " + text);
    }
    return c - '0';
  }

  public Money plus(Money other) {
    return new Money(Math.addExact(fen, other.fen));
  }

  public Money minus(Money other) {
    return new Money(Math.subtractExact(fen, other.fen));
  }

  public Money negate() {
    return new Money(Math.negateExact(fen));
  }

  public boolean isPositive() {
    return fen > 0;
  }

  public boolean isNegative() {
    return fen < 0;
  }

  public boolean isZero() {
    return fen == 0;
  }

  /** The amount as a yuan string with exactly two decimals, e.g. {@code "1234.50"}. */
  public String toYuanString() {
    long abs = Math.abs(fen);
    if (fen == Long.MIN_VALUE) {
      throw new ArithmeticException("cannot format Long.MIN_VALUE fen");
    }
    long cents = abs % 100;
    return (fen < 0 ? "-" : "") + (abs / 100) + "." + (cents < 10 ? "0" : "") + cents;
  }

  @Override
  public int compareTo(Money other) {
    return Long.compare(fen, other.fen);
  }

  @Override
  public String toString() {
    return fen + " fen";
  }
}
