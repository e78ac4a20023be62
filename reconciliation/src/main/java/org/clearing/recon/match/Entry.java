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
    String[] f = new String[FIELDS];
    int start = 0;
    for (int i = 0; i < FIELDS - 1; i++) {
      int tab = line.indexOf('\t', start);
      if (tab < 0) {
        throw new IllegalStateException("run file line has too few fields: " + line);
      }
      f[i] = line.substring(start, tab);
      start = tab + 1;
    }
    f[FIELDS - 1] = line.substring(start);
    return new Entry(unescape(f[0]), Side.values()[Integer.parseInt(f[1])],
        Kind.values()[Integer.parseInt(f[2])], unescape(f[3]), Integer.parseInt(f[4]),
        unescape(f[5]), unescape(f[6]), Long.parseLong(f[7]), Long.parseLong(f[8]),
        Long.parseLong(f[9]), unescape(f[10]), unescape(f[11]));
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
