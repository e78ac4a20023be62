package org.clearing.channel.unionpay;

/**
 * The fixed-width layout of a ZM (transaction detail) line, UnionPay's documentation: 42 fields, one
 * space between neighbours, widths in bytes. Field numbers here are 1-based, as in the table.
 */
final class ZmLayout {

  static final int[] WIDTHS = {
    3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21,
    15, 1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 32, 98
  };

  static final int FIELDS = WIDTHS.length;

  static final int TRADE_CODE = 1;
  static final int ACQ_INS_CODE = 2;
  static final int SEND_INS_CODE = 3;
  static final int TRACE_NO = 4;
  static final int TRACE_TIME = 5;
  static final int ACC_NO = 6;
  static final int TXN_AMT = 7;
  static final int MCC = 8;
  static final int TERMINAL_TYPE = 9;
  static final int QUERY_ID = 10;
  static final int ORDER_ID = 12;
  static final int MER_CHARGE = 16;
  static final int SETTLE_AMT = 17;
  static final int TXN_TYPE = 20;
  static final int TXN_SUB_TYPE = 21;
  static final int BIZ_TYPE = 22;
  static final int ORIG_QRY_ID = 27;
  static final int MER_ID = 28;
  static final int SPLIT_MODE = 29;
  static final int SUB_MER_ID = 30;
  static final int SUB_MER_ABBR = 31;
  static final int SUB_MER_AMT = 32;
  static final int NET_AMT = 33;
  /** Unnamed in the source ("reserved or original order number"); we put the original orderId. */
  static final int ORIG_ORDER_ID = 41;

  /** Offset of each field (index 1..42) from the start of the line, in bytes. */
  static final int[] START = starts();

  /** A full line's length: every field plus the 41 separating spaces. */
  static final int LINE_BYTES = START[FIELDS] + WIDTHS[FIELDS - 1];

  /**
   * The shortest line accepted: the trailing fields are often blank and some tools strip
   * trailing blanks, so a line only has to reach the end of field 32, the last one we need
   * (field 41, the original orderId, is optional).
   */
  static final int LINE_BYTES_MIN = START[SUB_MER_AMT] + WIDTHS[SUB_MER_AMT - 1];

  private ZmLayout() {}

  static int width(int field) {
    return WIDTHS[field - 1];
  }

  private static int[] starts() {
    int[] starts = new int[FIELDS + 1];
    int offset = 0;
    for (int field = 1; field <= FIELDS; field++) {
      starts[field] = offset;
      offset += WIDTHS[field - 1] + 1;
    }
    return starts;
  }
}
