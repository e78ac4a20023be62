package org.clearing.channel.unionpay;

import org.clearing.channel.Channel;
import org.clearing.channel.Rejection;

/**
 * The outcome of checking a UnionPay message's signature: either trusted, or the reason it is
 * not. An untrusted message is an expected outcome (forgeries happen), so it is a value.
 *
 * @param failure why the message is not trusted, or {@code null} when it is
 * @param detail a short explanation for logs; never contains key material
 */
public record UnionPayVerification(Rejection.Reason failure, String detail) {

  private static final UnionPayVerification OK = new UnionPayVerification(null, "");

  public UnionPayVerification {
    detail = detail == null ? "" : detail;
  }

  public static UnionPayVerification ok() {
    return OK;
  }

  public static UnionPayVerification fail(Rejection.Reason reason, String detail) {
    return new UnionPayVerification(java.util.Objects.requireNonNull(reason, "reason"), detail);
  }

  public boolean isOk() {
    return failure == null;
  }

  /**
   * The failure as the engine's {@link Rejection}.
   *
   * @throws IllegalStateException if the message was trusted
   */
  public Rejection toRejection() {
    if (failure == null) {
      throw new IllegalStateException("a trusted message is not a rejection");
    }
    return new Rejection(Channel.UNIONPAY, failure, detail);
  }
}
