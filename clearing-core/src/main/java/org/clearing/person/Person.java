package org.clearing.person;

import java.util.List;

/** A signed-in person as the consoles see them: who, with what role, for which regions. */
public record Person(long personId, String login, String displayName, PersonRole role,
    List<String> regions, boolean mustChangePassword) {

  public Person {
    regions = List.copyOf(regions);
  }

  /** Whether this person acts for {@code region}. */
  public boolean actsFor(String region) {
    return regions.contains(region);
  }
}
