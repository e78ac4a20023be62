package org.clearing.channel.alipay;

/**
 * A bill that cannot be read as Alipay's trade bill: the message names the line. A bill is the
 * channel's record of money, so a line we cannot read exactly stops the run instead of being
 * skipped or guessed.
 */
public final class AlipayBillException extends RuntimeException {

  private final long lineNumber;

  public AlipayBillException(long lineNumber, String problem) {
    super("line " + lineNumber + ": " + problem);
    this.lineNumber = lineNumber;
  }

  AlipayBillException(long lineNumber, String problem, Throwable cause) {
    super("line " + lineNumber + ": " + problem, cause);
    this.lineNumber = lineNumber;
  }

  /** The 1-based line of the detail CSV, or 0 when the problem is the zip itself. */
  public long lineNumber() {
    return lineNumber;
  }
}
