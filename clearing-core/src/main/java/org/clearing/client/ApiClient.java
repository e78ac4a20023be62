package org.clearing.client;

import java.security.PublicKey;

/**
 * A registered API client: who it is, what it may do, the key its requests are signed with, and
 * whether they are accepted. {@code keyVersion} grows with each replaced key, so a request checked
 * against a key another engine has since replaced is refused (see {@link ClientRepository}).
 */
public record ApiClient(String clientId, Role role, KeyType keyType, PublicKey publicKey,
    ClientStatus status, int keyVersion) {

  /** A client as first registered: active, with its first key. */
  public ApiClient(String clientId, Role role, KeyType keyType, PublicKey publicKey) {
    this(clientId, role, keyType, publicKey, ClientStatus.ACTIVE, 1);
  }
}
