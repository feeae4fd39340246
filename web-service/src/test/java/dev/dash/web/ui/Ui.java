package dev.dash.web.ui;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.dash.model.testing.LocalServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

/**
 * Headless Debian Chromium driven by Playwright for Java, for the UI's browser tests: one browser per test
 * class, a fresh context (cookies, storage) per user, screenshots under {@code target/screenshots}.
 */
final class Ui implements AutoCloseable {
    static final Path SCREENSHOTS = Paths.get("target", "screenshots");
    static final Map<String, String> PASSWORDS = Map.of(
            "owner@demo.dash", "owner-demo-pw",
            "admin@demo.dash", "admin-demo-pw",
            "member@demo.dash", "member-demo-pw",
            "viewer@demo.dash", "viewer-demo-pw");

    final Playwright playwright;
    final Browser browser;
    final String base;

    Ui(int port) {
        this.base = "http://127.0.0.1:" + port;
        this.playwright = Playwright.create(
                new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        this.browser = playwright
                .chromium()
                .launch(new BrowserType.LaunchOptions()
                        .setExecutablePath(Paths.get(System.getProperty("dash.chromium", "/usr/bin/chromium")))
                        .setHeadless(true)
                        .setArgs(List.of(
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-quic",
                                "--no-first-run",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync")));
    }

    /** A fresh browser context, as a new person on a new machine would have. */
    BrowserContext context() {
        return context(false);
    }

    /** @param bypassCsp only for injecting axe-core, which the page's CSP would (rightly) refuse */
    BrowserContext context(boolean bypassCsp) {
        BrowserContext c = browser.newContext(new Browser.NewContextOptions()
                .setViewportSize(1440, 900)
                .setBypassCSP(bypassCsp)
                .setLocale("en-GB")
                .setTimezoneId("UTC"));
        c.setDefaultTimeout(20_000);
        return c;
    }

    /** Signs in through the real Keycloak login form, as a person does, and waits for the shell. */
    Page signIn(BrowserContext context, String user, String hashPath) {
        Page page = context.newPage();
        page.navigate(base + "/#" + hashPath);
        page.locator("#sign-in").click();
        page.locator("#username").fill(user);
        page.locator("#password").fill(PASSWORDS.get(user));
        page.locator("#kc-login").click();
        try {
            page.locator("#team-switcher").waitFor();
        } catch (RuntimeException e) {
            shot(page, "sign-in-failed");
            throw new AssertionError(
                    "sign-in ended at " + page.url() + ": "
                            + page.locator("body").innerText(),
                    e);
        }
        return page;
    }

    static void shot(Page page, String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name + ".png")));
    }

    static Path axeScript() {
        return LocalServices.repoRoot().resolve("web-service/target/node_modules/axe-core/axe.min.js");
    }

    @Override
    public void close() {
        browser.close();
        playwright.close();
    }
}
