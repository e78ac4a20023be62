package org.clearing.region;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.clearing.channel.Channel;
import org.clearing.input.FieldError;

/**
 * What a change may not do to a region, because orders created before point at it: drop an
 * account, change an account's bank details, change or drop an account's receiver at a channel.
 * An account is retired instead, and a new one added. And what another region already holds: an
 * account id, a receiver.
 */
public final class RegionRules {

  private RegionRules() {}

  /** The errors of changing {@code before} into {@code after}; empty if the change may be made. */
  public static List<FieldError> checkChange(RegionSpec before, RegionSpec after) {
    List<FieldError> errors = new ArrayList<>();
    for (RegionSpec.Account old : before.accounts()) {
      int index = indexOf(after, old.accountId());
      if (index < 0) {
        errors.add(new FieldError("accounts", "account " + old.accountId() + " of this region is missing:"
            + " an account stays, since orders may point at it; list it, with status RETIRED to retire it"));
        continue;
      }
      RegionSpec.Account now = after.accounts().get(index);
      String field = "accounts[" + index + "]";
      unchanged(field + ".side", old.side().name(), now.side().name(), errors);
      unchanged(field + ".name", old.name(), now.name(), errors);
      unchanged(field + ".bank_name", old.bankName(), now.bankName(), errors);
      unchanged(field + ".account_no", old.accountNo(), now.accountNo(), errors);
      unchanged(field + ".treasury_code", old.treasuryCode(), now.treasuryCode(), errors);
      old.receivers().forEach((channel, receiver) -> {
        if (!receiver.equals(now.receivers().get(channel))) {
          errors.add(new FieldError(field + ".receivers." + channel.code(), "was " + receiver
              + "; a receiver stays once set (orders are paid, refunded and reconciled through it):"
              + " add a new account with the new receiver and retire this one"));
        }
      });
    }
    return errors;
  }

  /**
   * The region's accounts whose ids another region holds.
   *
   * @param taken account id → the other region that holds it
   */
  public static List<FieldError> accountsTaken(RegionSpec spec, Map<String, String> taken) {
    List<FieldError> errors = new ArrayList<>();
    for (int i = 0; i < spec.accounts().size(); i++) {
      String id = spec.accounts().get(i).accountId();
      String region = taken.get(id);
      if (region != null) {
        errors.add(new FieldError("accounts[" + i + "].account_id", "account " + id + " belongs to region " + region));
      }
    }
    return errors;
  }

  /**
   * The region's receivers another region's account holds.
   *
   * @param taken channel → receiver → the other account that holds it
   */
  public static List<FieldError> receiversTaken(RegionSpec spec, Map<Channel, Map<String, String>> taken) {
    List<FieldError> errors = new ArrayList<>();
    for (int i = 0; i < spec.accounts().size(); i++) {
      String field = "accounts[" + i + "].receivers.";
      spec.accounts().get(i).receivers().forEach((channel, receiver) -> {
        String other = taken.getOrDefault(channel, Map.of()).get(receiver);
        if (other != null) {
          errors.add(new FieldError(field + channel.code(), receiver
              + " already receives for account " + other + "; a receiver stands for one account"));
        }
      });
    }
    return errors;
  }

  private static void unchanged(String field, String before, String after, List<FieldError> errors) {
    if (!Objects.equals(before, after)) {
      errors.add(new FieldError(field, "was " + before + "; an account's details do not change, since"
          + " orders point at it: add a new account and retire this one"));
    }
  }

  private static int indexOf(RegionSpec spec, String accountId) {
    for (int i = 0; i < spec.accounts().size(); i++) {
      if (spec.accounts().get(i).accountId().equals(accountId)) {
        return i;
      }
    }
    return -1;
  }
}
