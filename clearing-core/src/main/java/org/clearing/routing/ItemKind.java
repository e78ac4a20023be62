package org.clearing.routing;

import java.util.Optional;

/**
 * The kinds of money a registration case can owe. Which side a kind goes to (treasury or non-tax)
 * is the routing table's decision, not the kind's: land proceeds, for one, are non-tax revenue in
 * some cities and collected by the tax authority in others.
 */
public enum ItemKind {
  DEED_TAX("契税", "Deed tax"),
  VAT("增值税", "Value-added tax"),
  INDIVIDUAL_INCOME_TAX("个人所得税", "Individual income tax"),
  STAMP_DUTY("印花税", "Stamp duty"),
  URBAN_MAINTENANCE_TAX("城市维护建设税", "Urban maintenance and construction tax"),
  EDUCATION_SURCHARGE("教育费附加", "Education surcharge"),
  LOCAL_EDUCATION_SURCHARGE("地方教育附加", "Local education surcharge"),
  LAND_APPRECIATION_TAX("土地增值税", "Land appreciation tax"),
  REGISTRATION_FEE("不动产登记费", "Registration fee"),
  CERTIFICATE_FEE("工本费", "Certificate fee"),
  LAND_PROCEEDS("土地收益金", "Land-transfer proceeds");

  private final String chineseName;
  private final String englishName;

  ItemKind(String chineseName, String englishName) {
    this.chineseName = chineseName;
    this.englishName = englishName;
  }

  public String chineseName() {
    return chineseName;
  }

  public String englishName() {
    return englishName;
  }

  public static Optional<ItemKind> parse(String name) {
    for (ItemKind kind : values()) {
      if (kind.name().equals(name)) {
        return Optional.of(kind);
      }
    }
    return Optional.empty();
  }
}
