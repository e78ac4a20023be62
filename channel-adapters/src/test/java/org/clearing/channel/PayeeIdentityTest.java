package org.clearing.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one rule for "is this payment ours": the merchant must be named and equal, and the app,
 * sub-merchant and receivers must be equal whenever a message names them.
 */
class PayeeIdentityTest {

  private static final PayeeIdentity SENT =
      new PayeeIdentity("898340100000001", "0", "", List.of("898340100000102", "898340100000101"));

  @Test
  void theSamePayeeIsAdmittedWithReceiversInAnyOrderOrNotListed() {
    assertTrue(SENT.admits(new PayeeIdentity("898340100000001", "0", "",
        List.of("898340100000101", "898340100000102"))));
    assertTrue(SENT.admits(PayeeIdentity.of("898340100000001", "0", "")));
    assertTrue(SENT.admits(PayeeIdentity.of("898340100000001", "", "")), "a message without an app");
  }

  @Test
  void anotherMerchantAppSubMerchantOrReceiverIsNotAdmitted() {
    assertFalse(SENT.admits(PayeeIdentity.of("898340100000999", "0", "")));
    assertFalse(SENT.admits(PayeeIdentity.of("898340100000001", "1/48021000", "")));
    assertFalse(SENT.admits(PayeeIdentity.of("898340100000001", "0", "SUB000000000001")));
    assertFalse(SENT.admits(new PayeeIdentity("898340100000001", "0", "",
        List.of("898340100000101", "898340100000999"))));
    assertFalse(SENT.admits(new PayeeIdentity("898340100000001", "0", "",
        List.of("898340100000101"))), "a receiver left out is not the split we sent");
  }

  @Test
  void aMessageNamingNoMerchantIsNeverOurs() {
    assertFalse(SENT.admits(PayeeIdentity.UNREPORTED));
    assertFalse(PayeeIdentity.UNREPORTED.admits(PayeeIdentity.UNREPORTED));
  }

  @Test
  void theAccountAloneIgnoresReceivers() {
    assertTrue(PayeeIdentity.of("898340100000001", "0", "").admitsAccount(SENT));
    assertFalse(PayeeIdentity.of("898340100000001", "0", "").admits(SENT));
  }

  @Test
  void theStoredFormReadsBackExactly() {
    assertEquals(SENT, PayeeIdentity.fromJson(SENT.toJson()));
    assertThrows(IllegalArgumentException.class, () -> PayeeIdentity.fromJson("\"not an object\""));
  }
}
