package org.clearing.client;

import java.util.Locale;
import java.util.Optional;

/** What an API client is allowed to do; each sees only its own endpoints. */
public enum Role {
  REGISTRATION,
  TAX,
  FINANCE,
  ADMIN;

  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> fromCode(String code) {
    for (Role role : values()) {
      if (role.code().equals(code)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
