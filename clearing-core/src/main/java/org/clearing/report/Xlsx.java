package org.clearing.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A one-sheet workbook in the smallest form Excel and LibreOffice open (ECMA-376 SpreadsheetML: a
 * zip of six XML parts). Text goes in inline-string cells, so no shared-string table is needed;
 * {@code Long} and {@link Amounts.Yuan} cells are numbers. Entries carry a fixed time, so the same
 * report gives the same bytes.
 */
final class Xlsx {

  static final String CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  /** The zip format's first representable time, in local terms so no time zone shifts it. */
  private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);
  private static final String NS = "http://schemas.openxmlformats.org/";

  /**
   * The smallest style sheet Excel accepts (one font, the two fills it requires, one border), with
   * a second cell format, built-in number format 2 ({@code 0.00}), so yuan show both decimals.
   */
  private static final String STYLES = "<styleSheet xmlns=\"" + NS + "spreadsheetml/2006/main\">"
      + "<fonts count=\"1\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
      + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>"
      + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
      + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
      + "<cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
      + "<xf numFmtId=\"2\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/></cellXfs>"
      + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles></styleSheet>";

  private Xlsx() {}

  static byte[] workbook(String sheetName, List<List<Object>> rows) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes, StandardCharsets.UTF_8)) {
      part(zip, "[Content_Types].xml", "<Types xmlns=\"" + NS + "package/2006/content-types\">"
          + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
          + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
          + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
          + "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
          + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
          + "</Types>");
      part(zip, "_rels/.rels", relationships("officeDocument", "xl/workbook.xml"));
      part(zip, "xl/workbook.xml", "<workbook xmlns=\"" + NS + "spreadsheetml/2006/main\" xmlns:r=\"" + NS
          + "officeDocument/2006/relationships\"><sheets><sheet name=\"" + escape(sheetName)
          + "\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
      part(zip, "xl/_rels/workbook.xml.rels", relationships("worksheet", "worksheets/sheet1.xml")
          .replace("</Relationships>", "<Relationship Id=\"rId2\" Type=\"" + NS
              + "officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>"));
      part(zip, "xl/styles.xml", STYLES);
      part(zip, "xl/worksheets/sheet1.xml", sheet(rows));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a workbook in memory", e);
    }
    return bytes.toByteArray();
  }

  private static String relationships(String type, String target) {
    return "<Relationships xmlns=\"" + NS + "package/2006/relationships\"><Relationship Id=\"rId1\" Type=\""
        + NS + "officeDocument/2006/relationships/" + type + "\" Target=\"" + target + "\"/></Relationships>";
  }

  private static String sheet(List<List<Object>> rows) {
    StringBuilder xml = new StringBuilder("<worksheet xmlns=\"" + NS + "spreadsheetml/2006/main\"><sheetData>");
    for (int r = 0; r < rows.size(); r++) {
      xml.append("<row r=\"").append(r + 1).append("\">");
      for (Object value : rows.get(r)) {
        if (value instanceof Amounts.Yuan) {
          xml.append("<c s=\"1\"><v>").append(value).append("</v></c>");
        } else if (value instanceof Long || value instanceof Integer) {
          xml.append("<c><v>").append(value).append("</v></c>");
        } else {
          xml.append("<c t=\"inlineStr\"><is><t>").append(escape(value == null ? "" : value.toString()))
              .append("</t></is></c>");
        }
      }
      xml.append("</row>");
    }
    return xml.append("</sheetData></worksheet>").toString();
  }

  private static void part(ZipOutputStream zip, String name, String xml) throws IOException {
    ZipEntry entry = new ZipEntry(name);
    entry.setTimeLocal(ENTRY_TIME);
    zip.putNextEntry(entry);
    zip.write(("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" + xml).getBytes(StandardCharsets.UTF_8));
    zip.closeEntry();
  }

  /** XML text: the markup characters and CR escaped, and control characters XML 1.0 forbids dropped. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    text.codePoints().forEach(c -> {
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&apos;");
        case '\r' -> out.append("&#13;"); // a literal CR would be normalised away by every XML reader
        default -> {
          boolean allowed = c == '\t' || c == '\n' || (c >= 0x20 && c < 0xD800) || (c >= 0xE000 && c < 0xFFFE)
              || c >= 0x10000;
          if (allowed) {
            out.appendCodePoint(c);
          }
        }
      }
    });
    return out.toString();
  }
}
