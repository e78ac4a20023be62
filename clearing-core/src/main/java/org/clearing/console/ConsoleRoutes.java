package org.clearing.console;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.clearing.person.AuditLog;
import org.clearing.person.People;
import org.clearing.person.Person;
import org.clearing.person.PersonRole;
import org.clearing.receipt.ReceiptRepository;

/**
 * The consoles' door: signing in and out, the forced password change, the session cookie and the
 * CSRF check every form goes through, then each console's pages. Everything lives under
 * {@code /console}; the signed API is untouched.
 *
 * <p>The session cookie is HttpOnly and SameSite=Strict, and Secure when the engine serves TLS.
 * Every POST of a signed-in person must carry the session's synchronizer token (form field
 * {@code _csrf} or header {@code X-CSRF-Token}, which htmx sends); the sign-in form, before any
 * session, carries a double-submit token matched against a cookie of its own.
 */
public final class ConsoleRoutes {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConsoleRoutes.class);
  static final String SESSION_COOKIE = "console_session";
  static final String SIGN_IN_COOKIE = "console_sign_in";
  static final String CSRF_FIELD = "_csrf";
  static final String CSRF_HEADER = "X-CSRF-Token";
  /**
   * Console forms are a few fields per line for at most {@value TaxConsoleRoutes#LINES_PER_CONFIRM_MAX}
   * lines, or one uploaded CSV of at most {@value TaxConsoleRoutes#CSV_ROWS_MAX} rows.
   */
  public static final long FORM_SIZE_MAX_BYTES = 64 * 1024;
  private static final String SESSION_KEY = "console.session";
  private static final String TOKEN_KEY = "console.token";

  private final People people;
  private final AuditLog audit;
  private final ConsolePages pages;
  private final ConsoleAssets assets;
  private final boolean secureCookies;
  private final TaxConsoleRoutes tax;
  private final AuditConsoleRoutes auditPages;
  private final PeopleConsoleRoutes peoplePages;
  private final TaxRefundConsoleRoutes taxRefunds;
  private final TaxReportConsoleRoutes taxReports;

  /**
   * What the tax console needs beyond the receipts: the refunds after settlement, the daily report
   * and its signer, and the pool that renders and signs it (CPU work, off the event loop).
   */
  public record TaxDesk(org.clearing.refund.RefundRepository refunds, org.clearing.report.DailyReports reports,
      org.clearing.report.ReportSigner signer, io.vertx.core.WorkerExecutor cryptoPool) {}

  /** The operator's and the administrator's client pages, once the engine has built the code they act through. */
  private OperatorConsoleRoutes operatorPages;
  private ClientsConsoleRoutes clientPages;

  /** The administrator's channel and region configuration pages, once the engine has built their code. */
  private ChannelConsoleRoutes channelPages;
  private RegionConsoleRoutes regionPages;

  private final FinanceConsoleRoutes finance;
  private final FinanceReceiptsRoutes financeReceipts;
  private final FinanceRefundsRoutes financeRefunds;

  /**
   * Reads the assets: blocking, so the engine builds this on its starting thread, never on an event
   * loop. The templates are readied by {@link #warmUp}, before any page is served.
   */
  public ConsoleRoutes(Vertx vertx, People people, AuditLog audit, ReceiptRepository receipts,
      boolean secureCookies, TaxDesk taxDesk) {
    this.people = people;
    this.audit = audit;
    this.assets = ConsoleAssets.load();
    this.pages = new ConsolePages(vertx, assets);
    this.secureCookies = secureCookies;
    this.tax = new TaxConsoleRoutes(pages, receipts, audit);
    this.auditPages = new AuditConsoleRoutes(pages, audit, audit.chainCheck(vertx));
    this.peoplePages = new PeopleConsoleRoutes(pages, people, audit);
    this.taxRefunds = new TaxRefundConsoleRoutes(pages, taxDesk.refunds(), audit);
    this.taxReports = new TaxReportConsoleRoutes(pages, taxDesk.reports(), taxDesk.signer(), taxDesk.cryptoPool(), audit);
    this.finance = new FinanceConsoleRoutes(pages, audit);
    this.financeReceipts = new FinanceReceiptsRoutes(pages, receipts, audit);
    this.financeRefunds = new FinanceRefundsRoutes(pages, audit, finance::books);
  }

  /**
   * Readies the templates: Thymeleaf's first use loads and links classes for about a second, which
   * must not happen on an event loop, and every page is rendered once in both languages, so that a
   * template that does not render fails the start. Blocking: the engine runs it on a thread of its
   * own while the rest of the start-up goes on (the database, the keys, the sandboxes), and mounts
   * no route before it is done.
   */
  public void warmUp() {
    long startNs = System.nanoTime();
    pages.warmUp();
    OperatorConsoleRoutes.warmUp(pages);
    ChannelConsoleRoutes.warmUp(pages);
    RegionConsoleRoutes.warmUp(pages);
    financeReceipts.warmUp();
    financeRefunds.warmUp();
    LOG.info("event=console.ready assets={} ready_ms={}", assets.all().size(), (System.nanoTime() - startNs) / 1_000_000);
  }

  /** The finance pages' books, once the engine has its channels (they answer 503 until then). */
  public void finance(FinanceBooks books) {
    finance.books(books);
  }

  /**
   * Adds the operator's pages and the administrator's API client and region pages. Their domain code (refunds, channels) is built after this, so the
   * engine hands it over here before the routes are mounted (their templates were parsed at start).
   */
  public void operator(OperatorConsoleRoutes.Domain domain) {
    this.operatorPages = new OperatorConsoleRoutes(pages, audit, domain);
    this.clientPages = new ClientsConsoleRoutes(pages, audit, domain.clients(), domain.regions());
  }

  /**
   * Adds the administrator's channel and region configuration pages, acting through the code
   * behind {@code /api/v1/admin/channels} and {@code /api/v1/admin/regions}; built after the
   * channels, handed over before mounting.
   */
  public void channels(org.clearing.channelconfig.ChannelConfigs configs, org.clearing.region.Regions regions) {
    this.channelPages = new ChannelConsoleRoutes(pages, audit, configs, regions);
    this.regionPages = new RegionConsoleRoutes(pages, audit, regions);
  }

  public void mount(Router router) {
    router.get(ConsoleAssets.PREFIX + "*").handler(assets::serve);
    router.route("/console/*").handler(BodyHandler.create(false).setBodyLimit(FORM_SIZE_MAX_BYTES));
    router.get("/console/sign-in").handler(this::signInPage);
    router.post("/console/sign-in").handler(this::signIn);
    router.route("/console/*").handler(this::session);
    router.route("/console/*").handler(this::csrf);
    router.get("/console").handler(this::home);
    router.get("/console/").handler(this::home);
    router.post("/console/sign-out").handler(this::signOut);
    router.get("/console/password").handler(ctx -> passwordPage(ctx, 200, null));
    router.post("/console/password").handler(this::changePassword);
    router.route("/console/*").handler(this::passwordChanged);
    router.get("/console/tax/receipts").handler(require(PersonRole.TAX, PersonRole.AUDITOR)).handler(tax::page);
    router.post("/console/tax/receipts/confirm").handler(require(PersonRole.TAX))
        .handler(ctx -> tax.confirm(ctx, person(ctx), clientIp(ctx)));
    router.post("/console/tax/receipts/upload").handler(require(PersonRole.TAX))
        .handler(ctx -> tax.upload(ctx, person(ctx), clientIp(ctx)));
    router.get("/console/tax/refunds").handler(require(PersonRole.TAX, PersonRole.AUDITOR)).handler(taxRefunds::page);
    router.post("/console/tax/refunds/:refundId/legs/:legNo/confirm").handler(require(PersonRole.TAX))
        .handler(ctx -> taxRefunds.step(ctx, person(ctx), clientIp(ctx), org.clearing.refund.RefundRepository.AuthorityStep.CONFIRM));
    router.post("/console/tax/refunds/:refundId/legs/:legNo/paid-back").handler(require(PersonRole.TAX))
        .handler(ctx -> taxRefunds.step(ctx, person(ctx), clientIp(ctx), org.clearing.refund.RefundRepository.AuthorityStep.PAY_BACK));
    router.get("/console/tax/report").handler(require(PersonRole.TAX, PersonRole.AUDITOR)).handler(taxReports::page);
    router.get("/console/tax/report/download").handler(require(PersonRole.TAX, PersonRole.AUDITOR))
        .handler(ctx -> taxReports.download(ctx, person(ctx), clientIp(ctx)));
    router.get("/console/tax/collections.json").handler(require(PersonRole.TAX, PersonRole.AUDITOR))
        .handler(taxReports::collections);
    router.get("/console/audit").handler(require(PersonRole.AUDITOR, PersonRole.ADMIN)).handler(auditPages::page);
    router.get("/console/audit.csv").handler(require(PersonRole.AUDITOR, PersonRole.ADMIN)).handler(auditPages::csv);
    router.get("/console/admin/people").handler(require(PersonRole.ADMIN)).handler(peoplePages::page);
    router.post("/console/admin/people").handler(require(PersonRole.ADMIN)).handler(peoplePages::add);
    router.post("/console/admin/people/:login/disable").handler(require(PersonRole.ADMIN))
        .handler(ctx -> peoplePages.administer(ctx, false));
    router.post("/console/admin/people/:login/reset").handler(require(PersonRole.ADMIN))
        .handler(ctx -> peoplePages.administer(ctx, true));
    if (operatorPages != null) {
      mountOperator(router);
    }
    mountFinance(router);
    if (channelPages != null) {
      channelPages.mount(router, require(PersonRole.ADMIN));
      regionPages.mount(router, require(PersonRole.ADMIN));
    }
  }

  /** The finance bureau's pages: finance people act, auditors read. */
  private void mountFinance(Router router) {
    Handler<RoutingContext> read = require(PersonRole.FINANCE, PersonRole.AUDITOR);
    Handler<RoutingContext> act = require(PersonRole.FINANCE);
    router.get("/console/finance").handler(read).handler(finance::dashboard);
    router.get("/console/finance/collections.json").handler(read).handler(finance::collectionsJson);
    router.get("/console/finance/settlement").handler(read).handler(finance::settlement);
    router.get("/console/finance/report").handler(read)
        .handler(ctx -> finance.report(ctx, person(ctx), clientIp(ctx)));
    router.get("/console/finance/receipts").handler(read).handler(financeReceipts::page);
    router.post("/console/finance/receipts/confirm").handler(act)
        .handler(ctx -> financeReceipts.confirm(ctx, person(ctx), clientIp(ctx)));
    router.post("/console/finance/receipts/upload").handler(act)
        .handler(ctx -> financeReceipts.upload(ctx, person(ctx), clientIp(ctx)));
    router.get("/console/finance/refunds").handler(read).handler(financeRefunds::page);
    router.post("/console/finance/refunds/:refund_id/:leg_no/confirm").handler(act).handler(ctx ->
        financeRefunds.step(ctx, person(ctx), clientIp(ctx), org.clearing.refund.RefundRepository.AuthorityStep.CONFIRM));
    router.post("/console/finance/refunds/:refund_id/:leg_no/paid-back").handler(act).handler(ctx ->
        financeRefunds.step(ctx, person(ctx), clientIp(ctx), org.clearing.refund.RefundRepository.AuthorityStep.PAY_BACK));
    router.get("/console/finance/recon").handler(read).handler(finance::recon);
    router.get("/console/finance/recon/diff.csv").handler(read).handler(finance::diffCsv);
    router.post("/console/finance/recon/run").handler(act)
        .handler(ctx -> finance.startRun(ctx, person(ctx), clientIp(ctx)));
    router.post("/console/finance/recon/items/:run_id/:item_no/resolve").handler(act)
        .handler(ctx -> finance.resolve(ctx, person(ctx), clientIp(ctx)));
  }

  private void mountOperator(Router router) {
    PersonRole[] readers = OperatorConsoleRoutes.READERS.toArray(PersonRole[]::new);
    PersonRole[] actors = OperatorConsoleRoutes.ACTORS.toArray(PersonRole[]::new);
    router.get("/console/operator/orders").handler(require(readers)).handler(operatorPages::search);
    router.get("/console/operator/orders/:orderNo").handler(require(readers)).handler(operatorPages::order);
    router.post("/console/operator/orders/:orderNo/cancel").handler(require(actors)).handler(operatorPages::cancel);
    router.post("/console/operator/orders/:orderNo/refund").handler(require(actors)).handler(operatorPages::refund);
    router.post("/console/operator/orders/:orderNo/exception/:action").handler(require(actors))
        .handler(operatorPages::resolve);
    router.post("/console/operator/orders/:orderNo/webhooks/:eventId/redeliver").handler(require(actors))
        .handler(operatorPages::redeliver);
    router.get("/console/admin/clients").handler(require(PersonRole.ADMIN)).handler(clientPages::page);
    router.post("/console/admin/clients/:clientId/disable").handler(require(PersonRole.ADMIN))
        .handler(ctx -> clientPages.change(ctx, org.clearing.client.ClientStatus.Action.DISABLE));
    router.post("/console/admin/clients/:clientId/enable").handler(require(PersonRole.ADMIN))
        .handler(ctx -> clientPages.change(ctx, org.clearing.client.ClientStatus.Action.ENABLE));
    router.post("/console/admin/clients/:clientId/key").handler(require(PersonRole.ADMIN))
        .handler(ctx -> clientPages.change(ctx, org.clearing.client.ClientStatus.Action.REPLACE_KEY));
    router.get("/console/admin/regions").handler(require(PersonRole.ADMIN)).handler(clientPages::regions);
  }

  // ---- signing in and out

  private void signInPage(RoutingContext ctx) {
    signInForm(ctx, 200, null);
  }

  private void signInForm(RoutingContext ctx, int status, String error) {
    String token = People.randomToken();
    ctx.response().addCookie(cookie(SIGN_IN_COOKIE, token));
    Map<String, Object> data = new HashMap<>();
    data.put("csrf", token);
    data.put("error", error);
    data.put("login", Optional.ofNullable(ctx.request().getFormAttribute("login")).orElse(""));
    pages.send(ctx, status, "sign-in", data).onFailure(ctx::fail);
  }

  private void signIn(RoutingContext ctx) {
    Cookie expected = ctx.request().getCookie(SIGN_IN_COOKIE);
    if (expected == null || !same(expected.getValue(), ctx.request().getFormAttribute(CSRF_FIELD))) {
      refuseCsrf(ctx, null);
      return;
    }
    String login = ctx.request().getFormAttribute("login");
    String password = ctx.request().getFormAttribute("password");
    Locale locale = ConsolePages.locale(ctx);
    people.signIn(login == null ? "" : login.trim(), password == null ? new char[0] : password.toCharArray(),
        clientIp(ctx)).onSuccess(outcome -> {
          if (outcome instanceof People.SignedIn signedIn) {
            ctx.response().addCookie(cookie(SIGN_IN_COOKIE, "").setMaxAge(0));
            ctx.response().addCookie(cookie(SESSION_COOKIE, signedIn.sessionToken()));
            redirect(ctx, signedIn.person().mustChangePassword() ? "/console/password" : "/console/");
          } else if (outcome instanceof People.Locked locked) {
            long seconds = Math.max(1, java.time.Duration.between(java.time.Instant.now(), locked.until()).toSeconds());
            ctx.response().putHeader("Retry-After", Long.toString(seconds));
            signInForm(ctx, 429, ConsolePages.message(locale, "signIn.locked", seconds));
          } else {
            signInForm(ctx, 401, ConsolePages.message(locale, "signIn.wrong"));
          }
        }).onFailure(ctx::fail);
  }

  private void signOut(RoutingContext ctx) {
    people.signOut(sessionToken(ctx), person(ctx), clientIp(ctx)).onSuccess(v -> {
      ctx.response().addCookie(cookie(SESSION_COOKIE, "").setMaxAge(0));
      redirect(ctx, "/console/sign-in");
    }).onFailure(ctx::fail);
  }

  // ---- the session and the CSRF check

  /** Resumes the session from its cookie; without one a page sends the browser to sign in. */
  private void session(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(SESSION_COOKIE);
    people.resume(cookie == null ? null : cookie.getValue()).onSuccess(session -> {
      if (session.isEmpty()) {
        if (ctx.request().method() == HttpMethod.GET) {
          redirect(ctx, "/console/sign-in");
        } else {
          ctx.response().setStatusCode(401).putHeader("Content-Type", "text/plain; charset=utf-8")
              .end("signed out: sign in again");
        }
        return;
      }
      ctx.put(SESSION_KEY, session.get());
      ctx.put(TOKEN_KEY, cookie.getValue());
      ctx.next();
    }).onFailure(ctx::fail);
  }

  /** Every state-changing request of a session carries the session's token, or nothing happens. */
  private void csrf(RoutingContext ctx) {
    if (ctx.request().method() == HttpMethod.GET || ctx.request().method() == HttpMethod.HEAD) {
      ctx.next();
      return;
    }
    People.Session session = ctx.get(SESSION_KEY);
    String sent = ctx.request().getHeader(CSRF_HEADER);
    if (sent == null) {
      sent = ctx.request().getFormAttribute(CSRF_FIELD);
    }
    if (!same(session.csrfToken(), sent)) {
      refuseCsrf(ctx, session.person());
      return;
    }
    ctx.next();
  }

  private void refuseCsrf(RoutingContext ctx, Person person) {
    AuditLog.Event event = person == null
        ? new AuditLog.Event(null, "", "csrf", ctx.request().path(), AuditLog.Outcome.REFUSED,
            "form without its token", clientIp(ctx))
        : AuditLog.Event.of(person, "csrf", ctx.request().path(), AuditLog.Outcome.REFUSED,
            "form without its token", clientIp(ctx));
    audit.append(event).onComplete(done -> ctx.response().setStatusCode(403)
        .putHeader("Content-Type", "text/plain; charset=utf-8")
        .end(ConsolePages.message(ConsolePages.locale(ctx), "csrf.refused")));
  }

  /** A person who must change the password sees nothing else until it is done. */
  private void passwordChanged(RoutingContext ctx) {
    if (person(ctx).mustChangePassword()) {
      redirect(ctx, "/console/password");
      return;
    }
    ctx.next();
  }

  /** Only {@code roles} pass; anyone else gets 403, recorded. */
  Handler<RoutingContext> require(PersonRole... roles) {
    Set<PersonRole> allowed = Set.of(roles);
    return ctx -> {
      Person person = person(ctx);
      if (allowed.contains(person.role())) {
        ctx.next();
        return;
      }
      forbidden(ctx, audit, person, "role " + person.role().code() + " may not " + ctx.request().method()
          + " " + ctx.request().path());
    };
  }

  static void forbidden(RoutingContext ctx, AuditLog audit, Person person, String detail) {
    audit.append(AuditLog.Event.of(person, "access", ctx.request().path(), AuditLog.Outcome.REFUSED, detail,
        clientIp(ctx))).onComplete(done -> ctx.response().setStatusCode(403)
        .putHeader("Content-Type", "text/plain; charset=utf-8")
        .end(ConsolePages.message(ConsolePages.locale(ctx), "forbidden")));
  }

  // ---- home and password

  private void home(RoutingContext ctx) {
    Person person = person(ctx);
    if (person.mustChangePassword()) {
      redirect(ctx, "/console/password");
      return;
    }
    if (person.role() == PersonRole.TAX || person.role() == PersonRole.AUDITOR) {
      redirect(ctx, "/console/tax/receipts");
      return;
    }
    if (person.role() == PersonRole.OPERATOR && operatorPages != null) {
      redirect(ctx, "/console/operator/orders");
      return;
    }
    if (person.role() == PersonRole.FINANCE) {
      redirect(ctx, "/console/finance");
      return;
    }
    if (person.role() == PersonRole.ADMIN) {
      redirect(ctx, "/console/admin/people");
      return;
    }
    Map<String, Object> data = TaxConsoleRoutes.common(ctx, person);
    pages.send(ctx, 200, "home", data).onFailure(ctx::fail);
  }

  private void passwordPage(RoutingContext ctx, int status, String error) {
    Map<String, Object> data = TaxConsoleRoutes.common(ctx, person(ctx));
    data.put("error", error);
    pages.send(ctx, status, "password", data).onFailure(ctx::fail);
  }

  private void changePassword(RoutingContext ctx) {
    Locale locale = ConsolePages.locale(ctx);
    String current = ctx.request().getFormAttribute("current_password");
    String replacement = ctx.request().getFormAttribute("new_password");
    String again = ctx.request().getFormAttribute("new_password_again");
    if (replacement == null || !replacement.equals(again)) {
      passwordPage(ctx, 422, ConsolePages.message(locale, "password.mismatch"));
      return;
    }
    people.changePassword(person(ctx), sessionToken(ctx), current == null ? null : current.toCharArray(),
        replacement.toCharArray(), clientIp(ctx)).onSuccess(outcome -> {
          if (outcome instanceof People.Changed) {
            redirect(ctx, "/console/");
          } else if (outcome instanceof People.CurrentPasswordWrong) {
            passwordPage(ctx, 422, ConsolePages.message(locale, "password.currentWrong"));
          } else {
            passwordPage(ctx, 422, ConsolePages.message(locale, "password.rules",
                org.clearing.person.PasswordHashing.PASSWORD_LENGTH_MIN));
          }
        }).onFailure(ctx::fail);
  }

  // ---- helpers of the door

  static Person person(RoutingContext ctx) {
    People.Session session = ctx.get(SESSION_KEY);
    return session.person();
  }

  static String csrfToken(RoutingContext ctx) {
    People.Session session = ctx.get(SESSION_KEY);
    return session.csrfToken();
  }

  private static String sessionToken(RoutingContext ctx) {
    return ctx.get(TOKEN_KEY);
  }

  static String clientIp(RoutingContext ctx) {
    return ctx.request().remoteAddress() == null ? "" : ctx.request().remoteAddress().hostAddress();
  }

  private Cookie cookie(String name, String value) {
    return Cookie.cookie(name, value).setPath("/console").setHttpOnly(true).setSecure(secureCookies)
        .setSameSite(CookieSameSite.STRICT);
  }

  /** After a POST, 303 so that reloading the page does not post again. */
  static void redirect(RoutingContext ctx, String location) {
    ctx.response().setStatusCode(ctx.request().method() == HttpMethod.GET ? 302 : 303)
        .putHeader("Location", location).end();
  }

  /** Constant-time comparison of two tokens; a missing one never matches. */
  static boolean same(String expected, String sent) {
    if (expected == null || sent == null || expected.isEmpty()) {
      return false;
    }
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), sent.getBytes(StandardCharsets.UTF_8));
  }
}
