package org.clearing.merchant;

/**
 * A merchant configuration the engine must not start with. The message names the field as it is
 * written in the file ({@code alipay[0].app-private-key: does not match app-certificate}), so an
 * operator knows which line to fix.
 */
public final class MerchantConfigException extends RuntimeException {

  private final String field;

  public MerchantConfigException(String field, String reason) {
    super(field + ": " + reason);
    this.field = field;
  }

  public MerchantConfigException(String field, String reason, Throwable cause) {
    super(field + ": " + reason, cause);
    this.field = field;
  }

  /** The field's path in the file, e.g. {@code unionpay[0].signing-certificate-password}. */
  public String field() {
    return field;
  }
}
