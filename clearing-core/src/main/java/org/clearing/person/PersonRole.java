package org.clearing.person;

import java.util.Locale;
import java.util.Optional;

/**
 * What a person signed in to a console may do. Unlike an API client's role, a person's role is
 * always scoped to the regions the person acts for; the auditor reads and never acts.
 */
public enum PersonRole {
  FINANCE,
  TAX,
  OPERATOR,
  /** Reads everything of its regions, the audit log included; acts on nothing. */
  AUDITOR,
  ADMIN;

  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<PersonRole> fromCode(String code) {
    for (PersonRole role : values()) {
      if (role.code().equals(code)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
