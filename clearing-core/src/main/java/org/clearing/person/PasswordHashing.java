package org.clearing.person;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in the PHC string form
 * {@code $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>} (unpadded base64), so the
 * parameters travel with each hash and can be raised later without invalidating old ones.
 *
 * <p>The parameters are OWASP's first Argon2id recommendation (19 MiB, 2 passes, 1 lane): about
 * 50 ms on one core here, which makes guessing slow and keeps a burst of sign-ins cheap enough.
 * Hashing is CPU-heavy: callers run it on the crypto worker pool, never on an event loop.
 */
public final class PasswordHashing {

  public static final int MEMORY_KIB = 19 * 1024;
  public static final int PASSES = 2;
  public static final int LANES = 1;
  public static final int SALT_BYTES = 16;
  public static final int HASH_BYTES = 32;
  /** Bounds the work one sign-in can ask for; longer passwords add nothing but cost. */
  public static final int PASSWORD_LENGTH_MAX = 128;
  public static final int PASSWORD_LENGTH_MIN = 12;
  /** Bounds what a stored hash may ask for, so a tampered row cannot stall a worker. */
  static final int MEMORY_KIB_MAX = 256 * 1024;
  static final int PASSES_MAX = 10;

  private static final Pattern PHC = Pattern.compile(
      "\\$argon2id\\$v=19\\$m=([0-9]{1,7}),t=([0-9]{1,2}),p=([0-9]{1,2})\\$([A-Za-z0-9+/]{16,64})\\$([A-Za-z0-9+/]{16,128})");
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64_DECODER = Base64.getDecoder();
  private static final SecureRandom RANDOM = new SecureRandom();

  private PasswordHashing() {}

  /** A new salted hash of {@code password}. Blocking (tens of milliseconds). */
  public static String hash(char[] password) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    byte[] hash = derive(password, salt, MEMORY_KIB, PASSES, LANES, HASH_BYTES);
    return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + PASSES + ",p=" + LANES + "$"
        + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
  }

  /**
   * Whether {@code password} matches {@code phc}, compared in constant time. A null or malformed
   * stored hash is checked against a decoy and never matches. Blocking.
   */
  public static boolean verify(char[] password, String phc) {
    Matcher m = phc == null ? null : PHC.matcher(phc);
    if (m == null || !m.matches()) {
      verify(password, Decoy.HASH);
      return false;
    }
    int memoryKib = Integer.parseInt(m.group(1));
    int passes = Integer.parseInt(m.group(2));
    int lanes = Integer.parseInt(m.group(3));
    if (memoryKib < 8 * lanes || memoryKib > MEMORY_KIB_MAX || passes < 1 || passes > PASSES_MAX || lanes < 1) {
      return false;
    }
    byte[] expected = B64_DECODER.decode(m.group(5));
    byte[] actual = derive(password, B64_DECODER.decode(m.group(4)), memoryKib, passes, lanes, expected.length);
    return MessageDigest.isEqual(expected, actual);
  }

  /** Spends the time of one verification, for a login that has no hash to check. */
  public static void verifyDecoy(char[] password) {
    verify(password, Decoy.HASH);
  }

  /** A hash to check unknown logins against, so that they take as long as known ones; made on first use. */
  private static final class Decoy {
    static final String HASH = hash("decoy-password-never-valid".toCharArray());
  }

  private static byte[] derive(char[] password, byte[] salt, int memoryKib, int passes, int lanes, int length) {
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13)
        .withMemoryAsKB(memoryKib)
        .withIterations(passes)
        .withParallelism(lanes)
        .withSalt(salt)
        .build());
    byte[] out = new byte[length];
    byte[] utf8 = toUtf8(password);
    try {
      generator.generateBytes(utf8, out);
    } finally {
      Arrays.fill(utf8, (byte) 0);
    }
    return out;
  }

  private static byte[] toUtf8(char[] password) {
    java.nio.ByteBuffer buffer = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(password));
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }

  /** A one-time password for a new person: 20 characters a person can type (no 0/O, 1/l/I). */
  public static String oneTimePassword() {
    String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      out.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return out.toString();
  }
}
