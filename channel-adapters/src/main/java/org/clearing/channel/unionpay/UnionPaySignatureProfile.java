package org.clearing.channel.unionpay;

import java.security.PublicKey;
import java.util.Map;

/**
 * One of UnionPay's signature methods ({@code signMethod}): how a message is signed and which
 * key-identifying fields travel with it.
 *
 * <p>Only {@code 01} (RSA certificate, {@link UnionPayRsaProfile}) is implemented. The seam is
 * here for an SM2 profile: UnionPay's documentation found no primary description of SM2 signing on the
 * 全渠道 gateway (signMethod value, digest, user id and certificate format are all
 * <b>unverified</b>), so none is invented; an implementation waits for the acquirer's interface
 * document. Deciding whether to trust the key is not the profile's job but the verifiers'
 * ({@link UnionPayVerifier}, {@link UnionPayRequestVerifier}).
 */
public interface UnionPaySignatureProfile {

  /** The {@code signMethod} code this profile puts on the wire, e.g. {@code "01"}. */
  String signMethod();

  /**
   * A copy of {@code fields} with {@code signMethod}, this profile's key fields (such as {@code
   * certId}) and {@code signature} set; any previous {@code signature} is replaced.
   *
   * @throws IllegalStateException if this profile holds no signing key
   * @throws IllegalArgumentException if the fields name an unsupported {@code encoding}
   */
  Map<String, String> sign(Map<String, String> fields);

  /**
   * Whether {@code fields} carry a valid signature by {@code key}'s owner. The caller has already
   * decided that {@code key} is trusted.
   */
  UnionPayVerification verify(Map<String, String> fields, PublicKey key);
}
