package org.clearing.person;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The consoles' people: adding them, signing them in (with lockout), their sessions and their
 * passwords. Password hashing runs on the crypto worker pool. Each outcome a person can cause is a
 * value; each is written to the {@link AuditLog} in the transaction that decided it.
 */
public final class People {

  /** A session ends after this long without a request. */
  public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(15);
  /** And after this long in any case: a working day, so a forgotten tab does not live for ever. */
  public static final Duration SESSION_LENGTH_MAX = Duration.ofHours(12);
  public static final int REGIONS_MAX = 64;
  static final int TOKEN_BYTES = 32;

  public static final Pattern LOGIN = Pattern.compile("[a-z0-9][a-z0-9._-]{2,63}");
  private static final Pattern REGION = Pattern.compile("[0-9]{6}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private static final String INSERT = """
      INSERT INTO person (login, display_name, role, regions, password_hash)
      SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM person WHERE login = $1)
      ON CONFLICT (login) DO NOTHING
      RETURNING person_id
      """;
  private static final String KNOWN_REGIONS = "SELECT code FROM region WHERE code = ANY($1::text[])";
  private static final String LOCK_BY_LOGIN = """
      SELECT person_id, login, display_name, role, regions, password_hash, must_change_password,
             failed_sign_ins, locked_until, locked_until > now() AS locked, status
      FROM person WHERE login = $1 FOR UPDATE
      """;
  private static final String FAILED = """
      UPDATE person SET failed_sign_ins = $2,
             locked_until = CASE WHEN $3 > 0 THEN now() + make_interval(secs => $3) ELSE locked_until END
      WHERE person_id = $1 RETURNING locked_until
      """;
  private static final String SUCCEEDED =
      "UPDATE person SET failed_sign_ins = 0, locked_until = NULL WHERE person_id = $1";
  private static final String OPEN_SESSION = """
      INSERT INTO person_session (token_sha256, person_id, csrf_token, ends_at, client_ip)
      VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5)
      """;
  /** Resumes and touches a session in one statement: idle, ended or disabled sessions match nothing. */
  private static final String RESUME = """
      UPDATE person_session s SET last_seen_at = now()
      FROM person p
      WHERE s.token_sha256 = $1 AND p.person_id = s.person_id AND p.status = 'ACTIVE'
        AND s.last_seen_at > now() - make_interval(secs => $2) AND s.ends_at > now()
      RETURNING p.person_id, p.login, p.display_name, p.role, p.regions, p.must_change_password, s.csrf_token
      """;
  private static final String CLOSE_SESSION = "DELETE FROM person_session WHERE token_sha256 = $1";
  private static final String PASSWORD_OF = "SELECT password_hash FROM person WHERE person_id = $1 FOR UPDATE";
  private static final String SET_PASSWORD = """
      UPDATE person SET password_hash = $2, must_change_password = false, password_changed_at = now()
      WHERE person_id = $1
      """;
  private static final String OTHER_SESSIONS_END =
      "DELETE FROM person_session WHERE person_id = $1 AND token_sha256 <> $2";

  private final Pool pool;
  private final WorkerExecutor cryptoPool;

  public People(Pool pool, WorkerExecutor cryptoPool) {
    this.pool = pool;
    this.cryptoPool = cryptoPool;
  }

  // ---- adding people

  /** What adding a person came to. */
  public sealed interface Added {}

  public record Created(long personId) implements Added {}

  public record LoginTaken(String login) implements Added {}

  /** A field is wrong: the field and the reason. */
  public record Invalid(String field, String reason) implements Added {}

  /** Adds a person who must change {@code password} at the first sign-in. */
  public Future<Added> add(String login, String displayName, PersonRole role, List<String> regions,
      char[] password) {
    return add(login, displayName, role, regions, password, conn -> Future.succeededFuture());
  }

  /**
   * As above, with {@code record} (the administrator's audit of the addition) run in the insert's
   * transaction when the person is created, so the two commit together or not at all.
   */
  public Future<Added> add(String login, String displayName, PersonRole role, List<String> regions,
      char[] password, java.util.function.Function<SqlConnection, Future<Void>> record) {
    Optional<Invalid> invalid = check(login, displayName, regions, password);
    if (invalid.isPresent()) {
      return Future.succeededFuture(invalid.get());
    }
    return pool.preparedQuery(KNOWN_REGIONS).execute(Tuple.of(regions.toArray(String[]::new)))
        .compose(known -> {
          if (known.size() != regions.stream().distinct().count()) {
            return Future.succeededFuture(new Invalid("regions", "names a region the engine does not serve"));
          }
          return cryptoPool.executeBlocking(() -> PasswordHashing.hash(password), false)
              .compose(hash -> pool.withTransaction(conn -> conn.preparedQuery(INSERT).execute(Tuple.of(login,
                      displayName, role.code(), regions.stream().distinct().toArray(String[]::new), hash))
                  .compose(rows -> rows.size() == 0 ? Future.succeededFuture((Added) new LoginTaken(login))
                      : record.apply(conn).map((Added) new Created(rows.iterator().next().getLong("person_id"))))));
        });
  }

  private static final String INSERT_FIRST = """
      INSERT INTO person (login, display_name, role, regions, password_hash)
      SELECT $1, $2, 'admin', ARRAY(SELECT code FROM region ORDER BY code), $3
      WHERE NOT EXISTS (SELECT 1 FROM person) AND EXISTS (SELECT 1 FROM region)
      RETURNING person_id
      """;

  /**
   * In demo mode, the first administrator, of every region, when there is no person yet: its
   * one-time password (to print in the start-up banner, once), or empty when people exist.
   */
  public Future<Optional<String>> addFirstAdmin(String login, String displayName, String clientIp) {
    // On every start after the first someone exists already: ask before paying for an Argon2id
    // hash (19 MiB, two passes, on a JVM not yet warm: a share of a restart's CPU). The insert
    // still checks, in case another engine adds the first person in between.
    return pool.query(ANY_PERSON).execute().compose(rows -> rows.iterator().next().getBoolean(0)
        ? Future.succeededFuture(Optional.<String>empty())
        : insertFirstAdmin(login, displayName, clientIp));
  }

  private static final String ANY_PERSON = "SELECT EXISTS (SELECT 1 FROM person)";

  private Future<Optional<String>> insertFirstAdmin(String login, String displayName, String clientIp) {
    String password = PasswordHashing.oneTimePassword();
    return cryptoPool.executeBlocking(() -> PasswordHashing.hash(password.toCharArray()), false)
        .compose(hash -> pool.withTransaction(conn -> conn.preparedQuery(INSERT_FIRST)
            .execute(Tuple.of(login, displayName, hash))
            .compose(rows -> rows.size() == 0 ? Future.succeededFuture(Optional.<String>empty())
                : AuditLog.append(conn, new AuditLog.Event(null, "engine", "person.add", login,
                    AuditLog.Outcome.OK, "first administrator, demo mode", clientIp))
                    .map(v -> Optional.of(password)))));
  }

  static Optional<Invalid> check(String login, String displayName, List<String> regions, char[] password) {
    if (login == null || !LOGIN.matcher(login).matches()) {
      return Optional.of(new Invalid("login", "must be 3 to 64 of a-z 0-9 . _ -, starting with a letter or digit"));
    }
    if (displayName == null || displayName.isBlank() || displayName.length() > 64) {
      return Optional.of(new Invalid("name", "is required, at most 64 characters"));
    }
    if (regions == null || regions.isEmpty() || regions.size() > REGIONS_MAX
        || !regions.stream().allMatch(r -> REGION.matcher(r).matches())) {
      return Optional.of(new Invalid("regions", "must be 1 to " + REGIONS_MAX + " six-digit region codes"));
    }
    return checkPassword("password", password);
  }

  /** A new password's rules: long enough to resist guessing, short enough to bound hashing. */
  public static Optional<Invalid> checkPassword(String field, char[] password) {
    if (password == null || password.length < PasswordHashing.PASSWORD_LENGTH_MIN
        || password.length > PasswordHashing.PASSWORD_LENGTH_MAX) {
      return Optional.of(new Invalid(field, "must be " + PasswordHashing.PASSWORD_LENGTH_MIN + " to "
          + PasswordHashing.PASSWORD_LENGTH_MAX + " characters"));
    }
    return Optional.empty();
  }

  // ---- signing in

  /** What a sign-in came to. */
  public sealed interface SignIn {}

  /** Signed in: the session's cookie token and its CSRF token. */
  public record SignedIn(Person person, String sessionToken, String csrfToken) implements SignIn {}

  /** Wrong login or password, said the same way for both. */
  public record WrongCredentials() implements SignIn {}

  /** Locked after too many failures, until {@code until}. */
  public record Locked(Instant until) implements SignIn {}

  /**
   * Checks {@code password} for {@code login} and opens a session. The person's row stays locked
   * while the password is checked, so parallel guesses queue up and each one counts.
   */
  public Future<SignIn> signIn(String login, char[] password, String clientIp) {
    if (login == null || !LOGIN.matcher(login).matches() || password == null
        || password.length > PasswordHashing.PASSWORD_LENGTH_MAX) {
      String who = login == null ? "" : login.substring(0, Math.min(login.length(), 64));
      return cryptoPool.executeBlocking(() -> {
        PasswordHashing.verifyDecoy(new char[0]);
        return null;
      }, false).compose(v -> AuditLog.append(pool, new AuditLog.Event(null, who, "sign_in",
          null, AuditLog.Outcome.REFUSED, "malformed login or password", clientIp)))
          .map(v -> (SignIn) new WrongCredentials());
    }
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_BY_LOGIN).execute(Tuple.of(login))
        .compose(rows -> {
          if (rows.size() == 0) {
            return cryptoPool.executeBlocking(() -> {
              PasswordHashing.verifyDecoy(password);
              return null;
            }, false).compose(v -> refuse(conn, null, login, "no such person", clientIp));
          }
          Row row = rows.iterator().next();
          Person person = person(row);
          if (!"ACTIVE".equals(row.getString("status"))) {
            return refuse(conn, person.personId(), login, "disabled", clientIp);
          }
          if (Boolean.TRUE.equals(row.getBoolean("locked"))) {
            Instant until = row.getOffsetDateTime("locked_until").toInstant();
            return AuditLog.append(conn, AuditLog.Event.of(person, "sign_in", null, AuditLog.Outcome.REFUSED,
                "locked until " + until, clientIp)).map(v -> (SignIn) new Locked(until));
          }
          String hash = row.getString("password_hash");
          return cryptoPool.executeBlocking(() -> PasswordHashing.verify(password, hash), false)
              .compose(ok -> ok ? succeed(conn, person, clientIp)
                  : fail(conn, person, row.getInteger("failed_sign_ins") + 1, clientIp));
        }));
  }

  private Future<SignIn> refuse(SqlConnection conn, Long personId, String login, String why, String clientIp) {
    return AuditLog.append(conn, new AuditLog.Event(personId, login, "sign_in", null, AuditLog.Outcome.REFUSED,
        why, clientIp)).map(v -> (SignIn) new WrongCredentials());
  }

  private Future<SignIn> fail(SqlConnection conn, Person person, int failures, String clientIp) {
    Duration lock = SignInPolicy.lockAfter(failures);
    return conn.preparedQuery(FAILED).execute(Tuple.of(person.personId(), failures, lock.toSeconds()))
        .compose(rows -> {
          var lockedUntil = rows.iterator().next().getOffsetDateTime("locked_until");
          String detail = "wrong password, failure " + failures + (lock.isZero() ? "" : ", locked for " + lock);
          return AuditLog.append(conn, AuditLog.Event.of(person, "sign_in", null, AuditLog.Outcome.REFUSED,
              detail, clientIp)).map(v -> lock.isZero() ? (SignIn) new WrongCredentials()
                  : new Locked(lockedUntil.toInstant()));
        });
  }

  private Future<SignIn> succeed(SqlConnection conn, Person person, String clientIp) {
    String token = randomToken();
    String csrf = randomToken();
    return conn.preparedQuery(SUCCEEDED).execute(Tuple.of(person.personId()))
        .compose(v -> conn.preparedQuery(OPEN_SESSION).execute(Tuple.of(Buffer.buffer(sha256(token)),
            person.personId(), csrf, SESSION_LENGTH_MAX.toSeconds(), clientIp)))
        .compose(v -> AuditLog.append(conn, AuditLog.Event.of(person, "sign_in", null, AuditLog.Outcome.OK,
            null, clientIp)))
        .map(v -> new SignedIn(person, token, csrf));
  }

  // ---- sessions

  /** A live session: whose, and its CSRF token. */
  public record Session(Person person, String csrfToken) {}

  /** The person of a live session, touched so its idle time restarts; empty when it has ended. */
  public Future<Optional<Session>> resume(String sessionToken) {
    if (sessionToken == null || sessionToken.length() != 43) {
      return Future.succeededFuture(Optional.empty());
    }
    return pool.preparedQuery(RESUME)
        .execute(Tuple.of(Buffer.buffer(sha256(sessionToken)), IDLE_TIMEOUT.toSeconds()))
        .map(rows -> rows.size() == 0 ? Optional.<Session>empty()
            : Optional.of(new Session(person(rows.iterator().next()), rows.iterator().next().getString("csrf_token"))));
  }

  /** Ends the session: signing out. */
  public Future<Void> signOut(String sessionToken, Person person, String clientIp) {
    return pool.withTransaction(conn -> conn.preparedQuery(CLOSE_SESSION)
        .execute(Tuple.of(Buffer.buffer(sha256(sessionToken))))
        .compose(v -> AuditLog.append(conn, AuditLog.Event.of(person, "sign_out", null, AuditLog.Outcome.OK,
            null, clientIp))));
  }

  // ---- passwords

  /** What a password change came to. */
  public sealed interface PasswordChange {}

  public record Changed() implements PasswordChange {}

  public record CurrentPasswordWrong() implements PasswordChange {}

  /** The new password breaks a rule (too short, same as the old one). */
  public record Rejected(String field, String reason) implements PasswordChange {}

  /**
   * Replaces the password of the session's person after checking the current one, and ends the
   * person's other sessions (whoever knew the old password is signed out).
   */
  public Future<PasswordChange> changePassword(Person person, String sessionToken, char[] current,
      char[] replacement, String clientIp) {
    Optional<Invalid> invalid = checkPassword("new_password", replacement);
    if (invalid.isPresent()) {
      return Future.succeededFuture(new Rejected(invalid.get().field(), invalid.get().reason()));
    }
    if (current != null && Arrays.equals(current, replacement)) {
      return Future.succeededFuture(new Rejected("new_password", "must differ from the current password"));
    }
    return pool.withTransaction(conn -> conn.preparedQuery(PASSWORD_OF).execute(Tuple.of(person.personId()))
        .compose(rows -> {
          String hash = rows.iterator().next().getString("password_hash");
          return cryptoPool.executeBlocking(() -> current != null && current.length <= PasswordHashing.PASSWORD_LENGTH_MAX
              && PasswordHashing.verify(current, hash) ? PasswordHashing.hash(replacement) : null, false);
        })
        .compose(newHash -> {
          if (newHash == null) {
            return AuditLog.append(conn, AuditLog.Event.of(person, "password.change", null,
                AuditLog.Outcome.REFUSED, "current password wrong", clientIp))
                .map(v -> (PasswordChange) new CurrentPasswordWrong());
          }
          return conn.preparedQuery(SET_PASSWORD).execute(Tuple.of(person.personId(), newHash))
              .compose(v -> conn.preparedQuery(OTHER_SESSIONS_END)
                  .execute(Tuple.of(person.personId(), Buffer.buffer(sha256(sessionToken)))))
              .compose(v -> AuditLog.append(conn, AuditLog.Event.of(person, "password.change", null,
                  AuditLog.Outcome.OK, null, clientIp)))
              .map(v -> (PasswordChange) new Changed());
        }));
  }

  // ---- administration

  private static final String LIST = """
      SELECT person_id, login, display_name, role, regions, must_change_password, status,
             locked_until > now() AS locked, created_at
      FROM person ORDER BY login LIMIT $1
      """;
  private static final String LOCK_BY_LOGIN_FOR_ADMIN =
      "SELECT person_id, regions, status FROM person WHERE login = $1 FOR UPDATE";
  private static final String DISABLE = "UPDATE person SET status = 'DISABLED' WHERE person_id = $1";
  private static final String RESET = """
      UPDATE person SET password_hash = $2, must_change_password = true, failed_sign_ins = 0,
             locked_until = NULL, status = 'ACTIVE'
      WHERE person_id = $1
      """;
  private static final String END_SESSIONS = "DELETE FROM person_session WHERE person_id = $1";
  public static final int LIST_MAX = 1_000;

  /** A person as an administrator sees them. */
  public record Listed(String login, String displayName, PersonRole role, List<String> regions,
      boolean mustChangePassword, boolean active, boolean locked) {}

  /** Everyone (bounded), by login. */
  public Future<List<Listed>> list() {
    return pool.preparedQuery(LIST).execute(Tuple.of(LIST_MAX)).map(rows -> {
      List<Listed> out = new ArrayList<>();
      for (Row row : rows) {
        out.add(new Listed(row.getString("login"), row.getString("display_name"),
            PersonRole.fromCode(row.getString("role")).orElseThrow(), List.of(row.getArrayOfStrings("regions")),
            row.getBoolean("must_change_password"), "ACTIVE".equals(row.getString("status")),
            Boolean.TRUE.equals(row.getBoolean("locked"))));
      }
      return out;
    });
  }

  /** What an administrator's action on a person came to. */
  public sealed interface Administered {}

  /** Done; for a reset, the new one-time password. */
  public record AdministeredDone(Optional<String> oneTimePassword) implements Administered {}

  public record NoSuchPerson() implements Administered {}

  /** The person acts for a region the administrator does not, or is the administrator. */
  public record NotYours() implements Administered {}

  /**
   * Disables {@code login} (and ends its sessions), or resets its password to a new one-time
   * password (unlocking it): only for a person all of whose regions the administrator acts for,
   * and never the administrator's own account. Recorded in the same transaction.
   */
  public Future<Administered> administer(Person admin, String login, boolean reset, String clientIp) {
    String password = reset ? PasswordHashing.oneTimePassword() : null;
    Future<String> hash = reset ? cryptoPool.executeBlocking(() -> PasswordHashing.hash(password.toCharArray()), false)
        : Future.succeededFuture(null);
    return hash.compose(newHash -> pool.withTransaction(conn -> conn.preparedQuery(LOCK_BY_LOGIN_FOR_ADMIN)
        .execute(Tuple.of(login)).compose(rows -> {
          String action = reset ? "person.reset_password" : "person.disable";
          if (rows.size() == 0) {
            return Future.succeededFuture((Administered) new NoSuchPerson());
          }
          Row row = rows.iterator().next();
          long personId = row.getLong("person_id");
          if (personId == admin.personId() || !admin.regions().containsAll(List.of(row.getArrayOfStrings("regions")))) {
            return AuditLog.append(conn, AuditLog.Event.of(admin, action, login, AuditLog.Outcome.REFUSED,
                "outside the administrator's regions, or the administrator's own account", clientIp))
                .map(v -> (Administered) new NotYours());
          }
          Future<?> change = reset ? conn.preparedQuery(RESET).execute(Tuple.of(personId, newHash))
              : conn.preparedQuery(DISABLE).execute(Tuple.of(personId));
          return change.compose(v -> conn.preparedQuery(END_SESSIONS).execute(Tuple.of(personId)))
              .compose(v -> AuditLog.append(conn, AuditLog.Event.of(admin, action, login, AuditLog.Outcome.OK,
                  null, clientIp)))
              .map(v -> (Administered) new AdministeredDone(Optional.ofNullable(password)));
        })));
  }

  // ---- rows and tokens

  private static Person person(Row row) {
    String[] regions = row.getArrayOfStrings("regions");
    return new Person(row.getLong("person_id"), row.getString("login"), row.getString("display_name"),
        PersonRole.fromCode(row.getString("role")).orElseThrow(), new ArrayList<>(List.of(regions)),
        row.getBoolean("must_change_password"));
  }

  /** 32 random bytes, base64url without padding: 43 characters. */
  public static String randomToken() {
    byte[] bytes = new byte[TOKEN_BYTES];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
