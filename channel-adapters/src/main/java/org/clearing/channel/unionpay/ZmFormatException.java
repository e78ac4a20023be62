package org.clearing.channel.unionpay;

/** A ZM line that does not follow the layout; the bill cannot be trusted past this point. */
public final class ZmFormatException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final long lineNumber;

  public ZmFormatException(long lineNumber, String problem) {
    super("ZM line " + lineNumber + ": " + problem);
    this.lineNumber = lineNumber;
  }

  /** The 1-based number of the offending line. */
  public long lineNumber() {
    return lineNumber;
  }
}
