package org.clearing.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.LocalDate;
import java.util.List;
import org.clearing.channel.Channel;
import org.clearing.input.FieldError;
import org.clearing.order.OrderStatus;
import org.junit.jupiter.api.Test;

/**
 * The order search's criteria as a person types them: blanks mean "any", every wrong field is
 * named at once with its reason, and a payer's name is masked to its first character.
 */
class OrderSearchTest {

  @Test
  void blankCriteriaMeanAnyAndTypedOnesAreParsed() {
    OrderSearch.Valid any = assertInstanceOf(OrderSearch.Valid.class,
        OrderSearch.parse("", " ", null, "", "", "", "", ""));
    assertEquals(new OrderSearch.Criteria(null, null, null, null, null, null, null, 1), any.criteria());

    OrderSearch.Valid typed = assertInstanceOf(OrderSearch.Valid.class, OrderSearch.parse("TF202612060000000001",
        " BDC-2026/001 ", "2026-12-01", "2026-12-06", "paid", "WeChat", "341522", "3"));
    assertEquals(new OrderSearch.Criteria("TF202612060000000001", "BDC-2026/001", LocalDate.of(2026, 12, 1),
        LocalDate.of(2026, 12, 6), OrderStatus.PAID, Channel.WECHAT, "341522", 3), typed.criteria());
  }

  @Test
  void everyWrongFieldIsNamedAtOnce() {
    OrderSearch.Invalid invalid = assertInstanceOf(OrderSearch.Invalid.class, OrderSearch.parse("12345",
        "BDC 1", "2026-13-45", "yesterday", "LOST", "paypal", "34152", "0"));
    assertEquals(List.of("order_no", "case_no", "from", "to", "status", "channel", "region", "page"),
        invalid.errors().stream().map(FieldError::field).toList());
  }

  @Test
  void aRangeBackwardsOrLongerThanAYearIsRefused() {
    assertInstanceOf(OrderSearch.Invalid.class,
        OrderSearch.parse("", "", "2026-12-06", "2026-12-05", "", "", "", ""));
    assertInstanceOf(OrderSearch.Invalid.class,
        OrderSearch.parse("", "", "2025-01-01", "2026-12-06", "", "", "", ""));
    assertInstanceOf(OrderSearch.Valid.class,
        OrderSearch.parse("", "", "2026-12-06", "2026-12-06", "", "", "", "200"));
    assertInstanceOf(OrderSearch.Invalid.class, OrderSearch.parse("", "", "", "", "", "", "", "201"));
  }

  @Test
  void aPayersNameKeepsOnlyItsFirstCharacter() {
    assertEquals("张**", OrderSearch.maskName("张三丰"));
    assertEquals("李*", OrderSearch.maskName("李"));
    assertEquals("𠀋*", OrderSearch.maskName("𠀋四"), "a character outside the BMP is one character");
    assertEquals("", OrderSearch.maskName(null));
  }
}
