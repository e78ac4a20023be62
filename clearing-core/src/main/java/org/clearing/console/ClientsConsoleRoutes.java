package org.clearing.console;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.clearing.client.ClientRegistration;
import org.clearing.client.ClientRepository;
import org.clearing.client.ClientStatus;
import org.clearing.client.KeyType;
import org.clearing.crypto.Crypto;
import org.clearing.person.AuditLog;
import org.clearing.person.Person;
import org.clearing.region.Regions;

/**
 * The administrator's view of the API clients — list, disable, enable, re-key — through
 * {@link ClientRepository#list} and {@link ClientRepository#change}, the code behind
 * {@code /api/v1/admin/clients}, with the key checked by {@link ClientRegistration#checkKey} as
 * there; and of the regions, read-only, through {@link Regions#list} as
 * {@code GET /api/v1/admin/regions} reads them. Every change asks for a confirmation first and is
 * recorded in the audit log, refused or done.
 */
final class ClientsConsoleRoutes {

  private final ConsolePages pages;
  private final AuditLog audit;
  private final ClientRepository clients;
  private final Regions regions;

  ClientsConsoleRoutes(ConsolePages pages, AuditLog audit, ClientRepository clients, Regions regions) {
    this.pages = pages;
    this.audit = audit;
    this.clients = clients;
    this.regions = regions;
  }

  /** {@code GET /console/admin/clients?done=} */
  void page(RoutingContext ctx) {
    String done = ctx.request().getParam("done");
    String flash = done != null && List.of("disable", "enable", "rekey").contains(done)
        ? ConsolePages.message(ConsolePages.locale(ctx), "clients.done." + done) : null;
    render(ctx, 200, flash, false);
  }

  private void render(RoutingContext ctx, int status, String flash, boolean failed) {
    Person admin = ConsoleRoutes.person(ctx);
    clients.list().onSuccess(all -> {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (ClientRepository.Registered client : all) {
        Map<String, Object> row = new HashMap<>(Map.of("clientId", client.clientId(), "role", client.role().code(),
            "keyType", client.keyType().name(), "status", client.status().name(), "keyVersion", client.keyVersion(),
            "keySm3", Crypto.hex(Crypto.sm3(client.publicKeyPem().getBytes(StandardCharsets.US_ASCII))).substring(0, 16),
            "changedAt", client.changedAt() == null ? "" : OperatorConsoleRoutes.at(client.changedAt().toInstant()),
            "changedBy", Optional.ofNullable(client.changedBy()).orElse("")));
        row.put("canDisable", client.status().next(ClientStatus.Action.DISABLE).isPresent());
        row.put("canEnable", client.status().next(ClientStatus.Action.ENABLE).isPresent());
        row.put("canRekey", client.status().next(ClientStatus.Action.REPLACE_KEY).isPresent());
        rows.add(row);
      }
      Map<String, Object> data = TaxConsoleRoutes.common(ctx, admin);
      data.put("clients", rows);
      data.put("flash", flash);
      data.put("failed", failed);
      pages.send(ctx, status, "admin-clients", data).onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }

  /** {@code POST /console/admin/clients/:clientId/disable}, {@code …/enable}, {@code …/key}. */
  void change(RoutingContext ctx, ClientStatus.Action action) {
    Person admin = ConsoleRoutes.person(ctx);
    Locale locale = ConsolePages.locale(ctx);
    String clientId = ctx.pathParam("clientId");
    String verb = action == ClientStatus.Action.REPLACE_KEY ? "rekey" : action.name().toLowerCase(Locale.ROOT);
    ClientRegistration.CheckedKey key = null;
    String pem = Optional.ofNullable(ctx.request().getFormAttribute("public_key_pem")).orElse("").strip();
    String keyType = Optional.ofNullable(ctx.request().getFormAttribute("key_type")).orElse("");
    if (action == ClientStatus.Action.REPLACE_KEY) {
      Optional<KeyType> type = KeyType.parse(keyType);
      ClientRegistration.Checked checked = ClientRegistration.checkKey("public_key_pem", pem, type.orElse(null));
      if (type.isEmpty() || checked instanceof ClientRegistration.Invalid) {
        String why = type.isEmpty() ? "key_type: must be SM2 or RSA"
            : ((ClientRegistration.Invalid) checked).errors().get(0).field() + ": "
                + ((ClientRegistration.Invalid) checked).errors().get(0).reason();
        refuse(ctx, admin, verb, clientId, 422, ConsolePages.message(locale, "clients.refused", why));
        return;
      }
      key = ((ClientRegistration.Valid) checked).key();
    }
    if (!"yes".equals(ctx.request().getFormAttribute("confirm"))) {
      Map<String, Object> data = TaxConsoleRoutes.common(ctx, admin);
      List<Map<String, String>> fields = key == null ? List.of()
          : List.of(Map.of("name", "key_type", "value", key.keyType().name()), Map.of("name", "public_key_pem", "value", pem));
      data.put("back", "/console/admin/clients");
      data.put("action", ctx.request().path());
      data.put("question", ConsolePages.message(locale, "clients.confirm." + verb, clientId));
      data.put("fields", fields);
      pages.send(ctx, 200, "operator-confirm", data).onFailure(ctx::fail);
      return;
    }
    // The record is written in the change's transaction: a client is never disabled or re-keyed
    // without it.
    clients.change(clientId, action, key, "console:" + admin.login(), (conn, changed) -> AuditLog.append(conn,
        AuditLog.Event.of(admin, "client." + verb, clientId, AuditLog.Outcome.OK,
            "status " + changed.status() + ", key version " + changed.keyVersion(), ConsoleRoutes.clientIp(ctx))))
        .onSuccess(change -> {
          if (change instanceof ClientRepository.NotFound) {
            refuse(ctx, admin, verb, clientId, 404, ConsolePages.message(locale, "clients.refused", "no client " + clientId));
          } else if (change instanceof ClientRepository.NotAllowed notAllowed) {
            refuse(ctx, admin, verb, clientId, 409, ConsolePages.message(locale, "clients.refused",
                "client " + clientId + " is " + notAllowed.current().name()));
          } else {
            ConsoleRoutes.redirect(ctx, "/console/admin/clients?done=" + verb);
          }
        }).onFailure(ctx::fail);
  }

  private void refuse(RoutingContext ctx, Person admin, String verb, String clientId, int status, String why) {
    audit.append(AuditLog.Event.of(admin, "client." + verb, clientId, AuditLog.Outcome.REFUSED, why,
        ConsoleRoutes.clientIp(ctx))).onSuccess(v -> render(ctx, status, why, true)).onFailure(ctx::fail);
  }

  /** {@code GET /console/admin/regions}: every region with the channels it is offered through now. */
  void regions(RoutingContext ctx) {
    Person admin = ConsoleRoutes.person(ctx);
    regions.list().onSuccess(all -> {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Object item : all) {
        JsonObject region = (JsonObject) item;
        List<String> channels = new ArrayList<>();
        region.getJsonArray("offered_channels").forEach(c -> channels.add(String.valueOf(c)));
        rows.add(Map.of("code", region.getString("code"), "name", region.getString("name"),
            "status", region.getString("status"), "version", region.getInteger("version"),
            "channels", String.join(", ", channels),
            "changedBy", Optional.ofNullable(region.getString("changed_by")).orElse(""),
            "changedAt", Optional.ofNullable(region.getString("changed_at")).orElse("")));
      }
      Map<String, Object> data = TaxConsoleRoutes.common(ctx, admin);
      data.put("rows", rows);
      pages.send(ctx, 200, "admin-regions", data).onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }
}
