package org.clearing.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.clearing.person.PersonRole;
import org.clearing.testing.ConsoleClient;
import org.clearing.testing.ConsoleFixture;
import org.clearing.testing.TestCertificates;
import org.clearing.testing.TestEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engine serving HTTPS marks the consoles' cookies Secure, so a browser never sends a session
 * over plain HTTP; with HttpOnly and SameSite=Strict as on plain HTTP.
 */
class SecureCookieTest {

  @TempDir
  Path directory;

  @Test
  void overTlsTheSessionAndSignInCookiesAreSecure() throws Exception {
    TestCertificates.Issued ca = TestCertificates.authority("Console CA");
    Path cert = directory.resolve("server.pem");
    Path key = directory.resolve("server.key");
    TestCertificates.server(ca, "localhost").writeTo(cert, key);
    HttpClient http = TestCertificates.httpClient(TestCertificates.context(ca, null), HttpClient.Version.HTTP_1_1);
    try (TestEngine engine = TestEngine.startWith(network -> network.withTls(cert, key, null), http);
        ConsoleFixture fixture = new ConsoleFixture(engine)) {
      assertTrue(engine.baseUrl().startsWith("https://"));
      String password = fixture.addSettledPerson("tls.tax", PersonRole.TAX, "341522");
      ConsoleClient client = new ConsoleClient(engine.baseUrl(), http);

      HttpResponse<String> form = client.get("/console/sign-in");
      HttpResponse<String> signedIn = client.post("/console/sign-in", "_csrf", ConsoleClient.csrf(form.body()),
          "login", "tls.tax", "password", password);

      assertEquals(303, signedIn.statusCode(), signedIn.body());
      String signInCookie = cookie(form, "console_sign_in=");
      String sessionCookie = cookie(signedIn, "console_session=");
      for (String cookie : new String[] {signInCookie, sessionCookie}) {
        String flags = cookie.toLowerCase(Locale.ROOT);
        assertTrue(flags.contains("; secure"), cookie);
        assertTrue(flags.contains("; httponly"), cookie);
        assertTrue(flags.contains("; samesite=strict"), cookie);
      }
    }
  }

  private static String cookie(HttpResponse<String> answer, String prefix) {
    return answer.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(prefix))
        .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in " + answer.headers().map()));
  }
}
