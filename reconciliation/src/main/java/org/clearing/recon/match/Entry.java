package org.clearing.recon.match;

import java.time.Instant;

/**
 * A statement line or engine record reduced to what matching needs, and its one-line text form for
 * the run files of the external sort.
 *
 * <p>The text form starts with the escaped group key and a tab. Escaping turns every character
 * below U+0020 (and the backslash) into a backslash sequence, so the tab is the smallest character
 * in a line and the natural order of the lines is the order of their escaped group keys first: the
 * sort needs no parsing, and a group is a run of lines with one prefix. For keys without control
 * characters or backslashes (every order number we issue) that is simply the keys' own order.
 *
 * @param groupKey the order's out_trade_no at the channel, without per-leg suffixes
 * @param refundKey our refund number without per-leg suffixes, "" for payments and legs
 * @param partNo the WeChat sub-order's or engine leg's number, 0 when there is none
 * @param amountFen signed as in the bill: refunds negative
 * @param occurredAtMs epoch milliseconds, or {@link #NO_TIME}
 * @param status the engine's status name, "" for channel lines
 * @param reference what a person looks up: the printed out_trade_no or out_refund_no
 */
record Entry(
    String groupKey,
    Side side,
    Kind kind,
    String refundKey,
    int partNo,
    String account,
    String transactionId,
    long amountFen,
    long feeFen,
    long occurredAtMs,
    String status,
    String reference) {

  static final long NO_TIME = Long.MIN_VALUE;
  private static final int FIELDS = 12;
  private static final Side[] SIDES = Side.values();
  private static final Kind[] KINDS = Kind.values();

  enum Side {
    CHANNEL,
    ENGINE
  }

  enum Kind {
    PAYMENT,
    LEG,
    REFUND,
    /** A UnionPay split line of a refund: the share taken back from one receiver. */
    REFUND_LEG
  }

  Instant occurredAt() {
    return occurredAtMs == NO_TIME ? null : Instant.ofEpochMilli(occurredAtMs);
  }

  static long millis(Instant at) {
    return at == null ? NO_TIME : at.toEpochMilli();
  }

  String encode() {
    StringBuilder out = new StringBuilder(128);
    escape(groupKey, out).append('\t').append(side.ordinal()).append('\t').append(kind.ordinal());
    escape(refundKey, out.append('\t')).append('\t').append(partNo);
    escape(account, out.append('\t'));
    escape(transactionId, out.append('\t')).append('\t').append(amountFen).append('\t')
        .append(feeFen).append('\t').append(occurredAtMs);
    escape(status, out.append('\t'));
    return escape(reference, out.append('\t')).toString();
  }

  static Entry decode(String line) {
    // Fields are found by their tabs and numbers read in place: a day decodes millions of lines.
    int[] tabs = new int[FIELDS - 1];
    int from = 0;
    for (int i = 0; i < FIELDS - 1; i++) {
      int tab = line.indexOf('\t', from);
      if (tab < 0) {
        throw new IllegalStateException("run file line has too few fields: " + line);
      }
      tabs[i] = tab;
      from = tab + 1;
    }
    return new Entry(unescape(line.substring(0, tabs[0])),
        SIDES[Integer.parseInt(line, tabs[0] + 1, tabs[1], 10)],
        KINDS[Integer.parseInt(line, tabs[1] + 1, tabs[2], 10)],
        unescape(line.substring(tabs[2] + 1, tabs[3])), Integer.parseInt(line, tabs[3] + 1, tabs[4], 10),
        unescape(line.substring(tabs[4] + 1, tabs[5])), unescape(line.substring(tabs[5] + 1, tabs[6])),
        Long.parseLong(line, tabs[6] + 1, tabs[7], 10), Long.parseLong(line, tabs[7] + 1, tabs[8], 10),
        Long.parseLong(line, tabs[8] + 1, tabs[9], 10), unescape(line.substring(tabs[9] + 1, tabs[10])),
        unescape(line.substring(tabs[10] + 1)));
  }

  /** The escaped group key a line starts with; lines of one group share it. */
  static String groupPrefix(String line) {
    int tab = line.indexOf('\t');
    if (tab < 0) {
      throw new IllegalStateException("run file line without a group key: " + line);
    }
    return line.substring(0, tab);
  }

  static String unescapeKey(String prefix) {
    return unescape(prefix);
  }

  private static StringBuilder escape(String text, StringBuilder out) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        out.append("\\\\");
      } else if (c < 0x20) {
        out.append('\\').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
      } else {
        out.append(c);
      }
    }
    return out;
  }

  private static String unescape(String text) {
    if (text.indexOf('\\') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != '\\') {
        out.append(c);
      } else if (text.charAt(i + 1) == '\\') {
        out.append('\\');
        i++;
      } else {
        out.append((char) Integer.parseInt(text.substring(i + 1, i + 3), 16));
        i += 2;
      }
    }
    return out.toString();
  }
}
