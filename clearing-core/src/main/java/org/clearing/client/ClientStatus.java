package org.clearing.client;

import java.util.Optional;

/**
 * Whether a client's signed requests are accepted. An administrator disables a client for a while
 * (a suspected leak, a system being replaced) and enables it again, or revokes it for good: a
 * revoked client keeps its id, so its past orders and log lines still name it, and the id is never
 * handed to anyone else. The one table of moves is {@link #next}.
 */
public enum ClientStatus {
  ACTIVE,
  DISABLED,
  REVOKED;

  /** What an administrator does to a client. */
  public enum Action {
    DISABLE,
    ENABLE,
    REVOKE,
    REPLACE_KEY
  }

  /**
   * The status after {@code action}, or empty when the action is not allowed from this one.
   * Replacing the key keeps the status: a disabled client can be re-keyed before it is enabled.
   */
  public Optional<ClientStatus> next(Action action) {
    return switch (this) {
      case ACTIVE -> switch (action) {
        case DISABLE -> Optional.of(DISABLED);
        case REVOKE -> Optional.of(REVOKED);
        case REPLACE_KEY -> Optional.of(ACTIVE);
        case ENABLE -> Optional.empty();
      };
      case DISABLED -> switch (action) {
        case ENABLE -> Optional.of(ACTIVE);
        case REVOKE -> Optional.of(REVOKED);
        case REPLACE_KEY -> Optional.of(DISABLED);
        case DISABLE -> Optional.empty();
      };
      case REVOKED -> Optional.empty();
    };
  }
}
