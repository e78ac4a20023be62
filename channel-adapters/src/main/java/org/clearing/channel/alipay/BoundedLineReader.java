package org.clearing.channel.alipay;

import java.io.IOException;
import java.io.Reader;

/**
 * Reads lines ending in {@code \n}, {@code \r\n} or {@code \r}, refusing any line longer than a
 * bound, so that a corrupt bill without line breaks cannot exhaust memory.
 */
final class BoundedLineReader {

  private final Reader reader;
  private final int lineCharsMax;
  private final char[] buffer = new char[8192];
  private int position;
  private int limit;
  private boolean skipNewline;
  private long lineNumber;

  BoundedLineReader(Reader reader, int lineCharsMax) {
    this.reader = reader;
    this.lineCharsMax = lineCharsMax;
  }

  /** The 1-based number of the line last returned. */
  long lineNumber() {
    return lineNumber;
  }

  /** The next line without its terminator, or null at the end of input. */
  String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      if (position == limit) {
        limit = reader.read(buffer);
        position = 0;
        if (limit <= 0) {
          limit = 0;
          if (line.isEmpty()) {
            return null;
          }
          lineNumber++;
          return line.toString();
        }
      }
      char c = buffer[position++];
      if (skipNewline) {
        skipNewline = false;
        if (c == '\n') {
          continue;
        }
      }
      if (c == '\n' || c == '\r') {
        skipNewline = c == '\r';
        lineNumber++;
        return line.toString();
      }
      if (line.length() == lineCharsMax) {
        throw new AlipayBillException(
            lineNumber + 1, "line longer than " + lineCharsMax + " chars");
      }
      line.append(c);
    }
  }
}
