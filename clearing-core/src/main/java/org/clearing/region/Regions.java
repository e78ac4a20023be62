package org.clearing.region;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.clearing.input.FieldError;
import org.clearing.routing.LiveRouting;
import org.clearing.routing.Lifecycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Regions, their payee accounts, routes and receivers, as an administrator creates, changes and
 * retires them. Each change is checked whole, written with its audit row in one transaction, and
 * then applied to the live routing table: orders created afterwards are routed by it, while every
 * order created before keeps the lines and legs it was created with.
 */
public final class Regions {

  private static final Logger LOG = LoggerFactory.getLogger(Regions.class);

  /** A region as stored: its description, status, version and who changed it last. */
  public record View(RegionSpec spec, Lifecycle status, int version, String changedAt, String changedBy) {
    public JsonObject toJson() {
      return spec.toJson().put("status", status.name()).put("version", version)
          .put("changed_at", changedAt).put("changed_by", changedBy);
    }
  }

  /** The outcome of a change; only {@link Saved} and {@link Unchanged} changed nothing wrongly. */
  public sealed interface Outcome permits Saved, Unchanged, Invalid, Exists, NotFound, Stale, Retired, Conflict {}

  /** Written, audited and applied. */
  public record Saved(View region) implements Outcome {}

  /** The request describes the region as it is: nothing written, no audit row. */
  public record Unchanged(View region) implements Outcome {}

  public record Invalid(List<FieldError> errors) implements Outcome {}

  public record Exists(String code) implements Outcome {}

  public record NotFound(String code) implements Outcome {}

  /** The change was based on {@code basedOn}; the region is at {@code current} now. */
  public record Stale(int basedOn, int current) implements Outcome {}

  /** A retired region takes no change (and no second retirement). */
  public record Retired(String code) implements Outcome {}

  /** Another change took the same code, account id or receiver at the same moment. */
  public record Conflict(String detail) implements Outcome {}

  /** One audit row. */
  public record AuditEntry(int version, String action, String clientId, String changedAt, JsonArray changes) {
    public JsonObject toJson() {
      return new JsonObject().put("version", version).put("action", action).put("client_id", clientId)
          .put("changed_at", changedAt).put("changes", changes);
    }
  }

  /**
   * Carries an expected outcome out of a transaction so that it rolls back: withTransaction commits
   * whatever succeeds. Turned back into the value before it leaves this class.
   */
  private static final class RollBack extends RuntimeException {
    private final transient Outcome outcome;

    RollBack(Outcome outcome) {
      super(null, null, false, false);
      this.outcome = outcome;
    }
  }

  private final Pool pool;
  private final LiveRouting routing;

  public Regions(Pool pool, LiveRouting routing) {
    this.pool = pool;
    this.routing = routing;
  }

  public Future<Outcome> create(RegionSpec spec, String clientId) {
    return inTransaction(tx -> RegionRepository.header(tx, spec.code()).compose(existing -> {
      if (existing.isPresent()) {
        return Future.<Outcome>succeededFuture(new Exists(spec.code()));
      }
      return takenElsewhere(tx, spec).compose(errors -> {
        if (!errors.isEmpty()) {
          return Future.<Outcome>succeededFuture(new Invalid(errors));
        }
        RegionSpec empty = new RegionSpec(spec.code(), spec.name(), List.of(), List.of(), List.of());
        return RegionRepository.insertRegion(tx, spec, clientId)
            .compose(v -> RegionRepository.writeAccountsAndRoutes(tx, empty, spec))
            .compose(v -> RegionRepository.insertAudit(tx, spec.code(), 1, "CREATE", clientId,
                RegionDiff.toJson(RegionDiff.created(spec))))
            .compose(v -> view(tx, spec.code()))
            .map(view -> (Outcome) new Saved(view));
      });
    }), "created", clientId);
  }

  /** Changes the region to {@code spec}, if it is still at {@code basedOnVersion}. */
  public Future<Outcome> change(RegionSpec spec, int basedOnVersion, String clientId) {
    return inTransaction(tx -> RegionRepository.lock(tx, spec.code()).compose(found -> {
      if (found.isEmpty()) {
        return Future.<Outcome>succeededFuture(new NotFound(spec.code()));
      }
      RegionRepository.Header header = found.get();
      if (header.status() == Lifecycle.RETIRED) {
        return Future.<Outcome>succeededFuture(new Retired(spec.code()));
      }
      if (header.version() != basedOnVersion) {
        return Future.<Outcome>succeededFuture(new Stale(basedOnVersion, header.version()));
      }
      return RegionRepository.read(tx, header).compose(before -> {
        List<FieldError> errors = RegionRules.checkChange(before, spec);
        if (!errors.isEmpty()) {
          return Future.<Outcome>succeededFuture(new Invalid(errors));
        }
        return takenElsewhere(tx, spec).compose(taken -> {
          if (!taken.isEmpty()) {
            return Future.<Outcome>succeededFuture(new Invalid(taken));
          }
          List<RegionDiff.Change> changes = RegionDiff.between(before, spec);
          if (changes.isEmpty()) {
            return Future.<Outcome>succeededFuture(new Unchanged(view(header, before)));
          }
          return RegionRepository.writeAccountsAndRoutes(tx, before, spec)
              .compose(v -> RegionRepository.updateRegion(tx, spec.code(), spec.name(), Lifecycle.ACTIVE, clientId))
              .compose(version -> RegionRepository.insertAudit(tx, spec.code(), version, "CHANGE", clientId,
                  RegionDiff.toJson(changes)))
              .compose(v -> view(tx, spec.code()))
              .map(view -> (Outcome) new Saved(view));
        });
      });
    }), "changed", clientId);
  }

  /** Retires the region: no new orders; existing orders are paid, refunded and settled as before. */
  public Future<Outcome> retire(String code, String clientId) {
    return inTransaction(tx -> RegionRepository.lock(tx, code).compose(found -> {
      if (found.isEmpty()) {
        return Future.<Outcome>succeededFuture(new NotFound(code));
      }
      if (found.get().status() == Lifecycle.RETIRED) {
        return Future.<Outcome>succeededFuture(new Retired(code));
      }
      JsonArray changes = RegionDiff.toJson(List.of(
          new RegionDiff.Change("status", Lifecycle.ACTIVE.name(), Lifecycle.RETIRED.name())));
      return RegionRepository.updateRegion(tx, code, found.get().name(), Lifecycle.RETIRED, clientId)
          .compose(version -> RegionRepository.insertAudit(tx, code, version, "RETIRE", clientId, changes))
          .compose(v -> view(tx, code))
          .map(view -> (Outcome) new Saved(view));
    }), "retired", clientId);
  }

  public Future<Optional<View>> find(String code) {
    return RegionRepository.header(pool, code).compose(found -> found.isEmpty()
        ? Future.succeededFuture(Optional.<View>empty())
        : RegionRepository.read(pool, found.get()).map(spec -> Optional.of(view(found.get(), spec))));
  }

  /** Every region, with the channels it is offered through now. */
  public Future<JsonArray> list() {
    return RegionRepository.headers(pool).map(headers -> {
      JsonArray all = new JsonArray();
      for (RegionRepository.Header header : headers) {
        JsonArray channels = new JsonArray();
        routing.current().offeredChannels(header.code()).forEach(channel -> channels.add(channel.code()));
        all.add(new JsonObject().put("code", header.code()).put("name", header.name())
            .put("status", header.status().name()).put("version", header.version())
            .put("offered_channels", channels)
            .put("changed_at", header.changedAt() == null ? null : header.changedAt().toInstant().toString())
            .put("changed_by", header.changedBy()));
      }
      return all;
    });
  }

  /** The region's changes, oldest first; empty if there is no such region. */
  public Future<Optional<List<AuditEntry>>> audit(String code) {
    return RegionRepository.header(pool, code).compose(found -> found.isEmpty()
        ? Future.succeededFuture(Optional.<List<AuditEntry>>empty())
        : RegionRepository.audit(pool, code).map(rows -> Optional.of(rows.stream().map(row -> new AuditEntry(
            row.version(), row.action(), row.clientId(), row.changedAt().toInstant().toString(), row.changes()))
            .toList())));
  }

  private static Future<List<FieldError>> takenElsewhere(SqlClient tx, RegionSpec spec) {
    return RegionRepository.accountsElsewhere(tx, spec).compose(accounts ->
        RegionRepository.receiversElsewhere(tx, spec).map(receivers -> {
          List<FieldError> errors = new ArrayList<>(RegionRules.accountsTaken(spec, accounts));
          errors.addAll(RegionRules.receiversTaken(spec, receivers));
          return errors;
        }));
  }

  /**
   * Runs {@code work} in a transaction that commits only a {@link Saved} outcome, then applies the
   * change to the live routing table before answering, so the administrator's next order sees it.
   * Two changes racing for one code, account id or receiver: the database's unique keys let one
   * through and the other gets a {@link Conflict}.
   */
  private Future<Outcome> inTransaction(java.util.function.Function<SqlClient, Future<Outcome>> work,
      String done, String clientId) {
    return pool.<Outcome>withTransaction(tx -> work.apply(tx).compose(outcome -> outcome instanceof Saved
            ? Future.succeededFuture(outcome) : Future.failedFuture(new RollBack(outcome))))
        .recover(error -> {
          if (error instanceof RollBack rollBack) {
            return Future.succeededFuture(rollBack.outcome);
          }
          if (error instanceof PgException pg && "23505".equals(pg.getSqlState())) {
            return Future.succeededFuture(new Conflict("another change took the same region code,"
                + " account id or receiver meanwhile; read the region and try again"));
          }
          return Future.failedFuture(error);
        })
        .compose(outcome -> {
          if (!(outcome instanceof Saved saved)) {
            return Future.succeededFuture(outcome);
          }
          LOG.info("event=region.{} region={} version={} by={}", done, saved.region().spec().code(),
              saved.region().version(), clientId);
          // Committed either way; a failed reload is caught up by the periodic check.
          return routing.reload().map(outcome).recover(e -> {
            LOG.warn("event=routing.reload_failed error={}", e.toString());
            return Future.succeededFuture(outcome);
          });
        });
  }

  private static Future<View> view(SqlClient client, String code) {
    return RegionRepository.header(client, code).compose(header ->
        RegionRepository.read(client, header.orElseThrow()).map(spec -> view(header.get(), spec)));
  }

  private static View view(RegionRepository.Header header, RegionSpec spec) {
    return new View(spec, header.status(), header.version(),
        header.changedAt() == null ? null : header.changedAt().toInstant().toString(), header.changedBy());
  }
}
