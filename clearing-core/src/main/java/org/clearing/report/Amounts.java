package org.clearing.report;

import org.clearing.channel.Money;

/** Renders fen as the exact yuan text next to it in every report ({@code 123450} → {@code 1234.50}). */
final class Amounts {

  private Amounts() {}

  static String yuan(long fen) {
    return Money.ofFen(fen).toYuanString();
  }

  /**
   * A table cell in yuan: text in CSV and JSON, a number cell in XLSX (written as the exact decimal
   * text; only the spreadsheet turns it into a float, for its own sums).
   */
  record Yuan(long fen) {
    @Override
    public String toString() {
      return yuan(fen);
    }
  }
}
