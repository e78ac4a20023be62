package org.clearing.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.jackson.JacksonCodec;

/**
 * Decodes API request bodies, refusing a key that appears twice in one object. Jackson's default
 * keeps the last of them, so {@code {"region":"341500","region":"110000"}} meant whatever the
 * last parser on the way to us chose: a signed body one system reads one way and another the
 * other way. Every JSON body of the API is read here.
 */
public final class StrictJson {

  private StrictJson() {}

  /** A key that appeared twice; {@code field} names it the way problem answers do (payer.name). */
  public static final class DuplicateKey extends DecodeException {
    private final String field;

    DuplicateKey(String field) {
      super("duplicate key " + field);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }

  /**
   * The body as a {@code JsonObject}, {@code JsonArray} or scalar.
   *
   * @throws DuplicateKey when an object repeats a key
   * @throws DecodeException when the body is not JSON
   */
  public static Object decode(Buffer body) {
    JsonParser parser = JacksonCodec.createParser(body);
    parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    try {
      return JacksonCodec.fromParser(parser, Object.class);
    } catch (DecodeException e) {
      if (String.valueOf(e.getMessage()).contains("Duplicate field")) {
        throw new DuplicateKey(path(parser.getParsingContext()));
      }
      throw e;
    }
  }

  /** The dotted path of the key being read ({@code lines[0].kind}). */
  private static String path(JsonStreamContext context) {
    java.util.Deque<JsonStreamContext> fromRoot = new java.util.ArrayDeque<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      fromRoot.push(c);
    }
    StringBuilder path = new StringBuilder();
    for (JsonStreamContext c : fromRoot) {
      if (c.inArray()) {
        path.append('[').append(c.getCurrentIndex()).append(']');
      } else if (c.getCurrentName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(c.getCurrentName());
      }
    }
    return path.toString();
  }
}
