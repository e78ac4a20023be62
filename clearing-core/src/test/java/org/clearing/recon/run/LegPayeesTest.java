package org.clearing.recon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

// Proves that the legs held for the item writer answer only for the exact out_trade_no and leg
// (or receiver), that legs of earlier orders are let go as items move on, and that the number
// held stays bounded however far the records run ahead: what is not answered is looked up.
class LegPayeesTest {

  @Test
  void aLegIsAnsweredByItsOrderAndNumberOrReceiverOnly() {
    LegPayees legs = new LegPayees();
    legs.add("A", 1, "1900000101", "TRE-341500");
    legs.add("A", 2, "1900000102", "NTX-341500");
    legs.add("B", 1, "1900000104", "NTX-341522");

    assertEquals("NTX-341500", legs.byLegNo("A", 2));
    assertEquals("TRE-341500", legs.byLegNo("A", 1));
    assertNull(legs.byLegNo("A", 3), "a leg the records do not have is left to the lookup");
    assertEquals("TRE-341500", legs.byReceiver("A", "1900000101"));
    assertNull(legs.byReceiver("A", "1900000104"), "another order's receiver");
    assertNull(legs.byReceiver("A", ""));
    assertEquals("NTX-341522", legs.byLegNo("B", 1));
    assertNull(legs.byLegNo("A", 1), "an earlier order's legs were let go");
    assertEquals(1, legs.held());
  }

  @Test
  void aLegWhosePayeeTheLookupMustDecideIsNotHeld() {
    LegPayees legs = new LegPayees();
    legs.add("A", 1, "", null);

    assertNull(legs.byLegNo("A", 1));
    assertEquals(0, legs.held());
  }

  @Test
  void anItemOfALaterOrderLetsGoOfEveryEarlierOneAndTheHeldLegsAreBounded() {
    LegPayees legs = new LegPayees();
    for (int i = 0; i < LegPayees.HELD_MAX + 10; i++) {
      legs.add(String.format("O%08d", i), 1, "", "P" + i);
    }

    assertEquals(LegPayees.HELD_MAX, legs.held());
    assertNull(legs.byLegNo(String.format("O%08d", 5), 1), "the oldest went; its item is looked up");
    assertEquals("P20", legs.byLegNo(String.format("O%08d", 20), 1));
    legs.dropBefore(String.format("O%08d", LegPayees.HELD_MAX));
    assertEquals(10, legs.held());
  }
}
