package org.clearing.client;

import java.security.PublicKey;

/** A registered API client: who it is, what it may do, and the key its requests are signed with. */
public record ApiClient(String clientId, Role role, KeyType keyType, PublicKey publicKey) {}
