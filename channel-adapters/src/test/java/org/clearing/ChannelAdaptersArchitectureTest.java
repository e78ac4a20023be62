package org.clearing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The adapters stand apart from the sandboxes that imitate them: an adapter that imported a
 * sandbox would ship the fake channel's keys and shortcuts into the engine. Each channel's
 * protocol stays in its own package, reached through the contract; the merchant configuration
 * ({@code org.clearing.merchant}) sits above the three and builds them from a file; the module
 * keeps to its own packages, below the engine and the matcher.
 */
@AnalyzeClasses(packages = "org.clearing", importOptions = ImportOption.DoNotIncludeTests.class)
class ChannelAdaptersArchitectureTest {

  @ArchTest
  static final ArchRule adaptersNeverImportSandboxes = noClasses()
      .that().resideInAnyPackage("org.clearing.channel..", "org.clearing.crypto..", "org.clearing.merchant..")
      .should().dependOnClassesThat().resideInAPackage("org.clearing.sandbox..")
      .because("a sandbox may use an adapter's code to speak like the channel, never the other way");

  @ArchTest
  static final ArchRule theContractNamesNoChannelsImplementation = noClasses()
      .that().resideInAPackage("org.clearing.channel")
      .should().dependOnClassesThat().resideInAnyPackage(
          "org.clearing.channel.wechat..", "org.clearing.channel.alipay..", "org.clearing.channel.unionpay..")
      .because("the engine never switches on a channel: all it sees is ChannelAdapter");

  @ArchTest
  static final ArchRule noAdapterImportsAnotherChannels = slices()
      .matching("org.clearing.channel.(*)..")
      .should().notDependOnEachOther()
      .because("WeChat Pay, Alipay and UnionPay share only the contract and org.clearing.crypto");

  @ArchTest
  static final ArchRule thePackagesFormNoCycle = slices()
      .matching("org.clearing.(**)")
      .should().beFreeOfCycles();

  @ArchTest
  static final ArchRule theModuleKeepsToItsOwnPackages = classes()
      .that().resideInAPackage("org.clearing..")
      .should().resideInAnyPackage("org.clearing.channel..", "org.clearing.crypto..", "org.clearing.merchant..",
          "org.clearing.sandbox..")
      .because("channel-adapters sits below reconciliation and the engine: a class of theirs placed here"
          + " would blur which module owns it");
}
