package org.clearing.load.scenario;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.clearing.channel.Channel;

/**
 * One order of the business day: the story it was given (what the applicant and the registration
 * system do with it) and what the driver saw happen, which the day's audit holds the books to.
 */
public final class DayOrder {

  /** What happens to an order during the day. */
  public enum Story {
    /** Paid once, at one channel. */
    PAID,
    /** Paid at two channels: the second payment is a duplicate the engine gives back by itself. */
    PAID_TWICE,
    /** Paid, then refunded whole. */
    REFUNDED,
    /** Paid, then one line refunded. */
    PARTLY_REFUNDED,
    /** Opened at a channel, then cancelled by the registration system before payment. */
    CANCELLED,
    /** Opened at a channel with the shortest expiry the API allows, and left to expire. */
    EXPIRED,
    /** Opened at a channel and never paid: still open at the end of the day. */
    UNPAID;

    /** Whether the applicant pays it. */
    public boolean paid() {
      return this == PAID || this == PAID_TWICE || this == REFUNDED || this == PARTLY_REFUNDED;
    }

    /** The engine statuses the story may end in (a paid order may have been settled meanwhile). */
    public Set<String> endStatuses() {
      return switch (this) {
        case PAID, PAID_TWICE, PARTLY_REFUNDED -> Set.of("PAID", "SETTLED", "COMPLETE");
        case REFUNDED -> Set.of("REFUNDED");
        case CANCELLED -> Set.of("CANCELLED");
        case EXPIRED -> Set.of("EXPIRED");
        case UNPAID -> Set.of("OPEN");
      };
    }
  }

  private final int index;
  private final Story story;
  private final List<Channel> channels;
  private final String caseNo;
  private final Map<Channel, Integer> openStatus = new EnumMap<>(Channel.class);
  private final Map<Channel, Integer> payStatus = new EnumMap<>(Channel.class);
  private String orderNo;
  private String qrUrl;
  private long totalFen;
  private List<Long> lineFen = List.of();
  private List<Integer> refundLines = List.of();
  private String refundId;
  private String refundMode;
  private String refundStatus;
  private String driverProblem;

  DayOrder(int index, Story story, List<Channel> channels, String caseNo) {
    this.index = index;
    this.story = story;
    this.channels = List.copyOf(channels);
    this.caseNo = caseNo;
  }

  public int index() {
    return index;
  }

  public Story story() {
    return story;
  }

  /** Where it is opened (and, if paid, paid): one channel, two for {@link Story#PAID_TWICE}. */
  public List<Channel> channels() {
    return channels;
  }

  public String caseNo() {
    return caseNo;
  }

  public String orderNo() {
    return orderNo;
  }

  String qrUrl() {
    return qrUrl;
  }

  public long totalFen() {
    return totalFen;
  }

  /** Amounts of lines 1, 2, … as the engine created them. */
  public List<Long> lineFen() {
    return lineFen;
  }

  void created(String orderNo, String qrUrl, long totalFen, List<Long> lineFen) {
    this.orderNo = orderNo;
    this.qrUrl = qrUrl;
    this.totalFen = totalFen;
    this.lineFen = List.copyOf(lineFen);
  }

  public Map<Channel, Integer> openStatus() {
    return openStatus;
  }

  /** The sandboxes' answers to the payer's {@code POST /sandbox/pay}, per channel. */
  public Map<Channel, Integer> payStatus() {
    return payStatus;
  }

  /** The lines a partial refund names; empty for a whole refund or none. */
  public List<Integer> refundLines() {
    return refundLines;
  }

  void refundLines(List<Integer> lines) {
    this.refundLines = List.copyOf(lines);
  }

  /**
   * Whether the registration system asks for the refund only once the order is settled (every
   * other refunded order, by index), so that the authorities' refund is part of every day, not
   * only the channel's; the others are refunded as soon as they are paid.
   */
  public boolean refundAfterSettlement() {
    return (story == Story.REFUNDED || story == Story.PARTLY_REFUNDED) && index % 2 == 1;
  }

  /** What the refund should come to: the named lines, or the whole order. */
  public long refundFenExpected() {
    return switch (story) {
      case REFUNDED -> totalFen;
      case PARTLY_REFUNDED -> refundLines.stream().mapToLong(n -> lineFen.get(n - 1)).sum();
      default -> 0;
    };
  }

  public String refundId() {
    return refundId;
  }

  /** CHANNEL (before settlement) or AUTHORITY (after); null when no refund was made. */
  public String refundMode() {
    return refundMode;
  }

  public String refundStatus() {
    return refundStatus;
  }

  void refund(String id, String mode, String status) {
    this.refundId = id;
    this.refundMode = mode;
    this.refundStatus = status;
  }

  void refundStatus(String status) {
    this.refundStatus = status;
  }

  /** The first step the driver could not take as planned (null when every step went through). */
  public String driverProblem() {
    return driverProblem;
  }

  synchronized void problem(String what) {
    if (driverProblem == null) {
      driverProblem = what;
    }
  }

  public String outTradeNo(Channel channel) {
    return org.clearing.channel.OutTradeNumbers.of(channel, orderNo);
  }
}
