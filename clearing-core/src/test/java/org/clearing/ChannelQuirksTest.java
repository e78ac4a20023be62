package org.clearing;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.clearing.channel.Channel;
import org.clearing.recon.match.SyntheticDay;
import org.junit.jupiter.api.Test;

/**
 * Channel quirks stay behind the adapter contract: settlement, refunds, reconciliation (the run and
 * the matcher) and reports name no channel (no switch on one, no comparison with one, no channel's name in their SQL) and
 * reach no channel's own package; what differs between channels they read from the statement
 * lines, the notifications and {@code BillSplit}, and numbers from {@code OutTradeNumbers}.
 */
class ChannelQuirksTest {

  /** The engine's packages that handle every channel alike. */
  private static final String[] CHANNEL_BLIND = {
      "org.clearing.settlement..", "org.clearing.refund..", "org.clearing.recon..", "org.clearing.report.."};
  private static final List<String> CHANNEL_BLIND_SOURCES = List.of(
      "org/clearing/settlement", "org/clearing/refund", "org/clearing/recon", "org/clearing/report");
  private static final List<String> CONSTANTS = Arrays.stream(Channel.values()).map(Enum::name).toList();
  /** A channel's name as a string literal, in Java or in SQL. */
  private static final Pattern CHANNEL_LITERAL = Pattern.compile(
      "[\"'](?i:" + String.join("|", Arrays.stream(Channel.values()).map(Channel::code).toList()) + ")[\"']");

  /**
   * The matcher's synthetic day writes bills as each channel prints them, for the matcher's tests
   * and benchmarks: it plays the channels, so it may tell them apart.
   */
  private static final DescribedPredicate<JavaClass> PLAYS_THE_CHANNELS = describe("the synthetic day",
      c -> c.getName().startsWith(SyntheticDay.class.getName()));

  /** A comment line (an example request in a class comment may name a channel). */
  private static final Pattern COMMENT = Pattern.compile("\\s*(\\*|//|/\\*)");

  private static final JavaClasses ENGINE = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("org.clearing");

  /**
   * A switch on a Channel compiles to a read of each constant it names (the switch map), so this
   * catches switches and comparisons alike.
   */
  static final ArchRule noneReadsAChannelConstant = noClasses()
      .that().resideInAnyPackage(CHANNEL_BLIND).and(not(PLAYS_THE_CHANNELS))
      .should().accessFieldWhere(describe("a Channel constant",
          access -> access.getTarget().getOwner().isEquivalentTo(Channel.class)
              && CONSTANTS.contains(access.getTarget().getName())))
      .because("what differs between channels is data the adapter contract carries");

  static final ArchRule noneReachesAChannelsOwnPackage = noClasses()
      .that().resideInAnyPackage(CHANNEL_BLIND)
      .should().dependOnClassesThat().resideInAnyPackage("org.clearing.channel.wechat..",
          "org.clearing.channel.alipay..", "org.clearing.channel.unionpay..", "org.clearing.sandbox..")
      .because("a channel's formats are read in its adapter");

  @Test
  void settlementRefundsReconciliationAndReportsReadNoChannelConstant() {
    noneReadsAChannelConstant.check(ENGINE);
  }

  @Test
  void settlementRefundsReconciliationAndReportsReachNoChannelsOwnPackage() {
    noneReachesAChannelsOwnPackage.check(ENGINE);
  }

  @Test
  void theirSourcesNameNoChannelInALiteral() throws IOException {
    Path root = Path.of("src/main/java");
    List<String> found;
    try (Stream<Path> files = CHANNEL_BLIND_SOURCES.stream().map(root::resolve).flatMap(ChannelQuirksTest::walk)) {
      found = files.filter(f -> f.toString().endsWith(".java"))
          .flatMap(f -> literals(root, f)).toList();
    }
    assertEquals(List.of(), found, "a channel named in a literal (a branch on it, in Java or SQL)");
  }

  private static Stream<Path> walk(Path directory) {
    try {
      return Files.walk(directory);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Stream<String> literals(Path root, Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return java.util.stream.IntStream.range(0, lines.size())
          .filter(i -> !COMMENT.matcher(lines.get(i)).lookingAt() && CHANNEL_LITERAL.matcher(lines.get(i)).find())
          .mapToObj(i -> root.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
