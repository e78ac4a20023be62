package org.clearing.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's chromium driven headless through its chromedriver, both found on the PATH (Selenium is
 * told both paths, so it never tries to download a driver). One per test class: a cold start
 * takes seconds. Without chromium or chromedriver on the machine the class is skipped, saying so;
 * CI installs both, so there the tests always run. Screenshots go to
 * {@code target/console-screenshots/}.
 */
public final class HeadlessChrome implements AutoCloseable {

  public static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
  private final ChromeDriver driver;

  private HeadlessChrome(ChromeDriver driver) {
    this.driver = driver;
  }

  /** Starts chromium, or skips the calling test class when it or its driver is not installed. */
  public static HeadlessChrome startOrSkip() {
    Optional<Path> browser = onPath("chromium");
    Optional<Path> chromedriver = onPath("chromedriver");
    Assumptions.assumeTrue(browser.isPresent() && chromedriver.isPresent(),
        "browser tests skipped: chromium and chromedriver are not on the PATH"
            + " (apt-get install chromium chromium-driver, as .ci/run does)");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(browser.get().toFile());
    // Root in a container needs --no-sandbox; 1366x768 is the smallest screen the consoles serve.
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1366,768", "--lang=zh-CN");
    // Headless chromium ignores --lang for Accept-Language; the console picks its language from it.
    options.setExperimentalOption("prefs", java.util.Map.of("intl.accept_languages", "zh-CN,zh"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(chromedriver.get().toFile()).usingAnyFreePort().build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60)).scriptTimeout(Duration.ofSeconds(30));
    return new HeadlessChrome(driver);
  }

  public ChromeDriver driver() {
    return driver;
  }

  /** Saves what the browser shows as {@code target/console-screenshots/<name>.png}. */
  public Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path file = SCREENSHOTS.resolve(name + ".png");
      Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    driver.quit();
  }
}
