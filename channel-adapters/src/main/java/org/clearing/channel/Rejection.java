package org.clearing.channel;

import java.util.Objects;

/**
 * A notification that must not be trusted, and why. The engine answers it with the channel's
 * failure form and counts it; it books nothing.
 */
public record Rejection(Channel channel, Reason reason, String detail) implements Notification {

  /** Why a notification was rejected; the metrics label is {@link #label()}. */
  public enum Reason {
    /** The signature does not verify against the key the notification names. */
    BAD_SIGNATURE,
    /** The timestamp is outside the accepted window. */
    STALE,
    /** The notification names a key or certificate we do not trust. */
    UNKNOWN_KEY,
    /** The body or headers cannot be parsed, or a required field is missing or malformed. */
    MALFORMED,
    /** A WeChat signature probe ({@code WECHATPAY/SIGNTEST/...}), which must be refused. */
    PROBE,
    /**
     * Genuinely signed by the channel but paying another merchant, app or sub-merchant than ours:
     * somebody else's money, never booked (its metrics label is {@code foreign}).
     */
    FOREIGN;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public Rejection {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(reason, "reason");
    detail = detail == null ? "" : detail;
  }
}
