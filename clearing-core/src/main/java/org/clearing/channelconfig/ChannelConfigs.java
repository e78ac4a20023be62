package org.clearing.channelconfig;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.sqlclient.Pool;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.clearing.channel.Channel;
import org.clearing.channel.OutTradeNumbers;
import org.clearing.channel.QueryResult;
import org.clearing.crypto.Crypto;
import org.clearing.crypto.MasterKey;
import org.clearing.crypto.Pem;
import org.clearing.input.FieldError;
import org.clearing.merchant.MerchantConfigException;
import org.clearing.payment.ChannelSet;
import org.clearing.payment.MerchantChannels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A channel's merchant for one region, configured by an administrator and kept in the database:
 * read (never a secret), saved (checked as the configuration file is, secrets sealed under the
 * master key, audited), applied at once to channel orders opened afterwards on this engine and
 * within {@link #CHECK_INTERVAL_MS} on every other engine on the database, and checked against the
 * channel. A (region, channel) configured here takes precedence over the configuration file.
 */
public final class ChannelConfigs {

  private static final Logger LOG = LoggerFactory.getLogger(ChannelConfigs.class);

  /** The purpose the secrets are sealed for; the row is {@code region/channel/field}. */
  public static final String SEAL_PURPOSE = "channel-secret";
  /** How often an engine looks for another engine's change: a few seconds, as for regions. */
  public static final long CHECK_INTERVAL_MS = 2_000;

  /** What a save came to. */
  public sealed interface Outcome permits Saved, Invalid, NotFound, Refused {}

  public record Saved(JsonObject view) implements Outcome {}

  public record Invalid(List<FieldError> errors) implements Outcome {}

  public record NotFound(String detail) implements Outcome {}

  /** The save cannot be made now: no master key, or a concurrent change. */
  public record Refused(String type, String detail) implements Outcome {}

  private record Loaded(int version, ChannelSet.RegionMerchant merchant) {}

  private final Vertx vertx;
  private final WebClient client;
  private final MasterKey masterKey;
  private final ChannelSet channels;
  private final Path scratchRoot;
  private final Path billRoot;
  private final MeterRegistry metrics;
  private final ChannelConfigRepository repository;
  private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();
  private volatile String stamp = "";

  /**
   * @param masterKey seals and opens the secrets; null: nothing can be kept in the database
   * @param scratchRoot where a stored merchant is written out, owner-only, while it is read
   */
  public ChannelConfigs(Vertx vertx, Pool pool, WebClient client, MasterKey masterKey, ChannelSet channels,
      Path scratchRoot, Path billRoot, MeterRegistry metrics) {
    this.vertx = vertx;
    this.client = client;
    this.masterKey = masterKey;
    this.channels = channels;
    this.scratchRoot = scratchRoot;
    this.billRoot = billRoot;
    this.metrics = metrics;
    this.repository = new ChannelConfigRepository(pool);
  }

  /** Reloads if some engine saved a configuration since the last load; whether it reloaded. */
  public Future<Boolean> reloadIfChanged() {
    return repository.stamp().compose(seen -> seen.equals(stamp) ? Future.succeededFuture(false)
        : reload(seen).map(true));
  }

  /** Loads every stored configuration (at start-up, and when another engine changed one). */
  public Future<Void> reload() {
    return repository.stamp().compose(this::reload);
  }

  private Future<Void> reload(String seen) {
    return repository.all().compose(all -> {
      List<Future<Void>> loads = new ArrayList<>();
      for (ChannelConfigRepository.Stored stored : all) {
        String key = stored.region() + "/" + stored.channel();
        Loaded current = loaded.get(key);
        if (current != null && current.version() == stored.version()) {
          continue;
        }
        Channel channel = Channel.fromCode(stored.channel()).orElseThrow();
        loads.add(vertx.executeBlocking(() -> open(stored))
            .compose(secrets -> load(stored.region(), channel, stored.settings(), secrets))
            .map(merchant -> {
              loaded.put(key, new Loaded(stored.version(), new ChannelSet.RegionMerchant(stored.region(), channel, merchant)));
              LOG.info("event=channel_config.applied region={} channel={} version={}", stored.region(),
                  stored.channel(), stored.version());
              return (Void) null;
            })
            // A configuration that no longer loads (an expired certificate, another master key)
            // is named in the log; its region is not offered the channel rather than paid wrongly.
            .recover(e -> {
              loaded.remove(key);
              LOG.error("event=channel_config.unusable region={} channel={} version={} reason=\"{}\"",
                  stored.region(), stored.channel(), stored.version(), e.getMessage());
              return Future.succeededFuture();
            }));
      }
      return Future.join(loads).map(v -> {
        stamp = seen;
        apply();
        return null;
      });
    });
  }

  private void apply() {
    channels.replaceRegionMerchants(loaded.values().stream().map(Loaded::merchant).toList());
  }

  /** The stored configuration without any secret: which are set, and what may be shown of them. */
  public Future<Optional<JsonObject>> view(String region, String channelCode) {
    return repository.find(region, channelCode).map(found -> found.map(ChannelConfigs::view));
  }

  public Future<JsonArray> audit(String region, String channelCode) {
    return repository.audit(region, channelCode);
  }

  private static JsonObject view(ChannelConfigRepository.Stored stored) {
    Channel channel = Channel.fromCode(stored.channel()).orElseThrow();
    JsonObject secrets = new JsonObject();
    for (ChannelFields.Secret secret : ChannelFields.secrets(channel)) {
      ChannelConfigRepository.SealedSecret sealed = stored.secrets().get(secret.name());
      secrets.put(secret.name(), sealed == null ? new JsonObject().put("set", false)
          : new JsonObject().put("set", true).mergeIn(sealed.facts())
              .put("changed_at", sealed.changedAt().toString()));
    }
    JsonObject certificates = new JsonObject();
    for (String field : ChannelFields.contents(channel)) {
      if (stored.settings().getValue(field) instanceof String pem) {
        certificateFacts(pem).ifPresent(facts -> certificates.put(field, facts));
      }
    }
    return new JsonObject().put("region", stored.region()).put("channel", stored.channel())
        .put("source", "database").put("merchant_id", MerchantChannels.regionMerchantId(stored.region()))
        .put("version", stored.version()).put("changed_by", stored.changedBy())
        .put("changed_at", stored.changedAt().toString()).put("settings", stored.settings())
        .put("secrets", secrets).put("certificates", certificates);
  }

  /**
   * Checks and saves a configuration (the body of PUT): nothing is written unless the merchant it
   * makes passes every check the configuration file's merchants pass.
   */
  public Future<Outcome> save(String region, String channelCode, JsonObject body, String clientId) {
    Channel channel = Channel.fromCode(channelCode).orElse(null);
    if (channel == null) {
      return Future.succeededFuture(new NotFound("no channel " + channelCode));
    }
    if (masterKey == null) {
      return Future.succeededFuture(new Refused("no-master-key", "this engine has no master key to seal"
          + " secrets with (--master-key-file or " + MasterKey.ENVIRONMENT_VARIABLE + ")"));
    }
    ChannelConfigRequest.Result parsed = ChannelConfigRequest.parse(channel, body);
    if (parsed instanceof ChannelConfigRequest.Invalid invalid) {
      return Future.succeededFuture(new Invalid(invalid.errors()));
    }
    ChannelConfigRequest.Parsed request = (ChannelConfigRequest.Parsed) parsed;
    return repository.regionExists(region).compose(exists -> !exists
        ? Future.succeededFuture(new NotFound("no region " + region))
        : repository.find(region, channelCode).compose(found -> save(region, channel, request, found, clientId)));
  }

  private Future<Outcome> save(String region, Channel channel, ChannelConfigRequest.Parsed request,
      Optional<ChannelConfigRepository.Stored> found, String clientId) {
    Map<String, String> unopened = new LinkedHashMap<>();
    return vertx.executeBlocking(() -> found.map(stored -> openKept(stored, unopened)).orElse(Map.of())).compose(kept -> {
      Map<String, byte[]> secrets = new LinkedHashMap<>(kept);
      secrets.putAll(request.secrets());
      List<FieldError> missing = new ArrayList<>();
      for (String required : ChannelFields.requiredSecrets(channel)) {
        if (!secrets.containsKey(required)) {
          // A kept secret this engine cannot open (sealed under another master key, or changed
          // in the table) is as good as missing: the administrator is asked for it again.
          missing.add(new FieldError("secrets." + required, unopened.containsKey(required)
              ? "the stored value does not open (" + unopened.get(required) + "); send it again"
              : "is required"));
        }
      }
      if (!missing.isEmpty()) {
        return Future.succeededFuture(new Invalid(missing));
      }
      return load(region, channel, request.settings(), secrets)
          .compose(merchant -> store(region, channel, request, found, secrets, merchant, clientId))
          .recover(e -> e instanceof Checked checked
              ? Future.succeededFuture(new Invalid(List.of(checked.error))) : Future.failedFuture(e));
    });
  }

  private Future<Outcome> store(String region, Channel channel, ChannelConfigRequest.Parsed request,
      Optional<ChannelConfigRepository.Stored> found, Map<String, byte[]> secrets, ChannelSet.Merchant merchant,
      String clientId) {
    return vertx.executeBlocking(() -> {
      List<ChannelConfigRepository.NewSecret> sealed = new ArrayList<>();
      request.secrets().forEach((field, value) -> sealed.add(new ChannelConfigRepository.NewSecret(field,
          masterKey.seal(SEAL_PURPOSE, rowId(region, channel.code(), field), value), masterKey.id(),
          facts(field, value, secrets))));
      return sealed;
    }).compose(sealed -> repository.save(region, channel.code(), request.settings(), sealed,
            found.map(ChannelConfigRepository.Stored::version).orElse(0), clientId,
            changedFields(found.map(ChannelConfigRepository.Stored::settings).orElse(new JsonObject()),
                request.settings())))
        .<Outcome>compose(version -> {
          loaded.put(region + "/" + channel.code(), new Loaded(version, new ChannelSet.RegionMerchant(region, channel, merchant)));
          apply();
          LOG.info("event=channel_config.saved region={} channel={} version={} by={} secrets={}", region,
              channel.code(), version, clientId, request.secrets().keySet());
          return repository.find(region, channel.code()).map(stored -> new Saved(view(stored.orElseThrow())));
        })
        .recover(e -> e instanceof IllegalStateException && "changed concurrently".equals(e.getMessage())
            ? Future.succeededFuture(new Refused("conflict", "another administrator saved this configuration"
                + " meanwhile; read it again and repeat the change"))
            : Future.failedFuture(e));
  }

  /** The row a secret is sealed for: copied to another row, it does not open. */
  public static String rowId(String region, String channel, String field) {
    return region + "/" + channel + "/" + field;
  }

  private static List<String> changedFields(JsonObject before, JsonObject after) {
    List<String> fields = new ArrayList<>();
    for (String key : after.fieldNames()) {
      if (!java.util.Objects.equals(before.getValue(key), after.getValue(key))) {
        fields.add(key);
      }
    }
    for (String key : before.fieldNames()) {
      if (!after.containsKey(key)) {
        fields.add(key);
      }
    }
    Collections.sort(fields);
    return fields;
  }

  /** A merchant the file's checks refused, with the field as the administrator wrote it. */
  private static final class Checked extends RuntimeException {
    final FieldError error;

    Checked(FieldError error) {
      super(error.field() + ": " + error.reason());
      this.error = error;
    }
  }

  /**
   * Writes the merchant out in an owner-only scratch directory, loads it as a file's merchant is
   * loaded (every check included), and deletes the directory whatever the outcome.
   */
  private Future<ChannelSet.Merchant> load(String region, Channel channel, JsonObject settings,
      Map<String, byte[]> secrets) {
    Path directory = scratchRoot.resolve("channel-config-" + HexFormat.of().formatHex(random(8)));
    return vertx.executeBlocking(() -> StoredMerchant.write(directory, region, channel, settings, secrets))
        .compose(file -> MerchantChannels.regionMerchant(vertx, client, file,
            billRoot.resolve(region), region, channel, metrics))
        .recover(e -> Future.failedFuture(e instanceof MerchantConfigException m
            ? new Checked(StoredMerchant.problem(channel, m, directory)) : e))
        .eventually(() -> vertx.executeBlocking(() -> {
          StoredMerchant.delete(directory);
          return null;
        }));
  }

  /** The stored secrets that open; each that does not is named in {@code unopened} with why. */
  private Map<String, byte[]> openKept(ChannelConfigRepository.Stored stored, Map<String, String> unopened) {
    Map<String, byte[]> opened = new LinkedHashMap<>();
    stored.secrets().forEach((field, sealed) -> {
      try {
        opened.put(field, masterKey.open(SEAL_PURPOSE, rowId(stored.region(), stored.channel(), field), sealed.sealed()));
      } catch (MasterKey.Refused e) {
        unopened.put(field, e.getMessage());
      }
    });
    return opened;
  }

  private Map<String, byte[]> open(ChannelConfigRepository.Stored stored) {
    if (masterKey == null) {
      throw new IllegalStateException("no master key to open the secrets of " + stored.region() + "/" + stored.channel());
    }
    Map<String, byte[]> opened = new LinkedHashMap<>();
    stored.secrets().forEach((field, sealed) -> opened.put(field,
        masterKey.open(SEAL_PURPOSE, rowId(stored.region(), stored.channel(), field), sealed.sealed())));
    return opened;
  }

  /** What may be shown of a secret: a key's algorithm, a .pfx certificate's serial and expiry. */
  private static JsonObject facts(String field, byte[] value, Map<String, byte[]> secrets) {
    JsonObject facts = new JsonObject();
    try {
      if (field.endsWith("private-key")) {
        facts.put("algorithm", Pem.readPrivateKey(new String(value, StandardCharsets.UTF_8)).getAlgorithm());
      } else if (field.equals("signing-certificate")) {
        byte[] password = secrets.get("signing-certificate-password");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(new ByteArrayInputStream(value),
            password == null ? null : new String(password, StandardCharsets.UTF_8).toCharArray());
        for (String alias : Collections.list(store.aliases())) {
          if (store.isKeyEntry(alias) && store.getCertificate(alias) instanceof X509Certificate certificate) {
            facts.mergeIn(certificateFacts(certificate));
          }
        }
      }
    } catch (Exception e) {
      // Already checked by the loader; facts are a courtesy.
    }
    return facts;
  }

  private static Optional<JsonObject> certificateFacts(String pem) {
    try {
      return Optional.of(certificateFacts((X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private static JsonObject certificateFacts(X509Certificate certificate) {
    return new JsonObject().put("serial", certificate.getSerialNumber().toString(16).toUpperCase(java.util.Locale.ROOT))
        .put("subject", certificate.getSubjectX500Principal().getName())
        .put("not_after", certificate.getNotAfter().toInstant().toString());
  }

  private static byte[] random(int count) {
    byte[] bytes = new byte[count];
    Crypto.random().nextBytes(bytes);
    return bytes;
  }

  /**
   * Asks the region's merchant at the channel about an order that does not exist: an answer that
   * it does not exist proves the credentials work (the channel checked our signature, and we
   * verified its answer); anything else names the problem.
   */
  public Future<Optional<JsonObject>> check(String region, String channelCode) {
    Channel channel = Channel.fromCode(channelCode).orElse(null);
    ChannelSet.Merchant merchant = channel == null ? null : channels.merchantFor(region, channel).orElse(null);
    if (merchant == null) {
      return Future.succeededFuture(Optional.empty());
    }
    String probe = OutTradeNumbers.of(channel, "CHK" + String.format("%017d", Math.abs(Crypto.random().nextLong() % 100_000_000_000_000_000L)));
    JsonObject answer = new JsonObject().put("region", region).put("channel", channelCode)
        .put("merchant_id", merchant.id())
        .put("source", merchant.id() != null && merchant.id().equals(MerchantChannels.regionMerchantId(region))
            ? "database" : "file")
        .put("asked", "query of " + probe + ", an order that does not exist");
    return merchant.adapter().query(probe)
        .map(result -> {
          if (result instanceof QueryResult.Unknown unknown) {
            return answer.put("ok", false).put("problem", unknown.reason());
          }
          return answer.put("ok", true).put("answer", result instanceof QueryResult.NotFound ? "NOT_FOUND"
              : result instanceof QueryResult.NotPaid ? "NOT_PAID" : "PAID");
        })
        .recover(e -> Future.succeededFuture(answer.put("ok", false).put("problem", String.valueOf(e.getMessage()))))
        .map(Optional::of);
  }
}
