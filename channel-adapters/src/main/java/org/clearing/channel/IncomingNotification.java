package org.clearing.channel;

import java.util.Map;
import java.util.Objects;

/**
 * A notification exactly as it arrived: header names lowercased, the body's raw bytes (signatures
 * cover the bytes as sent, so nothing may be re-encoded before verification).
 */
public record IncomingNotification(Map<String, String> headersLowercase, byte[] body) {

  public IncomingNotification {
    headersLowercase = Map.copyOf(headersLowercase);
    Objects.requireNonNull(body, "body");
  }
}
