package org.clearing.channel.wechat;

/**
 * A bill file that does not have the documented shape; the message names the 1-based line. The
 * whole day's reconciliation stops on it rather than silently skipping money.
 */
public final class WechatBillException extends RuntimeException {

  private final long lineNumber;

  public WechatBillException(long lineNumber, String message) {
    super("line " + lineNumber + ": " + message);
    this.lineNumber = lineNumber;
  }

  public long lineNumber() {
    return lineNumber;
  }
}
