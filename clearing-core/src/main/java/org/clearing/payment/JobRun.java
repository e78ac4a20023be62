package org.clearing.payment;

import java.util.List;

/**
 * What one run of a channel-order job did: how many channel orders it looked at, and how many of
 * them turned out paid, were closed, are to be asked again later (no usable answer, or not yet
 * final), or simply wait (UnionPay orders that cannot be closed before they lapse).
 */
public record JobRun(int channelOrders, int paid, int closed, int retried, int waiting) {

  public static final JobRun NOTHING = new JobRun(0, 0, 0, 0, 0);

  static JobRun of(List<ChannelOrderFindings.Finding> findings) {
    int[] counts = new int[ChannelOrderFindings.Finding.values().length];
    findings.forEach(finding -> counts[finding.ordinal()]++);
    return new JobRun(findings.size(), counts[ChannelOrderFindings.Finding.PAID.ordinal()],
        counts[ChannelOrderFindings.Finding.CLOSED.ordinal()],
        counts[ChannelOrderFindings.Finding.RETRY.ordinal()],
        counts[ChannelOrderFindings.Finding.WAIT.ordinal()]);
  }
}
