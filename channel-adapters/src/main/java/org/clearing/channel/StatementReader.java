package org.clearing.channel;

import java.io.Closeable;
import java.util.Iterator;

/**
 * Normalized lines of a bill, read one at a time so that a bill of a million lines needs no more
 * memory than one. Parse errors surface as unchecked exceptions naming the line.
 */
public interface StatementReader extends Iterator<StatementLine>, Closeable {}
