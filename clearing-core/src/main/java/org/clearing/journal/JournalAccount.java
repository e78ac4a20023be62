package org.clearing.journal;

import org.clearing.channel.Channel;

/**
 * Names of journal accounts: {@code clearing:{channel}} what a channel holds for us
 * between payment and settlement; {@code payee:{account}} what is owed to a treasury or non-tax
 * account; {@code refund:{channel}} refunds owed to payers; {@code suspense} money not yet placed.
 */
public final class JournalAccount {

  public static final String SUSPENSE = "suspense";

  private JournalAccount() {}

  public static String clearing(Channel channel) {
    return "clearing:" + channel.code();
  }

  public static String payee(String payeeAccountId) {
    return "payee:" + payeeAccountId;
  }

  public static String refund(Channel channel) {
    return "refund:" + channel.code();
  }
}
