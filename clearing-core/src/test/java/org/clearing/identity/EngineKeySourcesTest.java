package org.clearing.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.clearing.Engine;
import org.clearing.client.Role;
import org.clearing.config.KeySources;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.MasterKey;
import org.clearing.crypto.SecretFiles;
import org.clearing.outbox.EngineKey;
import org.clearing.payer.PayerIdCipher;
import org.clearing.report.ReportSigner;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.SecondEngine;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the engine's keys come from: key files are used as given (and the signing key published,
 * its private half never stored); a master key that does not open the database's keys, or a key
 * file others can read, stops the engine before it serves anything; the master key may come as
 * hexadecimal or base64 text from the environment; and an engine from before shared keys imports
 * its data directory's key files, so a pinned key, old payer-ID ciphertexts and the fingerprints
 * of earlier order requests keep working.
 */
class EngineKeySourcesTest {

  private static final String ID_NO = "34150019900101123X";
  private static final MasterKey MASTER_KEY = MasterKey.generate();

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.with(config -> config.withKeys(
      KeySources.defaults().withMasterKeyText(MASTER_KEY.toHex())));

  @TempDir
  Path dir;

  private Path secretFile(String name, String content) throws Exception {
    Path file = dir.resolve(name);
    SecretFiles.writeString(file, content);
    return file;
  }

  private static Throwable rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  @Test
  void anEngineGivenKeyFilesSignsAndEncryptsWithThemAndPublishesOnlyThePublicHalf() throws Exception {
    EngineKey signing = EngineKey.generate();
    byte[] current = new byte[16];
    byte[] previous = new byte[16];
    Crypto.random().nextBytes(current);
    Crypto.random().nextBytes(previous);
    Path signingFile = secretFile("signing.pem", signing.privateKeyPem());
    Path payerFile = secretFile("payer.keys", "# current first\n" + HexFormat.of().formatHex(current) + "\n\n"
        + HexFormat.of().formatHex(previous) + "\n");
    try (TestEngine files = TestEngine.startWith(config -> config.withKeys(
        KeySources.defaults().withKeyFiles(signingFile, payerFile)))) {
      assertEquals(signing.keyId(), files.engine().identity().signingKey().keyId());
      assertFalse(Files.exists(files.dataDir().resolve("keys").resolve(Engine.GENERATED_MASTER_KEY_FILE)),
          "no master key is made when no key is kept in the database");
      JsonObject keys = files.as(Role.FINANCE).send("GET", "/api/v1/engine/public-keys", new byte[0], Map.of(), false)
          .json();
      assertEquals(signing.keyId(), keys.getJsonArray("keys").getJsonObject(0).getString("key_id"));
      assertEquals(1, files.count("SELECT count(*) FROM engine_key WHERE source = 'file' AND sealed_secret IS NULL"
          + " AND key_id = '" + signing.keyId() + "'"));
      var report = files.as(Role.FINANCE).getWithHeaders("/api/v1/finance/reports/daily?date=2026-12-01");
      assertEquals(new PublishedKeys.Verified(signing.keyId()), PublishedKeys.fromJson(keys.encode())
          .verifyReport(report.headers().firstValue(ReportSigner.HEADER).orElseThrow(), report.body(), Instant.now()));

      PayerIdCipher cipher = files.engine().identity().payerIds();
      assertEquals(PayerIdCipher.keyId(current), cipher.currentKeyId());
      assertEquals(ID_NO, cipher.decrypt(new PayerIdCipher(previous).encrypt(ID_NO)), "an older key on a later line");

      for (String purpose : List.of("signing", "payer_id")) {
        ApiCaller.Answer refused = files.as(Role.ADMIN).send("POST", "/api/v1/admin/engine/keys/rotate",
            ("{\"purpose\":\"" + purpose + "\"}").getBytes(StandardCharsets.UTF_8),
            Map.of("Content-Type", "application/json"), true);
        assertEquals(409, refused.status(), refused.text());
        assertTrue(refused.text().contains("key file"), refused.text());
      }
    }
  }

  @Test
  void anotherMasterKeyDoesNotOpenTheDatabasesKeysAndTheEngineRefusesToStartSayingWhy() throws Exception {
    MasterKey other = MasterKey.generate();
    Path otherFile = secretFile("other-master.key", other.toHex());
    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> SecondEngine.on(engine.get(),
        config -> config.withSandboxes(false, 0, 1).withKeys(KeySources.defaults().withMasterKeyFile(otherFile))));
    String reason = rootCause(refused).getMessage() + " / " + refused.getCause().getMessage();
    assertTrue(reason.contains(MASTER_KEY.id()) && reason.contains(other.id()), reason);
    assertTrue(reason.contains("--master-key-file"), reason);
  }

  @Test
  void theSameMasterKeyGivenInBase64OpensTheKeysAndTheEnginesSignAlike() throws Exception {
    byte[] raw = HexFormat.of().parseHex(MASTER_KEY.toHex());
    Path base64File = secretFile("master.b64", Base64.getEncoder().encodeToString(raw) + "\n");
    try (SecondEngine second = SecondEngine.on(engine.get(), config -> config.withSandboxes(false, 0, 1)
        .withKeys(KeySources.defaults().withMasterKeyFile(base64File)))) {
      assertEquals(engine.engine().identity().signingKey().keyId(), second.engine().identity().signingKey().keyId());
      assertEquals(engine.engine().identity().payerIds().currentKeyId(),
          second.engine().identity().payerIds().currentKeyId());
    }
  }

  @Test
  void anEngineWhoseDataDirectoryHoldsAnotherFingerprintKeyUsesTheDatabasesAndSaysSo() throws Exception {
    try (org.clearing.testing.LogCapture log = org.clearing.testing.LogCapture.start();
        SecondEngine second = SecondEngine.on(engine.get(), config -> {
          // Upgraded second: the first engine's key is in the database already.
          org.clearing.order.RequestFingerprints.loadOrCreate(config.dataDir());
          return config.withSandboxes(false, 0, 1).withKeys(KeySources.defaults().withMasterKeyText(MASTER_KEY.toHex()));
        })) {
      org.clearing.order.NewOrder request = new org.clearing.order.NewOrder("SHARED-1", "341500", "张三", ID_NO,
          List.of(new org.clearing.order.NewOrder.NewLine(org.clearing.routing.ItemKind.DEED_TAX,
              org.clearing.channel.Money.ofFen(1_000), null, null, null)),
          org.clearing.order.NewOrder.EXPIRES_IN_S_DEFAULT);
      assertTrue(java.util.Arrays.equals(engine.engine().identity().requestFingerprints().of(request),
          second.engine().identity().requestFingerprints().of(request)), "both fingerprint with the database's key");
      assertTrue(log.lines().stream().anyMatch(line -> line.contains("event=engine_key.file_unused"
          + " purpose=request_fingerprint")), "the operator is told the file is not used");
    }
  }

  @Test
  void aKeyFileOthersCanReadStopsTheEngineBeforeItStarts() throws Exception {
    Path master = secretFile("exposed-master.key", MasterKey.generate().toHex());
    Path signing = secretFile("exposed-signing.pem", EngineKey.generate().privateKeyPem());
    Path payer = secretFile("payer.keys", MasterKey.generate().toHex());
    Files.setPosixFilePermissions(master, PosixFilePermissions.fromString("rw-r-----"));
    Files.setPosixFilePermissions(signing, PosixFilePermissions.fromString("rw-r--r--"));
    for (KeySources keys : List.of(KeySources.defaults().withMasterKeyFile(master),
        KeySources.defaults().withKeyFiles(signing, payer))) {
      IllegalStateException refused = assertThrows(IllegalStateException.class,
          () -> TestEngine.startWith(config -> config.withKeys(keys)));
      assertTrue(rootCause(refused) instanceof SecretFiles.ExposedSecretException, rootCause(refused).toString());
    }
  }

  @Test
  void anEngineFromBeforeImportsItsKeyFilesSoAPinnedKeyAndOldCiphertextsStillWork() throws Exception {
    byte[][] legacyPayerKey = new byte[1][];
    String[] legacyKeyId = new String[1];
    org.clearing.order.RequestFingerprints[] legacyFingerprints = new org.clearing.order.RequestFingerprints[1];
    try (TestEngine upgraded = TestEngine.startWith(config -> {
      // The data directory as an engine before shared keys left it, on first start of the new one.
      legacyKeyId[0] = EngineKey.loadOrCreate(config.dataDir()).keyId();
      Path payerFile = config.dataDir().resolve("keys").resolve(EngineIdentity.LEGACY_PAYER_FILE);
      PayerIdCipher.fromKeyFile(payerFile);
      try {
        legacyPayerKey[0] = HexFormat.of().parseHex(Files.readString(payerFile).strip());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      legacyFingerprints[0] = org.clearing.order.RequestFingerprints.loadOrCreate(config.dataDir());
      return config;
    })) {
      assertEquals(legacyKeyId[0], upgraded.engine().identity().signingKey().keyId(), "receivers keep the key they pinned");
      org.clearing.order.NewOrder request = new org.clearing.order.NewOrder("LEGACY-1", "341500", "张三", ID_NO,
          List.of(new org.clearing.order.NewOrder.NewLine(org.clearing.routing.ItemKind.DEED_TAX,
              org.clearing.channel.Money.ofFen(1_000), null, null, null)),
          org.clearing.order.NewOrder.EXPIRES_IN_S_DEFAULT);
      assertTrue(java.util.Arrays.equals(legacyFingerprints[0].of(request),
          upgraded.engine().identity().requestFingerprints().of(request)),
          "the orders fingerprinted before keep being recognised");
      assertEquals(1, upgraded.count("SELECT count(*) FROM engine_key WHERE purpose = 'request_fingerprint'"
          + " AND retired_at IS NULL AND sealed_secret IS NOT NULL"), "kept sealed in the database");
      PayerIdCipher cipher = upgraded.engine().identity().payerIds();
      assertEquals(PayerIdCipher.keyId(legacyPayerKey[0]), cipher.currentKeyId());
      assertEquals(ID_NO, cipher.decrypt(versionOneCiphertext(legacyPayerKey[0], ID_NO)),
          "a ciphertext written before key ids");
    }
  }

  /** A payer ID as engines before key ids stored it: {@code 1 ‖ nonce ‖ SM4-GCM(id) }, AAD "payer_id_no". */
  private static byte[] versionOneCiphertext(byte[] key16, String idNo) throws Exception {
    byte[] nonce = new byte[12];
    Crypto.random().nextBytes(nonce);
    Cipher cipher = Cipher.getInstance("SM4/GCM/NoPadding", Crypto.provider());
    cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key16, "SM4"), new GCMParameterSpec(128, nonce));
    cipher.updateAAD("payer_id_no".getBytes(StandardCharsets.US_ASCII));
    byte[] sealed = cipher.doFinal(idNo.getBytes(StandardCharsets.UTF_8));
    byte[] out = new byte[1 + 12 + sealed.length];
    out[0] = 1;
    System.arraycopy(nonce, 0, out, 1, 12);
    System.arraycopy(sealed, 0, out, 13, sealed.length);
    return out;
  }
}
