package org.clearing.merchant;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.clearing.crypto.SecretFiles;

/**
 * Where a secret value (API v3 key, app secret, .pfx password) comes from: a file readable by its
 * owner only, or an environment variable. The value itself never appears in the configuration, so
 * the same model can later be kept in the database with the secret encrypted apart.
 */
public record SecretRef(Path file, String env) {

  public SecretRef {
    if ((file == null) == (env == null)) {
      throw new IllegalArgumentException("a secret comes from exactly one of a file or an environment variable");
    }
  }

  /** Reads the value, trailing line breaks removed (editors add one). */
  String read(String field, Map<String, String> environment) {
    if (env != null) {
      String value = environment.get(env);
      if (value == null || value.isEmpty()) {
        throw new MerchantConfigException(field, "environment variable " + env + " is not set");
      }
      return value;
    }
    try {
      return SecretFiles.readString(file).replaceAll("[\r\n]+$", "");
    } catch (SecretFiles.ExposedSecretException e) {
      throw new MerchantConfigException(field, "file " + file.getFileName()
          + " may be read by other users; make it owner-only (chmod 600)");
    } catch (IOException e) {
      throw new MerchantConfigException(field, "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
  }
}
