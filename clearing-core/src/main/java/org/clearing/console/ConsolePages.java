package org.clearing.console;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.LanguageHeader;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.templ.thymeleaf.ThymeleafTemplateEngine;
import java.text.MessageFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import org.thymeleaf.context.Context;
import java.util.Locale;
import java.util.Map;
import java.util.MissingResourceException;
import java.util.ResourceBundle;
import org.thymeleaf.context.ITemplateContext;
import org.thymeleaf.messageresolver.AbstractMessageResolver;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;

/**
 * Renders the console's pages: Thymeleaf templates from {@code console/templates/}, texts from the
 * {@code console/messages} bundles, Chinese first and English on request ({@code ?lang=en}, then
 * remembered in a cookie) or by the browser's Accept-Language.
 */
final class ConsolePages {

  static final Locale CHINESE = Locale.SIMPLIFIED_CHINESE;
  static final String LANG_COOKIE = "console_lang";
  private static final ResourceBundle.Control NO_FALLBACK =
      ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES);

  private final ThymeleafTemplateEngine engine;
  private final ConsoleAssets assets;

  ConsolePages(Vertx vertx, ConsoleAssets assets) {
    this.assets = assets;
    this.engine = ThymeleafTemplateEngine.create(vertx);
    // The class path, read once and cached (the engine's default reads the file system on every
    // first use and in the platform charset); UTF-8 whatever the machine's locale.
    ClassLoaderTemplateResolver templates = new ClassLoaderTemplateResolver(ConsolePages.class.getClassLoader());
    templates.setPrefix("console/templates/");
    templates.setSuffix(".html");
    templates.setTemplateMode(TemplateMode.HTML);
    templates.setCharacterEncoding("UTF-8");
    templates.setCacheable(true);
    engine.unwrap().setTemplateResolver(templates);
    engine.unwrap().setMessageResolver(new BundleMessages());
  }

  /** The language of this request: {@code ?lang=}, the cookie, Accept-Language, else Chinese. */
  static Locale locale(RoutingContext ctx) {
    String asked = ctx.request().getParam("lang");
    if (asked != null) {
      Locale locale = asked.toLowerCase(Locale.ROOT).startsWith("en") ? Locale.ENGLISH : CHINESE;
      ctx.response().addCookie(io.vertx.core.http.Cookie.cookie(LANG_COOKIE, locale.toLanguageTag())
          .setPath("/console").setHttpOnly(true).setSameSite(io.vertx.core.http.CookieSameSite.STRICT));
      return locale;
    }
    io.vertx.core.http.Cookie cookie = ctx.request().getCookie(LANG_COOKIE);
    if (cookie != null) {
      return cookie.getValue().startsWith("en") ? Locale.ENGLISH : CHINESE;
    }
    for (LanguageHeader language : ctx.acceptableLanguages()) {
      if ("zh".equalsIgnoreCase(language.tag())) {
        return CHINESE;
      }
      if ("en".equalsIgnoreCase(language.tag())) {
        return Locale.ENGLISH;
      }
    }
    return CHINESE;
  }

  /** A message of the bundle, for texts built in code (flash messages). */
  static String message(Locale locale, String key, Object... parameters) {
    ResourceBundle bundle = ResourceBundle.getBundle("console.messages", locale, NO_FALLBACK);
    return new MessageFormat(bundle.getString(key), locale).format(parameters);
  }

  /** Renders {@code template} with {@code data} plus what every page needs, and sends it. */
  Future<Void> send(RoutingContext ctx, int status, String template, Map<String, Object> data) {
    return send(ctx, status, template, null, data);
  }

  /**
   * Renders the {@code fragment} of {@code template} (the whole page when null), e.g. the table
   * an htmx request swaps in, and sends it.
   */
  Future<Void> send(RoutingContext ctx, int status, String template, String fragment, Map<String, Object> data) {
    String html = render(locale(ctx), ctx.request().path(), template, fragment, data);
    return ctx.response().setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end(html);
  }

  /**
   * Renders on the calling thread. Thymeleaf's engine is thread-safe once initialized; a page is
   * a few milliseconds of CPU, like a JSON answer of the same size.
   */
  String render(Locale locale, String path, String template, String fragment, Map<String, Object> data) {
    Map<String, Object> all = new HashMap<>(data);
    all.put("lang", locale.toLanguageTag());
    all.put("english", Locale.ENGLISH.equals(locale));
    all.put("assets", assets.all());
    all.put("path", path);
    all.putIfAbsent("csrf", null);
    all.putIfAbsent("person", null);
    return engine.unwrap().process(template, fragment == null ? null : Set.of(fragment), new Context(locale, all));
  }

  /**
   * Initializes the engine and parses every page once, in both languages, with sample data:
   * Thymeleaf's first use loads and links classes for about a second, which must not happen on an
   * event loop. Blocking: call it at start-up. A template that does not render fails the start.
   */
  void warmUp() {
    Map<String, Object> person = Map.of("name", "-", "login", "-", "role", "tax", "regions", "-");
    Map<String, Object> row = new HashMap<>(Map.of("lineId", "-", "caseNo", "-", "region", "-", "kind", "-",
        "amountYuan", "0.00", "taxOffice", "-", "paidAt", "-", "confirmed", false, "typed", "", "ticked", false));
    row.put("voucher", null);
    row.put("certificate", null);
    row.put("error", "-");
    for (Locale locale : new Locale[] {CHINESE, Locale.ENGLISH}) {
      render(locale, "/console/sign-in", "sign-in", null, Map.of("csrf", "-", "login", "", "error", "-"));
      Map<String, Object> signedIn = new HashMap<>(Map.of("csrf", "-", "person", person, "regions", List.of("341500")));
      signedIn.put("error", null);
      render(locale, "/console/password", "password", null, signedIn);
      render(locale, "/console/", "home", null, signedIn);
      Map<String, Object> tax = new HashMap<>(signedIn);
      tax.putAll(Map.of("rows", List.of(row), "day", "2026-01-01", "region", "", "status", "unconfirmed",
          "flash", "-", "failed", false, "canConfirm", true, "anyOpen", true));
      tax.put("otherErrors", List.of("-"));
      tax.putAll(Map.of("office", "", "after", "", "paged", true, "nextAfter", "-", "csvHeader", "-",
          "csvRowsMax", 1, "csvErrors", List.of(Map.of("row", 2, "lineId", "-", "error", "-"))));
      render(locale, "/console/tax/receipts", "tax-receipts", null, tax);
      render(locale, "/console/tax/receipts", "tax-receipts", "receipts", tax);
      Map<String, Object> refunds = new HashMap<>(signedIn);
      refunds.putAll(Map.of("rows", List.of(TaxRefundConsoleRoutes.sampleRow()), "status", "requested",
          "flash", "-", "failed", true, "canAct", true));
      render(locale, "/console/tax/refunds", "tax-refunds", null, refunds);
      render(locale, "/console/tax/refunds", "tax-refunds", "refunds", refunds);
      Map<String, Object> report = new HashMap<>(signedIn);
      report.put("day", "2026-01-01");
      render(locale, "/console/tax/report", "tax-report", null, report);
      Map<String, Object> audit = new HashMap<>(signedIn);
      audit.putAll(Map.of("day", "2026-01-01", "events", List.of(Map.of("at", "-", "login", "-", "action", "-",
          "target", "-", "outcome", "ok", "detail", "-", "ip", "-"))));
      render(locale, "/console/audit", "audit", null, audit);
      Map<String, Object> people = new HashMap<>(signedIn);
      people.putAll(Map.of("people", List.of(Map.of("login", "-", "name", "-", "role", "tax", "regions", "-",
          "active", true, "locked", true, "mustChange", true, "mine", true)), "roles", List.of("tax"),
          "failed", false));
      people.put("flash", "-");
      render(locale, "/console/admin/people", "people", null, people);
    }
  }

  /** Thymeleaf's #{...} from the console bundles, formatted with MessageFormat in the page's language. */
  private static final class BundleMessages extends AbstractMessageResolver {
    @Override
    public String resolveMessage(ITemplateContext context, Class<?> origin, String key, Object[] parameters) {
      Locale locale = context.getLocale() == null ? CHINESE : context.getLocale();
      try {
        ResourceBundle bundle = ResourceBundle.getBundle("console.messages",
            locale.getLanguage().equals("en") ? Locale.ENGLISH : CHINESE, NO_FALLBACK);
        String text = bundle.getString(key);
        return parameters == null || parameters.length == 0 ? text
            : new MessageFormat(text, locale).format(parameters);
      } catch (MissingResourceException e) {
        return null;
      }
    }

    @Override
    public String createAbsentMessageRepresentation(ITemplateContext context, Class<?> origin, String key,
        Object[] parameters) {
      return "??" + key + "??";
    }
  }
}
