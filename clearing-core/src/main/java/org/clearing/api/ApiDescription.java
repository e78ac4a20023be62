package org.clearing.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.clearing.crypto.Crypto;

/**
 * The OpenAPI description of the signed API ({@code GET /api/v1/openapi.yaml}), served unsigned:
 * a caller reads it before it has a key to sign with, and it holds no secret. Every API answer is
 * {@code no-store} (see {@link ResponseHeaders}), so nothing keeps a stale copy; the ETag, the SM3
 * of the document, lets a tool that polls it ask whether it changed.
 */
final class ApiDescription {

  static final String PATH = "/api/v1/openapi.yaml";
  static final String RESOURCE = "openapi/clearing-api.yaml";
  static final String CONTENT_TYPE = "application/yaml; charset=utf-8";

  private final Buffer document;
  private final String etag;

  private ApiDescription(byte[] document) {
    this.document = Buffer.buffer(document);
    this.etag = "\"" + Crypto.hex(Crypto.sm3(document)).substring(0, 32) + "\"";
  }

  /** Reads the document from the class path (blocking: call it on a worker). */
  static ApiDescription load() {
    try (InputStream in = ApiDescription.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the class path");
      }
      return new ApiDescription(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  void serve(RoutingContext ctx) {
    ctx.response().putHeader("ETag", etag);
    if (etag.equals(ctx.request().getHeader("If-None-Match"))) {
      ctx.response().setStatusCode(304).end();
      return;
    }
    ctx.response().putHeader("Content-Type", CONTENT_TYPE).end(document);
  }
}
