/**
 * Mocha hooks shared by the end-to-end specs: a browser and a local catalog started before the
 * suite, both closed after it, and the frontends' logs printed when a test fails.
 */
import assert from "node:assert/strict";
import type { APIResponse, Browser, Page } from "playwright-core";
import { landing, launchBrowser, requestsTo } from "./browser";
import { type CatalogOptions, LocalCatalog } from "./catalog";

export interface CatalogSuite {
  readonly browser: Browser;
  readonly catalog: LocalCatalog;
}

/**
 * Registers the hooks and returns the suite's browser and catalog (usable inside tests). `start`
 * starts the frontends; by default one, named "frontend", which gets the ingress's traffic.
 */
export function catalogSuite(
  options: CatalogOptions,
  start: (catalog: LocalCatalog) => Promise<unknown> = (catalog) =>
    catalog.startFrontend("frontend"),
): CatalogSuite {
  let browser: Browser | undefined;
  let catalog: LocalCatalog | undefined;
  const started = (): CatalogSuite => {
    if (!browser || !catalog) throw new Error("the catalog suite has not started");
    return { browser, catalog };
  };

  before(async () => {
    browser = await launchBrowser();
    catalog = await LocalCatalog.start(options);
    await start(catalog);
  });

  after(async () => {
    await catalog?.close();
    await browser?.close();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(catalog?.logTails());
  });

  return {
    get browser() {
      return started().browser;
    },
    get catalog() {
      return started().catalog;
    },
  };
}

/** Asserts that a response redirects (without following it) to a path of the catalog. */
export function assertRedirectsTo(response: APIResponse, origin: string, pathname: string): void {
  assert.equal(response.status(), 302);
  assert.equal(new URL(response.headers().location ?? "", origin).pathname, pathname);
}

/**
 * Visits /logout in idp mode and asserts that the browser went through the provider's end-session
 * endpoint and that the provider now asks for credentials again. Returns that request's query.
 */
export async function signOutAtProvider(
  page: Page,
  catalog: LocalCatalog,
): Promise<URLSearchParams> {
  const endSession = requestsTo(page, catalog.provider.endSessionUrl);
  const formsBefore = catalog.provider.loginFormsShown;

  await page.goto(`${catalog.ingress.origin}/logout`);

  assert.equal(
    await landing(page),
    "sign-in form",
    "the provider signed the user straight back in",
  );
  const request = endSession[0]?.searchParams;
  assert.ok(request, "the browser never reached the provider's end-session endpoint");
  assert.ok(catalog.provider.events.some((e) => e.name === "end_session.success"));
  assert.equal(catalog.provider.loginFormsShown, formsBefore + 1);
  return request;
}
