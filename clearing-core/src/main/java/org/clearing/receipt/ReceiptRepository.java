package org.clearing.receipt;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.clearing.order.OrderEvent;
import org.clearing.order.OrderStatus;
import org.clearing.order.OrderTransitions;
import org.clearing.order.Orders;
import org.clearing.outbox.Outbox;
import org.clearing.routing.PayeeSide;

/**
 * Receipts close the loop with the authorities: the tax authority lists paid tax lines and
 * confirms each with its certificate number; the finance bureau confirms non-tax lines with the
 * e-bill number. A confirmation is recorded once; the same number again is a no-op, another
 * number is a conflict. An order whose lines are all confirmed and whose legs are all settled is
 * complete.
 */
public final class ReceiptRepository {

  /** Days are business days in Beijing time, as the authorities count them. */
  public static final ZoneOffset BEIJING = ZoneOffset.ofHours(8);
  public static final int PAGE_SIZE_MAX = 1_000;

  private static final String LIST = """
      SELECT l.order_no, l.line_no, l.kind, l.amount_fen, l.payee_account_id, l.tax_office_code,
             l.tax_voucher_no, l.budget_subject_code, l.budget_level, l.treasury_code,
             l.collecting_unit_code, l.income_item_code, l.payment_code, l.confirmation_no,
             l.confirmed_at, o.case_no, o.region, o.payer_id_masked, o.paid_at, o.status
      FROM order_line l JOIN orders o ON o.order_no = l.order_no
      WHERE l.side = $1 AND o.paid_at >= $2 AND o.paid_at < $3
        AND o.status = ANY($4::text[])
        AND ($5 = 'all' OR ($5 = 'confirmed') = (l.confirmation_no IS NOT NULL))
        AND (l.order_no, l.line_no) > ($6, $7)
        AND ($9::text[] IS NULL OR o.region = ANY($9::text[]))
        AND ($10::text IS NULL OR l.tax_office_code = $10::text)
      ORDER BY l.order_no, l.line_no
      LIMIT $8
      """;
  private static final String LOCK_LINE = """
      SELECT l.side, l.confirmation_no, l.tax_voucher_no, o.status, o.region
      FROM order_line l JOIN orders o ON o.order_no = l.order_no
      WHERE l.order_no = $1 AND l.line_no = $2 FOR UPDATE OF o, l
      """;
  private static final String CONFIRM = """
      UPDATE order_line SET confirmation_no = $3, confirmed_by = $4, confirmed_at = now(),
             tax_voucher_no = COALESCE(tax_voucher_no, $5)
      WHERE order_no = $1 AND line_no = $2 AND confirmation_no IS NULL
      """;
  private static final String COMPLETION = """
      SELECT (SELECT count(*) FROM order_line l WHERE l.order_no = $1 AND l.confirmation_no IS NULL
                AND NOT EXISTS (SELECT 1 FROM refund_line r WHERE r.order_no = l.order_no AND r.line_no = l.line_no))
               AS open_lines,
             (SELECT count(*) FROM leg WHERE order_no = $1
                AND status NOT IN ('SETTLED', 'REFUNDED')) AS open_legs
      """;

  /** Orders whose lines can be confirmed: paid, and not taken back. */
  static final String[] CONFIRMABLE = {
      OrderStatus.PAID.name(), OrderStatus.SETTLED.name(), OrderStatus.COMPLETE.name()};

  private final Pool pool;

  public ReceiptRepository(Pool pool) {
    this.pool = pool;
  }

  /** A line as an authority needs it. */
  public record ReceiptLine(
      String orderNo, int lineNo, String kind, long amountFen, String payeeAccountId,
      String taxOfficeCode, String taxVoucherNo, String budgetSubjectCode, String budgetLevel,
      String treasuryCode, String collectingUnitCode, String incomeItemCode, String paymentCode,
      String confirmationNo, Instant confirmedAt, String caseNo, String region,
      String payerIdMasked, Instant paidAt) {}

  /** Which lines to list. */
  public enum Filter { UNCONFIRMED, CONFIRMED, ALL }

  public Future<List<ReceiptLine>> list(PayeeSide side, LocalDate day, Filter filter,
      String afterOrderNo, int afterLineNo, int limit) {
    return list(side, day, filter, null, afterOrderNo, afterLineNo, limit);
  }

  /**
   * The lines of {@code day}, only of {@code regions} when not null: a person in a console acts
   * for some regions only, an API client for all.
   */
  public Future<List<ReceiptLine>> list(PayeeSide side, LocalDate day, Filter filter, Set<String> regions,
      String afterOrderNo, int afterLineNo, int limit) {
    return list(side, day, filter, regions, null, afterOrderNo, afterLineNo, limit);
  }

  /**
   * As above, and only the lines of {@code taxOfficeCode} when not null: an officer works through
   * one tax office's lines at a time.
   */
  public Future<List<ReceiptLine>> list(PayeeSide side, LocalDate day, Filter filter, Set<String> regions,
      String taxOfficeCode, String afterOrderNo, int afterLineNo, int limit) {
    OffsetDateTime from = day.atStartOfDay().atOffset(BEIJING);
    return pool.preparedQuery(LIST).execute(Tuple.tuple()
            .addString(side.name())
            .addOffsetDateTime(from)
            .addOffsetDateTime(from.plusDays(1))
            .addArrayOfString(CONFIRMABLE)
            .addString(filter.name().toLowerCase(java.util.Locale.ROOT))
            .addString(afterOrderNo)
            .addInteger(afterLineNo)
            .addInteger(Math.min(limit, PAGE_SIZE_MAX))
            .addArrayOfString(regions == null ? null : regions.toArray(String[]::new))
            .addString(taxOfficeCode))
        .map(rows -> {
          List<ReceiptLine> lines = new ArrayList<>();
          for (Row row : rows) {
            lines.add(line(row));
          }
          return lines;
        });
  }

  /** The outcome of a confirmation. */
  public sealed interface Confirmed {}

  /** Recorded now, or already recorded with the same number (idempotent). */
  public record Done(boolean alreadyConfirmed, boolean orderCompleted) implements Confirmed {}

  /** Already confirmed with another number, or the voucher differs. */
  public record Conflict(String reason) implements Confirmed {}

  /** No such line for this authority, or not paid. */
  public record NotConfirmable(String reason, boolean notFound) implements Confirmed {}

  /** The line is of a region the confirming person does not act for. */
  public record OutOfScope(String region) implements Confirmed {}

  public Future<Confirmed> confirm(PayeeSide side, String orderNo, int lineNo,
      String confirmationNo, String taxVoucherNo, String confirmedBy) {
    return pool.withTransaction(conn -> confirmIn(conn, side,
        new Confirmation(orderNo, lineNo, confirmationNo, taxVoucherNo), confirmedBy, null));
  }

  /** One line to confirm with its number. */
  public record Confirmation(String orderNo, int lineNo, String confirmationNo, String taxVoucherNo) {}

  /** What confirming several lines together came to: every outcome, and whether they were kept. */
  public record Batch(List<Confirmed> outcomes, boolean committed) {}

  /**
   * Confirms {@code lines} in one transaction, each as {@link #confirm} would, only of
   * {@code regions} when not null: all or none. If any line is refused (conflict, not confirmable,
   * out of scope) nothing is kept and every outcome is returned, so a person sees each row's error.
   * {@code record} runs inside the transaction with the outcomes (the audit of the action), so the
   * confirmations are never kept without it.
   */
  public Future<Batch> confirmAll(PayeeSide side, List<Confirmation> lines, String confirmedBy,
      Set<String> regions, java.util.function.BiFunction<SqlConnection, Batch, Future<Void>> record) {
    List<Confirmed> outcomes = new ArrayList<>();
    return pool.withTransaction(conn -> confirmEach(conn, side, lines, 0, confirmedBy, regions, outcomes)
        .compose(v -> {
          boolean allDone = outcomes.stream().allMatch(o -> o instanceof Done);
          Batch batch = new Batch(List.copyOf(outcomes), allDone);
          return allDone ? record.apply(conn, batch).map(batch) : Future.failedFuture(new Refused(batch));
        }))
        .recover(e -> e instanceof Refused refused ? Future.succeededFuture(refused.batch) : Future.failedFuture(e));
  }

  /** Rolls the batch back: an expected outcome, carried as a failure only to end the transaction. */
  private static final class Refused extends RuntimeException {
    final transient Batch batch;

    Refused(Batch batch) {
      super("batch refused", null, false, false);
      this.batch = batch;
    }
  }

  private Future<Void> confirmEach(SqlConnection conn, PayeeSide side, List<Confirmation> lines, int index,
      String confirmedBy, Set<String> regions, List<Confirmed> outcomes) {
    if (index == lines.size()) {
      return Future.succeededFuture();
    }
    return confirmIn(conn, side, lines.get(index), confirmedBy, regions).compose(outcome -> {
      outcomes.add(outcome);
      return confirmEach(conn, side, lines, index + 1, confirmedBy, regions, outcomes);
    });
  }

  private Future<Confirmed> confirmIn(SqlConnection conn, PayeeSide side, Confirmation line, String confirmedBy,
      Set<String> regions) {
    String orderNo = line.orderNo();
    int lineNo = line.lineNo();
    String confirmationNo = line.confirmationNo();
    String taxVoucherNo = line.taxVoucherNo();
    return conn.preparedQuery(LOCK_LINE).execute(Tuple.of(orderNo, lineNo))
        .compose(rows -> {
          if (rows.size() == 0 || !rows.iterator().next().getString("side").equals(side.name())) {
            return Future.succeededFuture(new NotConfirmable("no such line", true));
          }
          Row row = rows.iterator().next();
          if (regions != null && !regions.contains(row.getString("region"))) {
            return Future.succeededFuture(new OutOfScope(row.getString("region")));
          }
          String existing = row.getString("confirmation_no");
          String voucher = row.getString("tax_voucher_no");
          if (existing != null) {
            return Future.succeededFuture(existing.equals(confirmationNo)
                && (taxVoucherNo == null || taxVoucherNo.equals(voucher))
                ? new Done(true, false)
                : new Conflict("line is already confirmed with " + existing));
          }
          if (taxVoucherNo != null && voucher != null && !voucher.equals(taxVoucherNo)) {
            return Future.succeededFuture(new Conflict("line carries tax voucher " + voucher));
          }
          if (!List.of(CONFIRMABLE).contains(row.getString("status"))) {
            return Future.succeededFuture(new NotConfirmable(
                "order is " + row.getString("status") + "; only paid orders are confirmed", false));
          }
          OrderStatus status = OrderStatus.valueOf(row.getString("status"));
          return conn.preparedQuery(CONFIRM)
              .execute(Tuple.of(orderNo, lineNo, confirmationNo, confirmedBy, taxVoucherNo))
              .compose(v -> completeIfDone(conn, orderNo, status))
              .map(completed -> (Confirmed) new Done(false, completed));
        });
  }

  /**
   * Moves a settled order to COMPLETE when no line is unconfirmed and no leg unsettled, with its
   * outbox event. Settlement calls this too, for the last leg settled after the last receipt.
   */
  public static Future<Boolean> completeIfDone(SqlConnection conn, String orderNo, OrderStatus status) {
    if (OrderTransitions.next(status, OrderEvent.ALL_CONFIRMED).isEmpty()) {
      return Future.succeededFuture(false);
    }
    return conn.preparedQuery(COMPLETION).execute(Tuple.of(orderNo)).compose(rows -> {
      Row row = rows.iterator().next();
      if (row.getLong("open_lines") > 0 || row.getLong("open_legs") > 0) {
        return Future.succeededFuture(false);
      }
      // Both callers hold the order's lock: the confirmation (LOCK_LINE) and the settlement (its move).
      return Orders.transition(conn, Orders.Guard.LOCKED, List.of(Orders.Move.of(orderNo, status, OrderEvent.ALL_CONFIRMED)))
          .compose(moved -> Outbox.append(conn, new Outbox.Event("order.complete", orderNo,
              new io.vertx.core.json.JsonObject().put("type", "order.complete").put("order_no", orderNo))))
          .map(true);
    });
  }

  private static ReceiptLine line(Row row) {
    OffsetDateTime confirmedAt = row.getOffsetDateTime("confirmed_at");
    return new ReceiptLine(
        row.getString("order_no"), row.getInteger("line_no"), row.getString("kind"),
        row.getLong("amount_fen"), row.getString("payee_account_id"),
        row.getString("tax_office_code"), row.getString("tax_voucher_no"),
        row.getString("budget_subject_code"), row.getString("budget_level"),
        row.getString("treasury_code"), row.getString("collecting_unit_code"),
        row.getString("income_item_code"), row.getString("payment_code"),
        row.getString("confirmation_no"), confirmedAt == null ? null : confirmedAt.toInstant(),
        row.getString("case_no"), row.getString("region"), row.getString("payer_id_masked"),
        row.getOffsetDateTime("paid_at").toInstant());
  }
}
