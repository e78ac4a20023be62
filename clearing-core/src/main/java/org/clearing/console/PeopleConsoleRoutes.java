package org.clearing.console;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.clearing.person.AuditLog;
import org.clearing.person.PasswordHashing;
import org.clearing.person.People;
import org.clearing.person.Person;
import org.clearing.person.PersonRole;

/**
 * The administrator manages the consoles' people: lists them, adds one (for regions the
 * administrator acts for) with a one-time password shown once, disables one or resets a password.
 * Each action goes through {@link People}, the code behind {@code users add}, and is recorded.
 */
final class PeopleConsoleRoutes {

  private final ConsolePages pages;
  private final People people;
  private final AuditLog audit;

  PeopleConsoleRoutes(ConsolePages pages, People people, AuditLog audit) {
    this.pages = pages;
    this.people = people;
    this.audit = audit;
  }

  /** {@code GET /console/admin/people} */
  void page(RoutingContext ctx) {
    render(ctx, 200, null, false);
  }

  /** {@code POST /console/admin/people}: login, name, role, region (repeated). */
  void add(RoutingContext ctx) {
    Person admin = ConsoleRoutes.person(ctx);
    Locale locale = ConsolePages.locale(ctx);
    String login = Optional.ofNullable(ctx.request().getFormAttribute("login")).orElse("").trim();
    String name = Optional.ofNullable(ctx.request().getFormAttribute("name")).orElse("").trim();
    Optional<PersonRole> role = PersonRole.fromCode(Optional.ofNullable(ctx.request().getFormAttribute("role")).orElse(""));
    List<String> regions = ctx.request().formAttributes().getAll("region");
    if (!admin.regions().containsAll(regions)) {
      ConsoleRoutes.forbidden(ctx, audit, admin, "regions " + regions + " are not all the administrator's");
      return;
    }
    if (role.isEmpty()) {
      render(ctx, 422, ConsolePages.message(locale, "people.error.role"), true);
      return;
    }
    String password = PasswordHashing.oneTimePassword();
    people.add(login, name.isEmpty() ? login : name, role.get(), regions, password.toCharArray(),
            AuditLog.within(AuditLog.Event.of(admin, "person.add", login, AuditLog.Outcome.OK,
                "role " + role.get().code() + ", regions " + String.join(",", regions), ConsoleRoutes.clientIp(ctx))))
        .compose(added -> {
          if (added instanceof People.Created) {
            return Future.succeededFuture(ConsolePages.message(locale, "people.added", login, password));
          }
          String why = added instanceof People.LoginTaken ? ConsolePages.message(locale, "people.error.taken")
              : ((People.Invalid) added).field() + ": " + ((People.Invalid) added).reason();
          return Future.<String>failedFuture(new IllegalArgumentException(why));
        })
        .onSuccess(flash -> render(ctx, 200, flash, false))
        .onFailure(e -> {
          if (e instanceof IllegalArgumentException) {
            render(ctx, 422, e.getMessage(), true);
          } else {
            ctx.fail(e);
          }
        });
  }

  /** {@code POST /console/admin/people/:login/disable} or {@code .../reset}. */
  void administer(RoutingContext ctx, boolean reset) {
    Person admin = ConsoleRoutes.person(ctx);
    Locale locale = ConsolePages.locale(ctx);
    String login = ctx.pathParam("login");
    people.administer(admin, login, reset, ConsoleRoutes.clientIp(ctx)).onSuccess(outcome -> {
      if (outcome instanceof People.AdministeredDone done) {
        render(ctx, 200, done.oneTimePassword().map(p -> ConsolePages.message(locale, "people.reset", login, p))
            .orElse(ConsolePages.message(locale, "people.disabled", login)), false);
      } else if (outcome instanceof People.NoSuchPerson) {
        render(ctx, 404, ConsolePages.message(locale, "people.error.none"), true);
      } else {
        ConsoleRoutes.forbidden(ctx, audit, admin, "person " + login + " is not the administrator's to change");
      }
    }).onFailure(ctx::fail);
  }

  private void render(RoutingContext ctx, int status, String flash, boolean failed) {
    Person admin = ConsoleRoutes.person(ctx);
    people.list().compose(all -> {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (People.Listed p : all) {
        rows.add(Map.of("login", p.login(), "name", p.displayName(), "role", p.role().code(),
            "regions", String.join(", ", p.regions()), "active", p.active(), "locked", p.locked(),
            "mustChange", p.mustChangePassword(), "mine", admin.regions().containsAll(p.regions())
                && !p.login().equals(admin.login())));
      }
      Map<String, Object> data = TaxConsoleRoutes.common(ctx, admin);
      data.put("people", rows);
      data.put("roles", List.of("tax", "finance", "operator", "auditor", "admin"));
      data.put("flash", flash);
      data.put("failed", failed);
      return pages.send(ctx, status, "people", data);
    }).onFailure(ctx::fail);
  }
}
