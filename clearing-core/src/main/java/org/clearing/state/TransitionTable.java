package org.clearing.state;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The allowed moves of one status enum, declared as data: for each status, the statuses it may
 * become. A status with no moves is final. Every constant must be declared, so a status added to
 * an enum without a decision about its moves fails at class initialisation, not in production.
 */
public final class TransitionTable<S extends Enum<S>> {

  private final Class<S> type;
  private final Map<S, Set<S>> next;

  private TransitionTable(Class<S> type, Map<S, Set<S>> next) {
    this.type = type;
    this.next = next;
  }

  public static <S extends Enum<S>> Builder<S> of(Class<S> type) {
    return new Builder<>(type);
  }

  public boolean allows(S from, S to) {
    return next.get(from).contains(to);
  }

  /** The statuses from which {@code to} may be reached, for a guarded update's WHERE clause. */
  public Set<S> from(S to) {
    Set<S> from = EnumSet.noneOf(type);
    next.forEach((status, targets) -> {
      if (targets.contains(to)) {
        from.add(status);
      }
    });
    return from;
  }

  public boolean isFinal(S status) {
    return next.get(status).isEmpty();
  }

  /** Declares each status's moves once; {@link #build} checks every status was declared. */
  public static final class Builder<S extends Enum<S>> {
    private final Class<S> type;
    private final Map<S, Set<S>> next;

    private Builder(Class<S> type) {
      this.type = type;
      this.next = new EnumMap<>(type);
    }

    @SafeVarargs
    public final Builder<S> allow(S from, S... to) {
      if (next.containsKey(from)) {
        throw new IllegalStateException(from + " is declared twice in " + type.getSimpleName() + "'s table");
      }
      Set<S> targets = EnumSet.noneOf(type);
      targets.addAll(Arrays.asList(to));
      next.put(from, Collections.unmodifiableSet(targets));
      return this;
    }

    /** A status nothing follows. */
    public Builder<S> isFinal(S status) {
      return allow(status);
    }

    public TransitionTable<S> build() {
      for (S status : type.getEnumConstants()) {
        if (!next.containsKey(status)) {
          throw new IllegalStateException(type.getSimpleName() + "." + status + " has no declared moves");
        }
      }
      return new TransitionTable<>(type, next);
    }
  }
}
