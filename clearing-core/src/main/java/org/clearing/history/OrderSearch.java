package org.clearing.history;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.clearing.channel.Channel;
import org.clearing.input.FieldError;
import org.clearing.order.OrderStatus;

/**
 * Finds orders for a person who has a case number, an order number or a day in hand: by order
 * number, case number, days of creation (Beijing time), status, channel and region, always within
 * the regions the asker acts for, newest first, a page at a time. The payer's name is masked here,
 * so no caller can show it whole; the ID number only ever exists masked outside its cipher.
 */
public final class OrderSearch {

  /** A page is what a person reads at once; more is the next page. */
  public static final int PAGE_SIZE = 50;
  /** Deep pages scan far; a person narrows the criteria long before page 200. */
  public static final int PAGE_MAX = 200;
  /** A date range longer than a year is not a search but an export. */
  public static final int DAYS_MAX = 366;
  private static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);
  private static final Pattern ORDER_NO = Pattern.compile("[A-Z]{2}[0-9]{10,30}");
  private static final Pattern CASE_NO = Pattern.compile("[\\p{L}\\p{N}_.:/-]{1,64}");
  private static final Pattern REGION = Pattern.compile("[0-9]{6}");

  /**
   * Every criterion is optional except the regions; a range's days are inclusive. One statement
   * with a null test per criterion keeps it a single prepared query; the indexes on case number and
   * creation time (V36) carry the common searches.
   */
  private static final String SEARCH = """
      SELECT o.order_no, o.case_no, o.region, o.status, o.total_fen, o.payer_name, o.payer_id_masked,
             o.created_at, o.paid_channel,
             (SELECT string_agg(c.channel, ',' ORDER BY c.channel) FROM channel_order c
              WHERE c.order_no = o.order_no) AS channels
      FROM orders o
      WHERE o.region = ANY($1::text[])
        AND ($2::text IS NULL OR o.order_no = $2)
        AND ($3::text IS NULL OR o.case_no = $3)
        AND ($4::timestamptz IS NULL OR o.created_at >= $4)
        AND ($5::timestamptz IS NULL OR o.created_at < $5)
        AND ($6::text IS NULL OR o.status = $6)
        AND ($7::text IS NULL OR o.paid_channel = $7
             OR EXISTS (SELECT 1 FROM channel_order c WHERE c.order_no = o.order_no AND c.channel = $7))
      ORDER BY o.created_at DESC, o.order_no DESC
      LIMIT $8 OFFSET $9
      """;

  /** What was asked, checked: null where a criterion was left empty. */
  public record Criteria(String orderNo, String caseNo, LocalDate from, LocalDate to, OrderStatus status,
      Channel channel, String region, int page) {}

  /** A criterion as typed, parsed: the criteria, or every field that is wrong and why. */
  public sealed interface Parsed permits Valid, Invalid {}

  public record Valid(Criteria criteria) implements Parsed {}

  public record Invalid(List<FieldError> errors) implements Parsed {}

  /** One order as a search shows it. */
  public record Found(String orderNo, String caseNo, String region, OrderStatus status, long totalFen,
      String payerNameMasked, String payerIdMasked, Instant createdAt, String channels) {}

  /** A page of results, and whether another follows. */
  public record Page(List<Found> orders, int page, boolean more) {}

  private final Pool pool;

  public OrderSearch(Pool pool) {
    this.pool = pool;
  }

  /** Parses the typed criteria; blank means "any". Every field is checked, so all errors show at once. */
  public static Parsed parse(String orderNo, String caseNo, String from, String to, String status,
      String channel, String region, String page) {
    List<FieldError> errors = new ArrayList<>();
    String order = blankToNull(orderNo);
    if (order != null && !ORDER_NO.matcher(order).matches()) {
      errors.add(new FieldError("order_no", "must be an order number such as TF202612060000000001"));
    }
    String caseNumber = blankToNull(caseNo);
    if (caseNumber != null && !CASE_NO.matcher(caseNumber).matches()) {
      errors.add(new FieldError("case_no", "must be 1 to 64 letters, digits or _ . : / -"));
    }
    LocalDate fromDay = day("from", from, errors);
    LocalDate toDay = day("to", to, errors);
    if (fromDay != null && toDay != null && (toDay.isBefore(fromDay) || fromDay.plusDays(DAYS_MAX).isBefore(toDay))) {
      errors.add(new FieldError("to", "must be on or after from, and at most " + DAYS_MAX + " days later"));
    }
    OrderStatus orderStatus = null;
    String statusName = blankToNull(status);
    if (statusName != null) {
      try {
        orderStatus = OrderStatus.valueOf(statusName.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        errors.add(new FieldError("status", "must be one of " + List.of(OrderStatus.values())));
      }
    }
    Channel paidBy = null;
    String channelCode = blankToNull(channel);
    if (channelCode != null) {
      paidBy = Channel.fromCode(channelCode.toLowerCase(Locale.ROOT)).orElse(null);
      if (paidBy == null) {
        errors.add(new FieldError("channel", "must be wechat, alipay or unionpay"));
      }
    }
    String regionCode = blankToNull(region);
    if (regionCode != null && !REGION.matcher(regionCode).matches()) {
      errors.add(new FieldError("region", "must be a six-digit region code"));
    }
    int pageNo = 1;
    String pageText = blankToNull(page);
    if (pageText != null) {
      pageNo = pageText.matches("[0-9]{1,3}") ? Integer.parseInt(pageText) : 0;
      if (pageNo < 1 || pageNo > PAGE_MAX) {
        errors.add(new FieldError("page", "must be a page number from 1 to " + PAGE_MAX));
      }
    }
    return errors.isEmpty()
        ? new Valid(new Criteria(order, caseNumber, fromDay, toDay, orderStatus, paidBy, regionCode, pageNo))
        : new Invalid(errors);
  }

  /**
   * The page of orders matching {@code criteria} within {@code regions} (the asker's): a region
   * criterion outside them finds nothing, as does an empty set.
   */
  public Future<Page> search(Criteria criteria, Set<String> regions) {
    List<String> scope = criteria.region() == null ? List.copyOf(regions)
        : regions.contains(criteria.region()) ? List.of(criteria.region()) : List.of();
    if (scope.isEmpty()) {
      return Future.succeededFuture(new Page(List.of(), criteria.page(), false));
    }
    Tuple args = Tuple.tuple()
        .addArrayOfString(scope.toArray(String[]::new))
        .addString(criteria.orderNo())
        .addString(criteria.caseNo())
        .addOffsetDateTime(criteria.from() == null ? null : criteria.from().atStartOfDay().atOffset(BEIJING))
        .addOffsetDateTime(criteria.to() == null ? null : criteria.to().plusDays(1).atStartOfDay().atOffset(BEIJING))
        .addString(criteria.status() == null ? null : criteria.status().name())
        .addString(criteria.channel() == null ? null : criteria.channel().code())
        .addInteger(PAGE_SIZE + 1)
        .addInteger((criteria.page() - 1) * PAGE_SIZE);
    return pool.preparedQuery(SEARCH).execute(args).map(rows -> {
      List<Found> found = new ArrayList<>();
      for (Row row : rows) {
        if (found.size() == PAGE_SIZE) {
          return new Page(found, criteria.page(), true);
        }
        found.add(new Found(row.getString("order_no"), row.getString("case_no"), row.getString("region"),
            OrderStatus.valueOf(row.getString("status")), row.getLong("total_fen"),
            maskName(row.getString("payer_name")), row.getString("payer_id_masked"),
            row.getOffsetDateTime("created_at").toInstant(),
            Optional.ofNullable(row.getString("channels")).orElse("")));
      }
      return new Page(found, criteria.page(), false);
    });
  }

  /** 张三丰 → 张**: enough for a person on the telephone to recognise, not enough to identify. */
  public static String maskName(String name) {
    if (name == null || name.isEmpty()) {
      return "";
    }
    int first = name.offsetByCodePoints(0, 1);
    int rest = name.codePointCount(first, name.length());
    return name.substring(0, first) + "*".repeat(Math.max(1, rest));
  }

  private static LocalDate day(String field, String text, List<FieldError> errors) {
    String value = blankToNull(text);
    if (value == null) {
      return null;
    }
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      errors.add(new FieldError(field, "must be a date as YYYY-MM-DD"));
      return null;
    }
  }

  private static String blankToNull(String text) {
    return text == null || text.isBlank() ? null : text.strip();
  }
}
