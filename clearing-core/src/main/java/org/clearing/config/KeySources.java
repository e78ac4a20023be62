package org.clearing.config;

import java.nio.file.Path;

/**
 * Where the engine's own keys come from (issue 11 §6). Every engine on one database must be given
 * the same ones, or they would sign and decrypt differently.
 *
 * @param masterKeyFile {@code --master-key-file}: the master key (32 hex digits or base64 of 16
 *     bytes, owner-only) that seals the keys kept in the database; null: {@code masterKeyText}, or
 *     one generated in {@code <data-dir>/keys/master.sm4}
 * @param masterKeyText the master key as the environment variable {@code CLEARING_MASTER_KEY}
 *     holds it (never a command-line option: the process list would show it); null when not set
 * @param signingKeyFile {@code --signing-key-file}: the SM2 signing key (PKCS#8 PEM, owner-only);
 *     null: the one kept in the database
 * @param payerKeyFile {@code --payer-key-file}: the payer-ID keys (32 hex digits per line, the
 *     current one first, owner-only); null: the ones kept in the database
 */
public record KeySources(Path masterKeyFile, String masterKeyText, Path signingKeyFile, Path payerKeyFile) {

  public KeySources {
    if (masterKeyFile != null && masterKeyText != null) {
      throw new IllegalArgumentException("give the master key once: --master-key-file or CLEARING_MASTER_KEY, not both");
    }
  }

  /** Everything from the database, sealed under a master key made in the data directory (demo mode). */
  public static KeySources defaults() {
    return new KeySources(null, null, null, null);
  }

  public KeySources withMasterKeyFile(Path file) {
    return new KeySources(file, null, signingKeyFile, payerKeyFile);
  }

  public KeySources withMasterKeyText(String text) {
    return new KeySources(null, text, signingKeyFile, payerKeyFile);
  }

  public KeySources withKeyFiles(Path signing, Path payer) {
    return new KeySources(masterKeyFile, masterKeyText, signing, payer);
  }

  /** Never shows the master key. */
  @Override
  public String toString() {
    return "KeySources[masterKeyFile=" + masterKeyFile + ", masterKeyText=" + (masterKeyText == null ? "none" : "set")
        + ", signingKeyFile=" + signingKeyFile + ", payerKeyFile=" + payerKeyFile + "]";
  }
}
