package org.clearing.channel.unionpay;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The {@code fileContent} field of a file-transfer answer (txnType 76, UnionPay's documentation): a zip
 * of the day's files, deflated (zlib, as acpsdk's {@code Inflater}) and then base64-encoded.
 */
public final class UnionPayFileContent {

  private static final DateTimeFormatter YYMMDD = DateTimeFormatter.ofPattern("yyMMdd");
  private static final DateTimeFormatter YYYYMMDD = DateTimeFormatter.BASIC_ISO_DATE;

  private UnionPayFileContent() {}

  /** The answer's {@code fileName}, as in the demo's {@code 802310048993424_20150905.zip}. */
  public static String zipName(String merId, LocalDate settleDate) {
    return merId + "_" + settleDate.format(YYYYMMDD) + ".zip";
  }

  /** The ZM entry's name, acquirer style: {@code INN{yyMMdd}88ZM_{merId}} (partly verified). */
  public static String zmName(String merId, LocalDate settleDate) {
    return "INN" + settleDate.format(YYMMDD) + "88ZM_" + merId;
  }

  /** The ZME (errors and adjustments) entry's name. */
  public static String zmeName(String merId, LocalDate settleDate) {
    return "INN" + settleDate.format(YYMMDD) + "88ZME_" + merId;
  }

  /** Zips the files (in the map's order), deflates the zip and base64-encodes it. */
  public static String pack(Map<String, byte[]> files) {
    ByteArrayOutputStream deflated = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(new DeflaterOutputStream(deflated))) {
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        zip.putNextEntry(new ZipEntry(file.getKey()));
        zip.write(file.getValue());
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Base64.getEncoder().encodeToString(deflated.toByteArray());
  }

  /**
   * Opens {@code fileContent} as a zip stream without inflating it all at once: base64 → inflate
   * → zip entries are decoded as they are read, so a ZM file can go straight to {@link
   * ZmFileParser}.
   */
  public static ZipInputStream open(String fileContent) {
    InputStream base64 =
        new ByteArrayInputStream(fileContent.getBytes(StandardCharsets.US_ASCII));
    return new ZipInputStream(new InflaterInputStream(Base64.getMimeDecoder().wrap(base64)));
  }

  /**
   * Every file in {@code fileContent}, by name, for small files; a zip that inflates to more than
   * {@code bytesMax} in all is refused (a zip bomb is not a bill).
   *
   * @throws IllegalArgumentException if the content is not base64 of a deflated zip, or too big
   */
  public static Map<String, byte[]> unpack(String fileContent, long bytesMax) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    long totalBytes = 0;
    byte[] chunk = new byte[8192];
    try (ZipInputStream zip = open(fileContent)) {
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        for (int n = zip.read(chunk); n >= 0; n = zip.read(chunk)) {
          totalBytes += n;
          if (totalBytes > bytesMax) {
            throw new IllegalArgumentException(
                "fileContent inflates beyond " + bytesMax + " bytes");
          }
          file.write(chunk, 0, n);
        }
        files.put(entry.getName(), file.toByteArray());
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("fileContent is not a deflated zip: " + e.getMessage(), e);
    }
    return files;
  }
}
