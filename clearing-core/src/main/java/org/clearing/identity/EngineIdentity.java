package org.clearing.identity;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.MasterKey;
import org.clearing.crypto.SecretFiles;
import org.clearing.identity.EngineKeyRepository.StoredKey;
import org.clearing.order.RequestFingerprints;
import org.clearing.outbox.EngineKey;
import org.clearing.payer.PayerIdCipher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One identity for every engine on a database: the SM2 key that signs webhooks and reports, the
 * SM4 keys of payers' ID numbers, and the HMAC key of order requests' idempotency fingerprints (so
 * a replay reaching another engine is recognised as one). Each comes from a key file given to
 * every engine, or from the {@code engine_key} table, sealed there under the master key, where the
 * first engine to start makes it (importing the key files of the data directory of engines before this, so a key that
 * receivers pinned stays the same). Every engine then signs and decrypts alike.
 *
 * <p>Rotation ({@link #rotate}) makes a new key current and retires the old one: a retired signing
 * key stays published until the end of its overlap, so signatures made just before still verify;
 * a retired payer-ID key keeps decrypting what it encrypted (each ciphertext names its key). Other
 * engines pick a rotation up within {@link #REFRESH_INTERVAL_MS}; until then they sign with the
 * previous key, which is still published, and encrypt with the previous payer-ID key, which every
 * engine still holds.
 */
public final class EngineIdentity {

  private static final Logger LOG = LoggerFactory.getLogger(EngineIdentity.class);

  public static final String SIGNING = "signing";
  public static final String PAYER_ID = "payer_id";
  /**
   * The key of {@link RequestFingerprints}: never rotated (every stored fingerprint was made with
   * it), kept in the database whenever the engine has a master key.
   */
  public static final String REQUEST_FINGERPRINT = "request_fingerprint";
  /** How often each engine looks for keys another engine rotated. */
  public static final long REFRESH_INTERVAL_MS = 10_000;
  /** How long a retired signing key stays valid unless the rotation says otherwise. */
  public static final Duration OVERLAP_DEFAULT = Duration.ofDays(7);
  public static final Duration OVERLAP_MAX = Duration.ofDays(90);
  /** What a sealed secret of {@code engine_key} is bound to, with its key id as the row. */
  static final String SEALED_PURPOSE = "engine_key.sealed_secret";
  /** The key files of engines before keys were shared, under {@code <data-dir>/keys}. */
  static final String LEGACY_SIGNING_FILE = "engine-sm2.pem";
  static final String LEGACY_PAYER_FILE = "payer-id.sm4";

  /**
   * Where the keys come from.
   *
   * @param masterKey seals and opens the keys kept in the database; null only when both keys come
   *     from files
   * @param signingKeyFile the signing key read from {@code --signing-key-file}; null: the database's
   * @param payerKeysFile the payer-ID keys read from {@code --payer-key-file}, the current one first;
   *     null: the database's
   * @param legacyKeysDirectory {@code <data-dir>/keys}, whose old key files are imported once
   */
  public record Sources(MasterKey masterKey, EngineKey signingKeyFile, List<byte[]> payerKeysFile,
      Path legacyKeysDirectory) {

    public Sources {
      if (masterKey == null && (signingKeyFile == null || payerKeysFile == null)) {
        throw new IllegalArgumentException("keys kept in the database need a master key");
      }
      payerKeysFile = payerKeysFile == null ? null : List.copyOf(payerKeysFile);
    }
  }

  /** A key as {@code GET /api/v1/engine/public-keys} lists it. */
  public record PublishedKey(String keyId, String publicKeyPem, OffsetDateTime validFrom,
      OffsetDateTime validUntil, boolean current) {}

  /** What a rotation request came to. */
  public sealed interface RotationResult permits Rotated, KeptInFile {}

  /** The new key is current; the previous one (if any) is valid until {@code previousValidUntil}. */
  public record Rotated(String purpose, String keyId, String previousKeyId, OffsetDateTime previousValidUntil)
      implements RotationResult {}

  /** This engine reads the key of {@code purpose} from a file: replace the file instead. */
  public record KeptInFile(String purpose) implements RotationResult {}

  private final EngineKeyRepository keys;
  private final WorkerExecutor worker;
  private final Sources sources;
  private volatile EngineKey signing;
  private volatile PayerIdCipher payerIds;
  private final RequestFingerprints fingerprints;
  /** The rows as the last refresh saw them; a refresh that finds the same does nothing. */
  private String state = "";
  /** Refreshes run one after another, so an older reading never overwrites a newer one. */
  private Future<Boolean> lastRefresh = Future.succeededFuture(false);

  /** @param worker where key generation, sealing and parsing run (never on an event loop) */
  public EngineIdentity(Pool pool, WorkerExecutor worker, Sources sources) {
    this.keys = new EngineKeyRepository(pool);
    this.worker = worker;
    this.sources = sources;
    this.signing = sources.signingKeyFile();
    if (sources.payerKeysFile() != null) {
      this.payerIds = new PayerIdCipher(sources.payerKeysFile());
    }
    // Without a master key nothing of this engine is kept in the database: the data directory's
    // file, as before (blocking, like reading the key files: the engine is not serving yet).
    this.fingerprints = sources.masterKey() == null
        ? RequestFingerprints.loadOrCreate(sources.legacyKeysDirectory().getParent())
        : RequestFingerprints.keyedLater();
  }

  /**
   * Makes sure the database has a current key of each purpose this engine takes from it (making
   * one, or recording the file's signing key), then loads them. Fails, naming the cause, when a
   * key in the database does not open under this engine's master key.
   */
  public Future<Void> start() {
    return ensureSigningKey().compose(v -> ensurePayerKey()).compose(v -> ensureFingerprintKey())
        .compose(v -> refresh()).mapEmpty();
  }

  /** The key that signs now. */
  public EngineKey signingKey() {
    return signing;
  }

  /** Encrypts with the current payer-ID key, decrypts with any of them. */
  public PayerIdCipher payerIds() {
    return payerIds;
  }

  /** The fingerprints of order requests, keyed alike on every engine of the database once started. */
  public RequestFingerprints requestFingerprints() {
    return fingerprints;
  }

  /** The signing keys a verifier should accept now, the current one first. */
  public Future<List<PublishedKey>> published() {
    return keys.published().map(rows -> rows.stream().map(row -> new PublishedKey(row.keyId(),
        row.publicKeyPem(), row.validFrom(), row.validUntil(), row.current())).toList());
  }

  /**
   * Rereads the keys when another engine (or this one) changed them; completes with whether
   * anything changed. Keeps the keys it has when the new ones cannot be used, and fails.
   */
  public synchronized Future<Boolean> refresh() {
    Future<Boolean> next = lastRefresh.transform(ignored -> keys.all().compose(rows -> {
      String seen = rows.stream().map(StoredKey::state).collect(Collectors.joining(","));
      synchronized (this) {
        if (seen.equals(state)) {
          return Future.succeededFuture(false);
        }
      }
      return worker.executeBlocking(() -> {
        apply(rows);
        synchronized (this) {
          state = seen;
        }
        return true;
      }, false);
    }));
    lastRefresh = next;
    return next;
  }

  /**
   * Makes a new key of {@code purpose} current ({@link #SIGNING}: the previous one stays valid for
   * {@code overlap}; {@link #PAYER_ID}: the previous one keeps decrypting), recorded as done by
   * {@code by}.
   */
  public Future<RotationResult> rotate(String purpose, Duration overlap, String by) {
    if (!SIGNING.equals(purpose) && !PAYER_ID.equals(purpose)) {
      // The fingerprint key is never rotated: every stored fingerprint was made with it.
      throw new IllegalArgumentException("only the signing and payer-ID keys rotate, not " + purpose);
    }
    boolean signingKey = SIGNING.equals(purpose);
    if (signingKey ? sources.signingKeyFile() != null : sources.payerKeysFile() != null) {
      return Future.succeededFuture(new KeptInFile(purpose));
    }
    return worker.executeBlocking(() -> signingKey ? sealed(EngineKey.generate()) : sealed(freshPayerKey()), false)
        .compose(row -> keys.replaceCurrent(row, overlap.toSeconds(), by))
        .compose(rotation -> refresh().map(changed -> {
          LOG.info("event=engine_key.rotated purpose={} key_id={} previous_key_id={} previous_valid_until={} by={}",
              purpose, rotation.keyId(), rotation.previousKeyId(), rotation.previousValidUntil(), by);
          return new Rotated(purpose, rotation.keyId(), rotation.previousKeyId(), rotation.previousValidUntil());
        }));
  }

  private Future<Void> ensureSigningKey() {
    EngineKey file = sources.signingKeyFile();
    if (file != null) {
      return keys.find(file.keyId()).compose(found -> {
        if (found.isPresent()) {
          if (!found.get().current()) {
            LOG.warn("event=engine_key.retired_key_signs key_id={} detail=\"--signing-key-file holds a key"
                + " that was retired; it is published only until its overlap ends\"", file.keyId());
          }
          return Future.succeededFuture();
        }
        StoredKey row = new StoredKey(file.keyId(), SIGNING, file.publicKeyPem(), null, "file", null, null, null);
        return keys.replaceCurrent(row, OVERLAP_DEFAULT.toSeconds(), "engine (--signing-key-file)")
            .onSuccess(rotation -> LOG.info("event=engine_key.recorded key_id={} previous_key_id={}",
                rotation.keyId(), rotation.previousKeyId()))
            .mapEmpty();
      });
    }
    return ensureFirst(SIGNING, () -> sealed(legacySigningKey()));
  }

  private Future<Void> ensurePayerKey() {
    if (sources.payerKeysFile() != null) {
      return Future.succeededFuture();
    }
    return ensureFirst(PAYER_ID, () -> sealed(legacyPayerKey()));
  }

  /**
   * Makes the database's fingerprint key unless it has one: the data directory's key file of an
   * engine from before the key was shared, so the orders it fingerprinted keep being recognised
   * (the first engine to start brings its own; another engine's file is then left unused), else a
   * new key.
   */
  private Future<Void> ensureFingerprintKey() {
    if (sources.masterKey() == null) {
      return Future.succeededFuture();
    }
    return ensureFirst(REQUEST_FINGERPRINT, () -> sealedFingerprintKey(legacyFingerprintKey()))
        .compose(v -> keys.all())
        .compose(rows -> worker.executeBlocking(() -> {
          for (StoredKey row : rows) {
            if (row.purpose().equals(REQUEST_FINGERPRINT) && row.current()) {
              warnOfUnusedFingerprintFile(row.keyId());
            }
          }
          return null;
        }, false))
        .mapEmpty();
  }

  /**
   * An engine whose data directory holds another key than the database's (another engine, upgraded
   * first, brought its own): the orders this one fingerprinted before then are answered as a
   * conflict when replayed, which an operator should know.
   */
  private void warnOfUnusedFingerprintFile(String databaseKeyId) throws IOException {
    java.util.Optional<byte[]> file = RequestFingerprints.readKeyFile(sources.legacyKeysDirectory());
    if (file.isPresent() && !RequestFingerprints.keyId(file.get()).equals(databaseKeyId)) {
      LOG.warn("event=engine_key.file_unused purpose=request_fingerprint file={} key_id={} database_key_id={}"
              + " detail=\"the database keeps another engine's key: a replay of an order this engine created"
              + " before sharing it is answered as a conflict\"",
          sources.legacyKeysDirectory().resolve(RequestFingerprints.FILE_NAME),
          RequestFingerprints.keyId(file.get()), databaseKeyId);
    }
  }

  /** Makes the first key of {@code purpose} unless the database has a current one. */
  private Future<Void> ensureFirst(String purpose, java.util.concurrent.Callable<StoredKey> make) {
    return keys.all().compose(rows -> rows.stream().anyMatch(row -> row.purpose().equals(purpose) && row.current())
        ? Future.succeededFuture()
        : worker.executeBlocking(make, false).compose(row -> keys.insertFirst(row, "engine (first start)")
            .onSuccess(v -> LOG.info("event=engine_key.created purpose={} key_id={}", purpose, row.keyId()))));
  }

  /** Blocking: opens the database's keys and puts them in use. */
  private void apply(List<StoredKey> rows) {
    if (sources.signingKeyFile() == null) {
      StoredKey current = rows.stream().filter(row -> row.purpose().equals(SIGNING) && row.current()).findFirst()
          .orElseThrow(() -> new IllegalStateException("the database has no current signing key"));
      if (current.sealedSecret() == null) {
        throw new IllegalStateException("the current signing key " + current.keyId() + " is read from a key"
            + " file by another engine; give this engine the same --signing-key-file");
      }
      EngineKey key = EngineKey.fromPrivateKeyPem(new String(open(current), StandardCharsets.UTF_8));
      if (!key.keyId().equals(current.keyId())) {
        throw new IllegalStateException("engine_key " + current.keyId() + " holds the key " + key.keyId());
      }
      signing = key;
    }
    if (sources.payerKeysFile() == null) {
      List<byte[]> payerKeys = new ArrayList<>();
      for (StoredKey row : rows) {
        if (row.purpose().equals(PAYER_ID)) {
          byte[] key16 = open(row);
          if (!PayerIdCipher.keyId(key16).equals(row.keyId())) {
            throw new IllegalStateException("engine_key " + row.keyId() + " holds another key");
          }
          payerKeys.add(row.current() ? 0 : payerKeys.size(), key16);
        }
      }
      if (payerKeys.isEmpty()) {
        throw new IllegalStateException("the database has no payer-ID key");
      }
      if (payerIds == null) {
        payerIds = new PayerIdCipher(payerKeys);
      } else {
        payerIds.rekey(payerKeys);
      }
    }
    if (sources.masterKey() != null) {
      StoredKey current = rows.stream().filter(row -> row.purpose().equals(REQUEST_FINGERPRINT) && row.current())
          .findFirst().orElseThrow(() -> new IllegalStateException("the database has no request fingerprint key"));
      byte[] key = open(current);
      if (!RequestFingerprints.keyId(key).equals(current.keyId())) {
        throw new IllegalStateException("engine_key " + current.keyId() + " holds another key");
      }
      fingerprints.useKey(key);
    }
  }

  private byte[] open(StoredKey row) {
    try {
      return sources.masterKey().open(SEALED_PURPOSE, row.keyId(), row.sealedSecret());
    } catch (MasterKey.Refused e) {
      throw new IllegalStateException("engine key " + row.keyId() + " does not open: " + e.getMessage()
          + " (every engine on one database needs the same --master-key-file or " + MasterKey.ENVIRONMENT_VARIABLE + ")", e);
    }
  }

  private StoredKey sealed(EngineKey key) {
    byte[] secret = key.privateKeyPem().getBytes(StandardCharsets.UTF_8);
    return new StoredKey(key.keyId(), SIGNING, key.publicKeyPem(),
        sources.masterKey().seal(SEALED_PURPOSE, key.keyId(), secret), "database", null, null, null);
  }

  private StoredKey sealed(byte[] payerKey16) {
    String keyId = PayerIdCipher.keyId(payerKey16);
    return new StoredKey(keyId, PAYER_ID, null, sources.masterKey().seal(SEALED_PURPOSE, keyId, payerKey16),
        "database", null, null, null);
  }

  private StoredKey sealedFingerprintKey(byte[] key) {
    String keyId = RequestFingerprints.keyId(key);
    return new StoredKey(keyId, REQUEST_FINGERPRINT, null, sources.masterKey().seal(SEALED_PURPOSE, keyId, key),
        "database", null, null, null);
  }

  private byte[] legacyFingerprintKey() throws IOException {
    java.util.Optional<byte[]> file = RequestFingerprints.readKeyFile(sources.legacyKeysDirectory());
    if (file.isPresent()) {
      LOG.info("event=engine_key.imported purpose=request_fingerprint file={}",
          sources.legacyKeysDirectory().resolve(RequestFingerprints.FILE_NAME));
      return file.get();
    }
    return RequestFingerprints.freshKey();
  }

  /** The key file of an engine before keys were shared, if this data directory has one; else a new key. */
  private EngineKey legacySigningKey() throws IOException {
    Path file = sources.legacyKeysDirectory().resolve(LEGACY_SIGNING_FILE);
    if (Files.exists(file)) {
      LOG.info("event=engine_key.imported purpose=signing file={}", file);
      return EngineKey.fromPrivateKeyPem(SecretFiles.readString(file));
    }
    return EngineKey.generate();
  }

  private byte[] legacyPayerKey() throws IOException {
    Path file = sources.legacyKeysDirectory().resolve(LEGACY_PAYER_FILE);
    if (Files.exists(file)) {
      LOG.info("event=engine_key.imported purpose=payer_id file={}", file);
      return HexFormat.of().parseHex(SecretFiles.readString(file).strip());
    }
    return freshPayerKey();
  }

  private static byte[] freshPayerKey() {
    byte[] key = new byte[16];
    Crypto.random().nextBytes(key);
    return key;
  }

  /** Reads a signing key file (PKCS#8 PEM, owner-only). Blocking. */
  public static EngineKey readSigningKeyFile(Path file) {
    try {
      return EngineKey.fromPrivateKeyPem(SecretFiles.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read --signing-key-file " + file, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--signing-key-file " + file + ": " + e.getMessage(), e);
    }
  }
}
