package org.clearing.channel;

import java.nio.charset.StandardCharsets;

/** The HTTP answer a channel expects to a notification: status, content type and exact body. */
public record Acknowledgement(int status, String contentType, byte[] body) {

  public static Acknowledgement of(int status, String contentType, String body) {
    return new Acknowledgement(status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  public static Acknowledgement empty(int status) {
    return new Acknowledgement(status, "", new byte[0]);
  }
}
