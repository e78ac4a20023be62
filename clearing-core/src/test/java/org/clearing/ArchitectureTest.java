package org.clearing;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.net.URISyntaxException;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.clearing.channel.ChannelAdapter;
import org.clearing.recon.match.ReconMatcher;

/**
 * The packages show the architecture and keep showing it: the engine's packages form
 * no cycle, its HTTP types sit in a leaf that domain code does not import, domain code reaches no
 * Vert.x Web server type, and the modules below the engine import nothing of it.
 *
 * <p>Which side a class is on: the <b>web layer</b> is {@code api}, {@code cashier}, {@code console} and the leaf
 * {@code http}, plus every class named {@code ...Routes} (or nested in one), which stays beside
 * the domain it serves so that {@code payment/} shows the callback path; the <b>wiring</b> is the
 * top package ({@code Engine}, {@code Main}), {@code cli} and {@code config}; everything else of
 * the engine is <b>domain</b>.
 */
@AnalyzeClasses(packages = "org.clearing", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  private static final DescribedPredicate<JavaClass> ENGINE = module("clearing-core", Engine.class);
  private static final DescribedPredicate<JavaClass> ADAPTERS = module("channel-adapters", ChannelAdapter.class);
  private static final DescribedPredicate<JavaClass> MATCHER = module("reconciliation", ReconMatcher.class);

  private static final DescribedPredicate<JavaClass> ROUTES = describe("a ...Routes class",
      c -> topLevelSimpleName(c).endsWith("Routes"));
  private static final String[] WEB_AND_WIRING = {
      "org.clearing", "org.clearing.api..", "org.clearing.cashier..", "org.clearing.http..",
      "org.clearing.cli..", "org.clearing.config..", "org.clearing.console.."};
  private static final DescribedPredicate<JavaClass> DOMAIN = describe("domain classes of the engine",
      c -> ENGINE.test(c) && !resideInAnyPackage(WEB_AND_WIRING).test(c) && !ROUTES.test(c));

  /** Vert.x Web's server side: routers and routing contexts. Its HTTP client is not the web layer. */
  private static final DescribedPredicate<JavaClass> VERTX_WEB_SERVER = describe("Vert.x Web's server side",
      c -> resideInAPackage("io.vertx.ext.web..").test(c)
          && !resideInAnyPackage("io.vertx.ext.web.client..", "io.vertx.ext.web.codec..").test(c));

  @ArchTest
  static final ArchRule theEnginesPackagesFormNoCycle = slices()
      .assignedFrom(new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
          // org.clearing.(*).. : recon.run counts as recon; Engine and Main, in the top package,
          // wire everything and belong to no slice.
          String[] parts = c.getPackageName().split("\\.");
          return ENGINE.test(c) && parts.length > 2 ? SliceIdentifier.of(parts[2]) : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
          return "the engine's packages org.clearing.(*)..";
        }
      })
      .should().beFreeOfCycles();

  @ArchTest
  static final ArchRule theHttpTypesSitInALeaf = noClasses()
      .that().resideInAPackage("org.clearing.http..")
      .should().dependOnClassesThat(ENGINE.and(not(resideInAnyPackage("org.clearing.http..", "org.clearing.input.."))))
      .because("every route uses problem+json, so it may depend on nothing but the field errors it renders");

  @ArchTest
  static final ArchRule fieldErrorsDependOnNothingOfTheEngine = noClasses()
      .that().resideInAPackage("org.clearing.input..")
      .should().dependOnClassesThat(ENGINE.and(not(resideInAPackage("org.clearing.input.."))));

  @ArchTest
  static final ArchRule domainCodeNeverImportsTheHttpEdge = noClasses()
      .that(DOMAIN)
      .should().dependOnClassesThat().resideInAnyPackage("org.clearing.http..", "org.clearing.api..", "org.clearing.cashier..")
      .because("domain code returns values; a ...Routes class or the api layer turns them into answers");

  @ArchTest
  static final ArchRule domainCodeNeverUsesVertxWebServerTypes = noClasses()
      .that(DOMAIN)
      .should().dependOnClassesThat(VERTX_WEB_SERVER)
      .because("routers and routing contexts belong to the web layer and the ...Routes classes");

  @ArchTest
  static final ArchRule theMoneyPackagesUseNoVertxWebAtAll = noClasses()
      .that(ENGINE).and().resideInAnyPackage("org.clearing.order..", "org.clearing.routing..",
          "org.clearing.split..", "org.clearing.settlement..", "org.clearing.journal..",
          "org.clearing.receipt..", "org.clearing.refund..", "org.clearing.input..")
      .and(not(ROUTES))
      .should().dependOnClassesThat().resideInAPackage("io.vertx.ext.web..")
      .because("they reach a channel only through its ChannelAdapter, never over HTTP of their own");

  @ArchTest
  static final ArchRule onlyTheWiringMountsTheApiLayer = noClasses()
      .that(ENGINE).and().resideOutsideOfPackages("org.clearing", "org.clearing.api..")
      .should().dependOnClassesThat().resideInAPackage("org.clearing.api..");

  @ArchTest
  static final ArchRule domainCodeNeverCallsARoutesClass = noClasses()
      .that(DOMAIN)
      .should().dependOnClassesThat(ROUTES)
      .because("a ...Routes class is an entry point: parse, call the domain, render");

  /**
   * Maven's module order already keeps clearing-core off the lower modules' class path; this also
   * catches a class of theirs placed in one of the engine's packages (a split package), which
   * Maven allows.
   */
  @ArchTest
  static void theModulesBelowTheEngineUseNoPackageOfIt(JavaClasses classes) {
    Set<String> enginePackages = classes.that(ENGINE).stream()
        .map(JavaClass::getPackageName).collect(Collectors.toCollection(TreeSet::new));
    noClasses()
        .that(ADAPTERS.or(MATCHER))
        .should().dependOnClassesThat(describe("reside in a package of the engine " + enginePackages,
            c -> enginePackages.contains(c.getPackageName())))
        .orShould().resideInAnyPackage(enginePackages.toArray(String[]::new))
        .check(classes);
  }

  @ArchTest
  static final ArchRule reconciliationKnowsChannelsOnlyByTheirContract = noClasses()
      .that(MATCHER)
      .should().dependOnClassesThat(ADAPTERS.and(not(resideInAPackage("org.clearing.channel"))))
      .because("matching is the same for every channel; a channel's formats are parsed in its adapter");

  /** The classes compiled into the module that holds {@code member}: its classes folder or its jar. */
  private static DescribedPredicate<JavaClass> module(String name, Class<?> member) {
    String home;
    try {
      home = member.getProtectionDomain().getCodeSource().getLocation().toURI().getRawPath();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    return describe("in " + name, c -> c.getSource().map(s -> s.getUri().toString().contains(home)).orElse(false));
  }

  private static String topLevelSimpleName(JavaClass c) {
    String name = c.getName();
    int nested = name.indexOf('$');
    String topLevel = nested < 0 ? name : name.substring(0, nested);
    return topLevel.substring(topLevel.lastIndexOf('.') + 1);
  }
}
