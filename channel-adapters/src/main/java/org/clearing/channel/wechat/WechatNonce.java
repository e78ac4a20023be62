package org.clearing.channel.wechat;

import org.clearing.crypto.Crypto;

/** Random nonces in the shapes WeChat uses. */
final class WechatNonce {

  private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".toCharArray();

  private WechatNonce() {}

  /** {@code length} random characters of {@code [0-9A-Z]}. */
  static String random(int length) {
    char[] out = new char[length];
    for (int i = 0; i < length; i++) {
      out[i] = ALPHABET[Crypto.random().nextInt(ALPHABET.length)];
    }
    return new String(out);
  }

  /** {@code count} random decimal digits. */
  static String digits(int count) {
    char[] out = new char[count];
    for (int i = 0; i < count; i++) {
      out[i] = (char) ('0' + Crypto.random().nextInt(10));
    }
    return new String(out);
  }
}
