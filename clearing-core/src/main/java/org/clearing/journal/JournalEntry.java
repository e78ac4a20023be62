package org.clearing.journal;

import java.util.List;
import java.util.Objects;

/**
 * One balanced journal entry. Its key names what it books, so booking the same thing twice is
 * refused by the database; a correction is a new entry with its own key. It is written only through
 * {@link Journal#post}, the one door for money.
 *
 * @param entryKey e.g. {@code PAYMENT:wechat:4200000001}
 * @param kind what the entry books (PAYMENT, DUPLICATE_PAYMENT, SUSPENSE, SETTLEMENT, REFUND, …)
 * @param orderNo the order, when there is one
 * @param channel the channel's code, when there is one
 */
public record JournalEntry(
    String entryKey, String kind, String orderNo, String channel, List<Posting> postings) {

  /** One side of an entry: exactly one of debit and credit is positive. */
  public record Posting(String account, long debitFen, long creditFen) {
    public Posting {
      Objects.requireNonNull(account, "account");
      if (debitFen < 0 || creditFen < 0 || (debitFen == 0) == (creditFen == 0)) {
        throw new IllegalArgumentException("a posting is a positive debit or a positive credit: "
            + account + " " + debitFen + "/" + creditFen);
      }
    }

    public static Posting debit(String account, long fen) {
      return new Posting(account, fen, 0);
    }

    public static Posting credit(String account, long fen) {
      return new Posting(account, 0, fen);
    }
  }

  public JournalEntry {
    Objects.requireNonNull(entryKey, "entryKey");
    Objects.requireNonNull(kind, "kind");
    postings = List.copyOf(postings);
    long debits = 0;
    long credits = 0;
    for (Posting posting : postings) {
      debits = Math.addExact(debits, posting.debitFen());
      credits = Math.addExact(credits, posting.creditFen());
    }
    if (postings.size() < 2 || debits != credits) {
      throw new IllegalStateException("unbalanced journal entry " + entryKey + ": debits "
          + debits + ", credits " + credits);
    }
  }
}
