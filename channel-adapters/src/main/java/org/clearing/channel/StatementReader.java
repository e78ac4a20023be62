package org.clearing.channel;

import java.io.Closeable;
import java.io.IOException;
import java.util.Iterator;

/**
 * Normalized lines of a bill, read one at a time so that a bill of a million lines needs no more
 * memory than one. Parse errors surface as unchecked exceptions naming the line.
 */
public interface StatementReader extends Iterator<StatementLine>, Closeable {

  /** A reader over a channel's streaming bill parser. */
  static <P extends Iterator<StatementLine> & Closeable> StatementReader of(P parser) {
    return new StatementReader() {
      @Override
      public boolean hasNext() {
        return parser.hasNext();
      }

      @Override
      public StatementLine next() {
        return parser.next();
      }

      @Override
      public void close() throws IOException {
        parser.close();
      }
    };
  }
}
