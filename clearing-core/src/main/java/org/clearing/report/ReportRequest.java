package org.clearing.report;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.clearing.input.FieldError;

/** A report request's query parameters, checked: {@code date=YYYY-MM-DD} and {@code format=json|csv|xlsx}. */
public record ReportRequest(LocalDate day, ReportFormat format) {

  private static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");

  /** What parsing came to: a request, or the field errors to answer with. */
  public sealed interface Parsed {}

  public record Valid(ReportRequest request) implements Parsed {}

  public record Invalid(List<FieldError> errors) implements Parsed {}

  public static Parsed parse(String date, String format) {
    List<FieldError> errors = new ArrayList<>();
    LocalDate day = null;
    if (date != null && DATE.matcher(date).matches()) {
      try {
        day = LocalDate.parse(date);
      } catch (DateTimeParseException e) {
        day = null;
      }
    }
    if (day == null) {
      errors.add(new FieldError("date", "is required as YYYY-MM-DD (the business day, Beijing time)"));
    }
    ReportFormat parsed = format == null ? ReportFormat.JSON : ReportFormat.parse(format).orElse(null);
    if (parsed == null) {
      errors.add(new FieldError("format", "must be json, csv or xlsx"));
    }
    return errors.isEmpty() ? new Valid(new ReportRequest(day, parsed)) : new Invalid(errors);
  }
}
