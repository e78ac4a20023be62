package org.clearing.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.clearing.identity.PublishedKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar clearing-engine.jar verify-report --public-keys keys.json --signature '…' report.csv}:
 * checks a downloaded report against the keys the engine publishes ({@code GET
 * /api/v1/engine/public-keys}, saved as a file): the signature must name a listed key that is valid
 * now, and verify over the file's exact bytes. Needs no database and no engine. Exit code 0 when
 * it verifies, 1 when it is refused, 2 when the input cannot be read.
 */
@Command(name = "verify-report", mixinStandardHelpOptions = true,
    description = "Verify a report's X-Clearing-Signature against the engine's published keys.")
public final class VerifyReportCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--public-keys", required = true,
      description = "The answer of GET /api/v1/engine/public-keys, saved as a file.")
  Path publicKeys;

  @Option(names = "--signature", required = true,
      description = "The report's X-Clearing-Signature header value: CLEARING-SM2-SM3 key_id=\"…\",signature=\"…\".")
  String signature;

  @Parameters(index = "0", description = "The report exactly as downloaded.")
  Path report;

  @Override
  public Integer call() {
    PublishedKeys keys;
    byte[] body;
    try {
      keys = PublishedKeys.fromJson(Files.readString(publicKeys));
      body = Files.readAllBytes(report);
    } catch (IOException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("cannot read the input: " + e.getMessage());
      return 2;
    }
    PublishedKeys.Verdict verdict = keys.verifyReport(signature, body, Instant.now());
    if (verdict instanceof PublishedKeys.Verified verified) {
      spec.commandLine().getOut().println("report " + report + ": signature verified with key " + verified.keyId());
      return 0;
    }
    spec.commandLine().getOut().println("report " + report + ": REFUSED, " + ((PublishedKeys.Refused) verdict).reason());
    return 1;
  }
}
