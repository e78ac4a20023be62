package org.clearing.qr;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.client.j2se.MatrixToImageWriter;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Renders the one QR code of an order as PNG or SVG. Error correction level M (15 %) survives a
 * smudged print or a phone held at an angle while keeping the code small. Rendering is CPU work:
 * the engine calls this on its named QR worker pool, never on an event loop.
 */
public final class QrCodes {

  /** Quiet zone of four modules, as ISO/IEC 18004 asks for. */
  private static final int MARGIN_MODULES = 4;
  private static final int PNG_SIZE_PX = 360;
  private static final Map<EncodeHintType, Object> HINTS = Map.of(
      EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M,
      EncodeHintType.CHARACTER_SET, StandardCharsets.UTF_8.name(),
      EncodeHintType.MARGIN, MARGIN_MODULES);

  private QrCodes() {}

  public static byte[] png(String url) {
    BitMatrix matrix = encode(url, PNG_SIZE_PX);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      MatrixToImageWriter.writeToStream(matrix, "PNG", out);
    } catch (IOException e) {
      throw new UncheckedIOException("PNG encoding failed", e);
    }
    return out.toByteArray();
  }

  /** An SVG with one path of unit squares, scalable to any print size. */
  public static String svg(String url) {
    BitMatrix matrix = encode(url, 0);
    int width = matrix.getWidth();
    int height = matrix.getHeight();
    StringBuilder path = new StringBuilder();
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        if (matrix.get(x, y)) {
          path.append('M').append(x).append(',').append(y).append("h1v1h-1z");
        }
      }
    }
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        + "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + width + " " + height
        + "\" width=\"" + (width * 8) + "\" height=\"" + (height * 8)
        + "\" shape-rendering=\"crispEdges\">"
        + "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        + "<path fill=\"#000\" d=\"" + path + "\"/></svg>\n";
  }

  private static BitMatrix encode(String url, int sizePx) {
    try {
      return new QRCodeWriter().encode(url, BarcodeFormat.QR_CODE, sizePx, sizePx, HINTS);
    } catch (WriterException e) {
      throw new IllegalArgumentException("cannot encode as a QR code: " + e.getMessage(), e);
    }
  }
}
