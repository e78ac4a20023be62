package org.clearing.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Order request bodies for tests. */
public final class OrderBodies {

  private OrderBodies() {}

  /** Deed tax, registration fee and certificate fee in Lu'an city: two payee accounts. */
  public static JsonObject typical(String caseNo) {
    return new JsonObject()
        .put("case_no", caseNo)
        .put("region", "341500")
        .put("payer", new JsonObject().put("name", "张三").put("id_no", "34150019900101123X"))
        .put("lines", new JsonArray()
            .add(line("DEED_TAX", 1_500_000))
            .add(line("REGISTRATION_FEE", 8_000))
            .add(line("CERTIFICATE_FEE", 1_000)));
  }

  public static JsonObject line(String kind, long amountFen) {
    return new JsonObject().put("kind", kind).put("amount_fen", amountFen);
  }
}
