/**
 * The daily reports for the authorities (issue 5, item 4): the finance bureau's report per payee
 * account and item kind ({@link org.clearing.report.FinanceReport}) and the tax authority's per tax
 * type and tax office ({@link org.clearing.report.TaxReport}), drawn by
 * {@link org.clearing.report.DailyReports}, served as JSON, CSV or XLSX by
 * {@link org.clearing.report.ReportRoutes} and signed by {@link org.clearing.report.ReportSigner}.
 *
 * <h2>Verifying a report</h2>
 *
 * <p>Every report answer carries
 * {@code X-Clearing-Signature: CLEARING-SM2-SM3 key_id="sm2-…",signature="<base64 DER>"}:
 * an SM2 signature with SM3 (signer id {@code 1234567812345678}, GM/T 0009's default) over the
 * response body exactly as received — for a CSV, from its byte-order mark to its last CRLF; for an
 * XLSX, the whole file. {@code key_id} names the engine's key that signed it, among those
 * {@code GET /api/v1/engine/public-keys} lists (the current one, and during a rotation the
 * previous one until its overlap ends); {@code java -jar clearing-engine.jar verify-report} checks
 * a report against that list. Or save the body unchanged (e.g. {@code report.csv}), the listed key's
 * {@code public_key_pem} as {@code engine.pem}, and the signature decoded from base64 as
 * {@code sig.der} ({@code base64 -d > sig.der}); then, with OpenSSL 3:
 *
 * <pre>{@code
 * openssl pkeyutl -verify -pubin -inkey engine.pem -rawin -digest sm3 \
 *   -pkeyopt distid:1234567812345678 -in report.csv -sigfile sig.der
 * }</pre>
 *
 * <p>It prints {@code Signature Verified Successfully} and exits 0, or fails for any changed byte.
 * (Opening the CSV in Excel and saving it again changes its bytes; verify the file as downloaded.)
 */
package org.clearing.report;
