package org.clearing.report;

import java.util.Optional;

/** How a report is served. */
public enum ReportFormat {
  JSON("application/json; charset=utf-8", "json"),
  CSV("text/csv; charset=utf-8", "csv"),
  XLSX(Xlsx.CONTENT_TYPE, "xlsx");

  private final String contentType;
  private final String extension;

  ReportFormat(String contentType, String extension) {
    this.contentType = contentType;
    this.extension = extension;
  }

  public String contentType() {
    return contentType;
  }

  public String extension() {
    return extension;
  }

  public static Optional<ReportFormat> parse(String code) {
    for (ReportFormat format : values()) {
      if (format.extension.equals(code)) {
        return Optional.of(format);
      }
    }
    return Optional.empty();
  }
}
