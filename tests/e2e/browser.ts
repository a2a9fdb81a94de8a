/**
 * Debian's Chromium, headless, driven by playwright-core. Each test gets a fresh context: a new
 * cookie jar, as a new browser profile would have.
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import type { TestUser } from "./provider";

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--ignore-certificate-errors",
    ],
  });
}

export async function newVisitor(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  // Every page here is local and small; a wait this long means the page will never come.
  context.setDefaultTimeout(15_000);
  return { context, page: await context.newPage() };
}

/** Where a visitor ended up once the redirects settled. */
export type Landing = "catalog" | "sign-in form" | "provider error";

export async function landing(page: Page): Promise<Landing> {
  const catalog = page.locator("#current-user").filter({ hasNotText: "(loading)" });
  const form = page.locator("input[name=login]");
  const error = page.locator("#error");
  await catalog
    .or(form)
    .or(error)
    .first()
    .waitFor()
    .catch(async (timeout: Error) => {
      const text = await page
        .locator("body")
        .textContent({ timeout: 1000 })
        .catch(() => null);
      throw new Error(
        `${timeout.message}\nThe page at ${page.url()} shows: ${(text ?? "").slice(0, 500)}`,
      );
    });
  if (await form.isVisible()) return "sign-in form";
  return (await error.isVisible()) ? "provider error" : "catalog";
}

/** Records the URL of every request the page sends whose URL starts with `prefix`. */
export function requestsTo(page: Page, prefix: string): URL[] {
  const seen: URL[] = [];
  page.on("request", (request) => {
    if (request.url().startsWith(prefix)) seen.push(new URL(request.url()));
  });
  return seen;
}

/** Fills in and submits the provider's sign-in form, which must be showing. */
export async function signIn(page: Page, user: TestUser): Promise<void> {
  const where = await landing(page);
  if (where !== "sign-in form")
    throw new Error(`expected the sign-in form at ${page.url()}, found ${where}`);
  await page.fill("input[name=login]", user.login);
  await page.fill("input[name=password]", user.password);
  await Promise.all([page.waitForEvent("framenavigated"), page.click("button[type=submit]")]);
}

/** The text Amundsen's start page shows once /api/auth_user has answered. */
export async function shownUser(page: Page): Promise<string> {
  const shown = page.locator("#current-user");
  await shown.filter({ hasNotText: "(loading)" }).waitFor();
  return (await shown.textContent()) ?? "";
}
