package org.clearing.person;

import java.time.Duration;

/**
 * Lockout with back-off, decided as data. The first {@value #FREE_FAILURES} consecutive failures
 * cost nothing; each further one locks the login for twice as long as the last, from
 * {@link #FIRST_LOCK} up to {@link #LONGEST_LOCK}. A success resets the count. While locked, even
 * the right password is refused (and said so in the same words as a wrong one would be, apart
 * from the wait), so guessing gains nothing by racing the lock.
 */
public final class SignInPolicy {

  public static final int FREE_FAILURES = 5;
  public static final Duration FIRST_LOCK = Duration.ofSeconds(30);
  /** A quarter of an hour: long enough to stop guessing, short enough not to need an administrator. */
  public static final Duration LONGEST_LOCK = Duration.ofMinutes(15);

  private SignInPolicy() {}

  /** How long the login is locked after {@code consecutiveFailures} failures; zero when not. */
  public static Duration lockAfter(int consecutiveFailures) {
    if (consecutiveFailures < FREE_FAILURES) {
      return Duration.ZERO;
    }
    int doublings = Math.min(consecutiveFailures - FREE_FAILURES, 16);
    Duration lock = FIRST_LOCK.multipliedBy(1L << doublings);
    return lock.compareTo(LONGEST_LOCK) > 0 ? LONGEST_LOCK : lock;
  }
}
