package org.clearing.qr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.Result;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.clearing.client.Role;
import org.clearing.testing.ApiCaller;
import org.clearing.testing.EngineExtension;
import org.clearing.testing.OrderBodies;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The order's QR code decodes, with an ordinary QR reader, to exactly its URL, and the page behind
 * it shows the case, each line in words, who receives it and the total in yuan.
 */
class QrTest {

  @RegisterExtension
  static final EngineExtension engine = EngineExtension.plain();
  private static JsonObject order;
  private static ApiCaller anonymous;

  @BeforeAll
  static void start() {
    order = engine.as(Role.REGISTRATION)
        .post("/api/v1/orders", OrderBodies.typical("皖(2026)六安市不动产权第0001234号").encode(), "qr-1")
        .json();
    anonymous = new ApiCaller(engine.baseUrl(), null);
  }

  private static String localPath(String url) {
    return url.substring(TestEngine.PUBLIC_BASE_URL.length());
  }

  @Test
  void thePngDecodesToExactlyTheQrUrl() throws Exception {
    String url = order.getJsonObject("qr").getString("url");
    ApiCaller.Answer png = anonymous.raw("GET", localPath(order.getJsonObject("qr").getString("png_url")),
        new byte[0], Map.of());

    assertEquals(200, png.status());
    assertEquals("image/png", png.contentType());
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.body()));
    // The PNG is the code itself, not a photo of it: read it as a pure barcode. Without the hint,
    // ZXing's finder-pattern search misreads about 1 in 300 perfect synthetic images (seen as a rare
    // ChecksumException here); with it, 0 in 5,000 random tokens failed.
    Result decoded = new QRCodeReader().decode(
        new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(image))),
        Map.of(DecodeHintType.PURE_BARCODE, Boolean.TRUE));
    assertEquals(url, decoded.getText());
    assertEquals("M", String.valueOf(decoded.getResultMetadata()
        .get(com.google.zxing.ResultMetadataType.ERROR_CORRECTION_LEVEL)));
  }

  @Test
  void theSvgIsAWellFormedScalableImage() throws Exception {
    ApiCaller.Answer svg = anonymous.raw("GET", localPath(order.getJsonObject("qr").getString("svg_url")),
        new byte[0], Map.of());

    assertEquals(200, svg.status());
    assertEquals("image/svg+xml", svg.contentType());
    var document = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.body()));
    assertEquals("svg", document.getDocumentElement().getTagName());
    assertTrue(document.getDocumentElement().getAttribute("viewBox").startsWith("0 0 "));
  }

  @Test
  void theApplicantPageShowsEachLineWhoReceivesItAndTheTotalInYuan() {
    ApiCaller.Answer page = anonymous.raw("GET", localPath(order.getJsonObject("qr").getString("url")),
        new byte[0], Map.of("User-Agent", "Mozilla/5.0 (iPhone)"));

    assertEquals(200, page.status());
    assertTrue(page.contentType().startsWith("text/html"));
    String html = page.text();
    assertTrue(html.contains("皖(2026)六安市不动产权第0001234号"));
    assertTrue(html.contains("契税") && html.contains("不动产登记费") && html.contains("工本费"));
    assertTrue(html.contains("国家金库六安市中心支库"));
    assertTrue(html.contains("六安市财政局非税收入汇缴结算户"));
    assertTrue(html.contains("¥15000.00") && html.contains("¥80.00") && html.contains("¥10.00"));
    assertTrue(html.contains("¥15090.00"));
    assertTrue(html.contains("name=\"viewport\""));
    assertFalse(html.contains("34150019900101123X"), "the page must not show the ID number");
  }

  @Test
  void theApplicantPageEscapesWhatTheCallerSent() {
    JsonObject body = OrderBodies.typical("<script>alert(1)</script>");
    JsonObject created = engine.as(Role.REGISTRATION).post("/api/v1/orders", body.encode(), "qr-xss").json();
    String html = anonymous.raw("GET", localPath(created.getJsonObject("qr").getString("url")),
        new byte[0], Map.of()).text();
    assertFalse(html.contains("<script>alert(1)</script>"));
    assertTrue(html.contains("&lt;script&gt;"));
  }

  @Test
  void anUnknownOrMalformedTokenGetsANotFoundPage() {
    for (String path : new String[] {"/q/AAAAAAAAAAAAAAAAAAAAAA", "/q/short", "/q/AAAAAAAAAAAAAAAAAAAAAA/qr.png"}) {
      ApiCaller.Answer answer = anonymous.raw("GET", path, new byte[0], Map.of());
      assertEquals(404, answer.status(), path);
      assertTrue(answer.contentType().startsWith("text/html"));
    }
  }
}
