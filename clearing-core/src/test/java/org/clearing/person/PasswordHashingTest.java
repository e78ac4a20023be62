package org.clearing.person;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Argon2id hashes in PHC form: the right password verifies, any other does not; a hash altered
 * by one character, a malformed one, or one demanding absurd work never verifies; each hash has
 * its own salt. And the lockout's back-off, as data.
 */
class PasswordHashingTest {

  @Test
  void theRightPasswordVerifiesAndNoOtherDoes() {
    String hash = PasswordHashing.hash("correct horse battery".toCharArray());
    assertTrue(PasswordHashing.verify("correct horse battery".toCharArray(), hash));
    assertFalse(PasswordHashing.verify("correct horse batterY".toCharArray(), hash));
    assertFalse(PasswordHashing.verify(new char[0], hash));
  }

  @Test
  void theSamePasswordHashesDifferentlyEachTime() {
    String one = PasswordHashing.hash("same password here".toCharArray());
    String two = PasswordHashing.hash("same password here".toCharArray());
    assertNotEquals(one, two);
    assertTrue(one.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), one);
  }

  @Test
  void alteredMalformedOrAbsurdHashesNeverVerify() {
    String hash = PasswordHashing.hash("a password of mine".toCharArray());
    char last = hash.charAt(hash.length() - 2);
    String altered = hash.substring(0, hash.length() - 2) + (last == 'A' ? 'B' : 'A') + hash.charAt(hash.length() - 1);
    assertFalse(PasswordHashing.verify("a password of mine".toCharArray(), altered));
    assertFalse(PasswordHashing.verify("a password of mine".toCharArray(), "plain text"));
    assertFalse(PasswordHashing.verify("a password of mine".toCharArray(), null));
    assertFalse(PasswordHashing.verify("a password of mine".toCharArray(),
        hash.replace("m=19456", "m=9999999")), "a tampered row cannot ask for 10 GB");
    assertFalse(PasswordHashing.verify("a password of mine".toCharArray(), hash.replace("$argon2id$", "$argon2i$")));
  }

  @Test
  void oneTimePasswordsAreLongAndDiffer() {
    String one = PasswordHashing.oneTimePassword();
    assertEquals(20, one.length());
    assertNotEquals(one, PasswordHashing.oneTimePassword());
  }

  @Test
  void theLockStartsAfterFiveFailuresAndDoublesUpToAQuarterOfAnHour() {
    assertEquals(Duration.ZERO, SignInPolicy.lockAfter(4));
    assertEquals(Duration.ofSeconds(30), SignInPolicy.lockAfter(5));
    assertEquals(Duration.ofSeconds(60), SignInPolicy.lockAfter(6));
    assertEquals(Duration.ofSeconds(120), SignInPolicy.lockAfter(7));
    assertEquals(Duration.ofMinutes(15), SignInPolicy.lockAfter(12));
    assertEquals(Duration.ofMinutes(15), SignInPolicy.lockAfter(1_000));
  }
}
