package org.clearing.crypto;

import java.security.PublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;

/**
 * The SM2 curve (GB/T 32918.5, sm2p256v1), recognised by its values: a key names its curve by OID
 * or spells out the parameters, and either way only the numbers tell which curve it is.
 */
final class Sm2Curve {

  static final String OID = "1.2.156.10197.1.301";
  private static final X9ECParameters SM2 = ECNamedCurveTable.getByName("sm2p256v1");

  private Sm2Curve() {}

  static boolean matches(ECParameterSpec params) {
    return params != null
        && params.getCurve().getField() instanceof ECFieldFp field
        && field.getP().equals(SM2.getCurve().getField().getCharacteristic())
        && params.getCurve().getA().equals(SM2.getCurve().getA().toBigInteger())
        && params.getCurve().getB().equals(SM2.getCurve().getB().toBigInteger())
        && params.getGenerator().getAffineX().equals(SM2.getG().normalize().getAffineXCoord().toBigInteger())
        && params.getGenerator().getAffineY().equals(SM2.getG().normalize().getAffineYCoord().toBigInteger())
        && params.getOrder().equals(SM2.getN());
  }

  /** The curve's name (and OID) as the key's encoding gives it, for an error message. */
  static String describe(PublicKey key) {
    try {
      var parameters = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getAlgorithm().getParameters();
      if (parameters instanceof ASN1ObjectIdentifier oid) {
        String name = ECNamedCurveTable.getName(oid);
        return name == null ? "OID " + oid.getId() : name + " (OID " + oid.getId() + ")";
      }
      return "given by explicit parameters";
    } catch (RuntimeException e) {
      return "of unknown name";
    }
  }
}
