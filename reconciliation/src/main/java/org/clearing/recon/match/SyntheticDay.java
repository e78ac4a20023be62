package org.clearing.recon.match;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.clearing.channel.Channel;
import org.clearing.channel.Money;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.StatementLine;

/**
 * A synthetic business day for one channel: N orders as the engine recorded them and as the
 * channel's bill shows them, with a known mix of planted discrepancies. Everything is derived from
 * the seed and the order's index, so both sides stream in bounded memory, in different orders, and
 * the same seed gives the same day. {@link #report()} says what was planted, so a test or the
 * load-tests benchmark (which writes these lines in the channels' real bill formats) can check that
 * the matcher finds every planted discrepancy and nothing else.
 *
 * <p>Bills are shaped as the channels shape them (see {@link ChannelKeys}): WeChat one row per leg
 * numbered {@code <outTradeNo>L<legNo>}, Alipay one row per trade, UnionPay a payment line and one
 * split line per receiver. Orders have one to three legs. Fees are 0.6 % rounded half up, returned
 * on refunds. Times stay clear of the pending window unless a PENDING item is planted.
 */
public final class SyntheticDay {

  /** What happens to one order. Each discrepancy is planted on about {@code perMille} ‰ of orders. */
  public enum Plant {
    NONE,
    /** A refund recorded on both sides: not a discrepancy, but refunds must match too. */
    REFUND,
    SHORT,
    LONG,
    AMOUNT_OFF_BY_ONE_FEN,
    REFUNDED_AT_CHANNEL_ONLY,
    /** One leg settled 1 fen short and another 1 fen over: the total still agrees. */
    LEG_SETTLED_SHORT,
    ENGINE_PAYMENT_TWICE,
    BILL_LINE_TWICE,
    PENDING_ENGINE_ONLY,
    PENDING_BILL_ONLY
  }

  /** One discrepancy the matcher must report. */
  public record Planted(ReconClass reconClass, ItemKind kind, String outTradeNo) {}

  /** What the day holds. */
  public record Report(
      List<Planted> planted,
      Map<Plant, Long> ordersByPlant,
      long statementLines,
      long engineRecords,
      long paymentFeeFen,
      long refundFeeFen) {}

  private static final List<Plant> DISCREPANCIES = List.of(Plant.SHORT, Plant.LONG,
      Plant.AMOUNT_OFF_BY_ONE_FEN, Plant.REFUNDED_AT_CHANNEL_ONLY, Plant.LEG_SETTLED_SHORT,
      Plant.ENGINE_PAYMENT_TWICE, Plant.BILL_LINE_TWICE, Plant.PENDING_ENGINE_ONLY,
      Plant.PENDING_BILL_ONLY);
  private static final int REFUNDS_PER_MILLE = 20;
  private static final long FEE_RATE_BP = 60;
  private static final long LEG_FEN_MIN = 100;
  private static final long LEG_FEN_MAX = 5_000_000;
  private static final int LEGS_MAX = 3;
  /** Receivers per channel, as many as the demo region's payee accounts (V3__channels.sql). */
  private static final int ACCOUNTS = 4;
  private static final Duration MARGIN = Duration.ofMinutes(1);
  /** Multiplying by a number prime to 10^10 permutes 10-digit numbers: unique, unsorted order numbers. */
  private static final long SCRAMBLE = 7_919_993L;
  private static final long TEN_DIGITS = 10_000_000_000L;

  private final MatchOptions options;
  private final long seed;
  private final int orders;
  private final int perMille;
  private final String datePart;

  /**
   * @param options the day, channel and pending window the matcher will use
   * @param orders how many orders (at most 10^10)
   * @param perMille how often each kind of discrepancy is planted, per thousand orders
   */
  public SyntheticDay(MatchOptions options, long seed, int orders, int perMille) {
    if (orders < 0 || perMille < 0 || perMille * DISCREPANCIES.size() + REFUNDS_PER_MILLE > 1000) {
      throw new IllegalArgumentException("orders ≥ 0 and at most 1000 ‰ of plants in total");
    }
    Duration interior = Duration.between(options.dayStart(), options.dayEnd())
        .minus(options.pendingWindow().plus(MARGIN).multipliedBy(2));
    if (interior.compareTo(Duration.ofMinutes(10)) < 0) {
      throw new IllegalArgumentException("the pending window leaves no day in between");
    }
    this.options = options;
    this.seed = seed;
    this.orders = orders;
    this.perMille = perMille;
    this.datePart = options.businessDate().format(DateTimeFormatter.BASIC_ISO_DATE);
  }

  /** About how many orders give this many bill lines on the channel (legs average two). */
  public static int ordersForLines(Channel channel, long lines) {
    long perOrder = switch (channel) {
      case WECHAT -> 2;
      case ALIPAY -> 1;
      case UNIONPAY -> 3;
    };
    return Math.toIntExact(Math.max(1, lines / perOrder));
  }

  /** The bill's lines, order by order (not sorted by any key). */
  public Iterator<StatementLine> statementLines() {
    return flatten(i -> order(i).lines());
  }

  /** The engine's records, in the reverse order of the bill's. */
  public Iterator<EngineRecord> engineRecords() {
    return flatten(i -> order(orders - 1 - i).records());
  }

  /** Walks the day once without keeping it and says what was planted. */
  public Report report() {
    List<Planted> planted = new ArrayList<>();
    Map<Plant, Long> byPlant = new EnumMap<>(Plant.class);
    long lines = 0;
    long records = 0;
    long paymentFee = 0;
    long refundFee = 0;
    for (int i = 0; i < orders; i++) {
      Order order = order(i);
      byPlant.merge(order.plant, 1L, Long::sum);
      planted.addAll(order.expected());
      for (StatementLine line : order.lines()) {
        lines++;
        if (line.kind() == StatementLine.Kind.REFUND) {
          refundFee += line.fee().fen();
        } else {
          paymentFee += line.fee().fen();
        }
      }
      records += order.records().size();
    }
    return new Report(Collections.unmodifiableList(planted), Collections.unmodifiableMap(byPlant),
        lines, records, paymentFee, refundFee);
  }

  private <T> Iterator<T> flatten(IntFunction<List<T>> perOrder) {
    return new Iterator<>() {
      private int next;
      private Iterator<T> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && next < orders) {
          current = perOrder.apply(next++).iterator();
        }
        return current.hasNext();
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }

  private Order order(int index) {
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    int draw = random.nextInt(1000);
    Plant plant = draw < perMille * DISCREPANCIES.size() ? DISCREPANCIES.get(draw / perMille)
        : draw < perMille * DISCREPANCIES.size() + REFUNDS_PER_MILLE ? Plant.REFUND : Plant.NONE;
    if (plant == Plant.LEG_SETTLED_SHORT && options.channel() == Channel.ALIPAY) {
      // Alipay bills do not show legs (ChannelKeys), so a split cannot be planted there.
      plant = Plant.NONE;
    }
    boolean pending = plant == Plant.PENDING_ENGINE_ONLY || plant == Plant.PENDING_BILL_ONLY;
    if (pending && options.pendingWindow().toSeconds() < 2) {
      // Without a window there is no "near the boundary" to plant in.
      plant = Plant.NONE;
      pending = false;
    }
    int legCount = plant == Plant.LEG_SETTLED_SHORT ? 2 + random.nextInt(LEGS_MAX - 1)
        : 1 + random.nextInt(LEGS_MAX);
    long[] legFen = new long[legCount];
    for (int leg = 0; leg < legCount; leg++) {
      legFen[leg] = random.nextLong(LEG_FEN_MIN, LEG_FEN_MAX);
    }
    String number = String.format("%010d", Math.floorMod(index * SCRAMBLE + 12_345, TEN_DIGITS));
    Instant paidAt = pending
        ? options.dayEnd().minusSeconds(1 + random.nextLong(options.pendingWindow().toSeconds() - 1))
        : interiorTime(random);
    return new Order(this, plant, OutTradeNumbers.of(options.channel(), "TF" + datePart + number), number,
        legFen, random.nextInt(ACCOUNTS), paidAt);
  }

  private Instant interiorTime(SplittableRandom random) {
    Instant from = options.dayStart().plus(options.pendingWindow()).plus(MARGIN);
    Instant to = options.dayEnd().minus(options.pendingWindow()).minus(MARGIN);
    return from.plusSeconds(random.nextLong(Duration.between(from, to).toSeconds() / 2));
  }

  private static long fee(long amountFen) {
    return Math.addExact(Math.multiplyExact(amountFen, FEE_RATE_BP), 5_000) / 10_000;
  }

  /** One order's two sides, built on demand from its index. */
  private record Order(SyntheticDay day, Plant plant, String outTradeNo, String number,
      long[] legFen, int firstAccount, Instant paidAt) {

    Channel channel() {
      return day.options.channel();
    }

    long totalFen() {
      long total = 0;
      for (long fen : legFen) {
        total += fen;
      }
      return total;
    }

    String account(int legNo) {
      String base = switch (channel()) {
        case WECHAT -> "19000001";
        case ALIPAY -> "20880000000001";
        case UNIONPAY -> "8983401000001";
      };
      return base + String.format("%02d", (firstAccount + legNo) % ACCOUNTS + 1);
    }

    /** The channel's transaction id: per sub-order for WeChat (leg 1's is the order's). */
    String transactionId(int legNo) {
      return switch (channel()) {
        case WECHAT -> "42000" + day.datePart + number + legNo;
        case ALIPAY -> day.datePart + "22001" + number;
        case UNIONPAY -> "7" + day.datePart + number + "00";
      };
    }

    String refundNo() {
      return "R" + outTradeNo;
    }

    Instant refundedAt() {
      Instant to = day.options.dayEnd().minus(day.options.pendingWindow()).minus(MARGIN);
      return paidAt.plus(Duration.between(paidAt, to).dividedBy(2));
    }

    List<EngineRecord> records() {
      List<EngineRecord> records = new ArrayList<>();
      if (plant == Plant.LONG || plant == Plant.PENDING_BILL_ONLY) {
        return records;
      }
      EngineRecord payment = EngineRecord.payment(channel(), outTradeNo, transactionId(1),
          totalFen(), EngineRecord.Status.SUCCEEDED, paidAt);
      records.add(payment);
      if (plant == Plant.ENGINE_PAYMENT_TWICE) {
        records.add(payment);
      }
      for (int leg = 1; leg <= legFen.length; leg++) {
        records.add(EngineRecord.leg(channel(), outTradeNo, leg, account(leg), legFen[leg - 1],
            paidAt));
      }
      if (plant == Plant.REFUND) {
        records.add(EngineRecord.refund(channel(), outTradeNo, transactionId(1), refundNo(),
            totalFen(), EngineRecord.Status.SUCCEEDED, refundedAt()));
      }
      return records;
    }

    List<StatementLine> lines() {
      List<StatementLine> lines = new ArrayList<>();
      if (plant == Plant.SHORT || plant == Plant.PENDING_ENGINE_ONLY) {
        return lines;
      }
      long[] settled = legFen.clone();
      long totalDelta = 0;
      if (plant == Plant.LEG_SETTLED_SHORT) {
        settled[0]--;
        settled[1]++;
      } else if (plant == Plant.AMOUNT_OFF_BY_ONE_FEN) {
        totalDelta = 1;
      }
      if (channel() == Channel.WECHAT) {
        settled[settled.length - 1] += totalDelta;
        for (int leg = 1; leg <= settled.length; leg++) {
          lines.add(line(StatementLine.Kind.PAYMENT, subOrder(outTradeNo, leg), transactionId(leg),
              "", settled[leg - 1], fee(settled[leg - 1]), "", paidAt));
        }
      } else {
        long total = totalFen() + totalDelta;
        lines.add(line(StatementLine.Kind.PAYMENT, outTradeNo, transactionId(1), "", total,
            fee(total), "", paidAt));
        if (channel() == Channel.UNIONPAY) {
          for (int leg = 1; leg <= settled.length; leg++) {
            lines.add(line(StatementLine.Kind.SPLIT_SETTLEMENT, outTradeNo, transactionId(1), "",
                settled[leg - 1], 0, account(leg), paidAt));
          }
        }
      }
      if (plant == Plant.BILL_LINE_TWICE) {
        lines.add(lines.get(0));
      }
      if (plant == Plant.REFUND || plant == Plant.REFUNDED_AT_CHANNEL_ONLY) {
        refundLines(lines);
      }
      return lines;
    }

    private void refundLines(List<StatementLine> lines) {
      Instant at = refundedAt();
      if (channel() == Channel.WECHAT) {
        for (int leg = 1; leg <= legFen.length; leg++) {
          lines.add(line(StatementLine.Kind.REFUND, subOrder(outTradeNo, leg), transactionId(leg),
              subOrder(refundNo(), leg), -legFen[leg - 1], -fee(legFen[leg - 1]), "", at));
        }
        return;
      }
      lines.add(line(StatementLine.Kind.REFUND, outTradeNo, transactionId(1), refundNo(),
          -totalFen(), -fee(totalFen()), "", at));
      if (channel() == Channel.UNIONPAY) {
        for (int leg = 1; leg <= legFen.length; leg++) {
          lines.add(line(StatementLine.Kind.SPLIT_SETTLEMENT, outTradeNo, transactionId(1),
              refundNo(), -legFen[leg - 1], 0, account(leg), at));
        }
      }
    }

    /** A combined payment's sub-order number; a single-leg WeChat order is a plain order. */
    private String subOrder(String number, int legNo) {
      return legFen.length == 1 ? number : OutTradeNumbers.part(channel(), number, legNo);
    }

    private StatementLine line(StatementLine.Kind kind, String tradeNo, String transactionId,
        String refundNo, long amountFen, long feeFen, String subAccount, Instant at) {
      return new StatementLine(channel(), kind, day.options.businessDate(), tradeNo, transactionId,
          refundNo, Money.ofFen(amountFen), Money.ofFen(feeFen), subAccount, at);
    }

    List<Planted> expected() {
      return switch (plant) {
        case NONE, REFUND -> List.of();
        case SHORT -> List.of(planted(ReconClass.SHORT, ItemKind.PAYMENT));
        case LONG -> List.of(planted(ReconClass.LONG, ItemKind.PAYMENT));
        case AMOUNT_OFF_BY_ONE_FEN -> List.of(planted(ReconClass.AMOUNT_MISMATCH, ItemKind.PAYMENT));
        case REFUNDED_AT_CHANNEL_ONLY -> List.of(planted(ReconClass.STATUS_MISMATCH, ItemKind.REFUND));
        case LEG_SETTLED_SHORT -> List.of(planted(ReconClass.SPLIT_MISMATCH, ItemKind.LEG),
            planted(ReconClass.SPLIT_MISMATCH, ItemKind.LEG));
        case ENGINE_PAYMENT_TWICE, BILL_LINE_TWICE ->
            List.of(planted(ReconClass.DUPLICATE, ItemKind.PAYMENT));
        case PENDING_ENGINE_ONLY, PENDING_BILL_ONLY ->
            List.of(planted(ReconClass.PENDING, ItemKind.PAYMENT));
      };
    }

    private Planted planted(ReconClass reconClass, ItemKind kind) {
      return new Planted(reconClass, kind, outTradeNo);
    }
  }
}
