import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { landing, launchBrowser, newVisitor, requestsTo, signIn } from "./browser";
import { type CatalogOptions, type FrontendOverrides, LocalCatalog } from "./catalog";
import { assertRedirectsTo } from "./suite";

/** Each case changes one thing in the dev stack and is seen the way a user would see it. */
describe("A dev stack with one sign-in setting wrong", () => {
  let browser: Browser;
  const catalogs: LocalCatalog[] = [];

  async function catalogWith(
    options: Omit<CatalogOptions, "logout">,
    frontend: FrontendOverrides = {},
  ) {
    const catalog = await LocalCatalog.start({ logout: "local", ...options });
    catalogs.push(catalog);
    return { catalog, frontend: await catalog.startFrontend("frontend", frontend) };
  }

  /** The error the provider's page shows, as `error: description`. */
  async function providerError(page: Page): Promise<string> {
    assert.equal(await landing(page), "provider error");
    return `${await page.textContent("#error")}: ${await page.textContent("#error_description")}`;
  }

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await Promise.all(catalogs.map((c) => c.close()));
    await browser?.close();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(catalogs.at(-1)?.logTails());
  });

  it("shows the provider's redirect_uri error when the Okta app does not register the callback", async () => {
    // Okta's own default callback for a new web app, instead of the path flaskoidc serves.
    const { catalog } = await catalogWith({
      oktaClient: (okta) => ({
        ...okta,
        redirectUris: okta.redirectUris.map(
          (uri) => new URL("/authorization-code/callback", uri).href,
        ),
      }),
    });
    const { context, page } = await newVisitor(browser);
    const authorize = requestsTo(page, catalog.provider.authorizationUrl);
    await page.goto(`${catalog.ingress.origin}/`);

    assert.match(await providerError(page), /^invalid_redirect_uri: .*redirect_uri did not match/);
    assert.equal(authorize[0]?.searchParams.get("redirect_uri"), `${catalog.ingress.origin}/auth`);
    assert.equal(catalog.provider.loginFormsShown, 0);
    await context.close();
  });

  it("shows the provider's redirect_uri error for an http callback when FLASK_OIDC_FORCE_SCHEME is left out", async () => {
    const { catalog } = await catalogWith(
      {},
      { env: (env) => env.filter((e) => e.name !== "FLASK_OIDC_FORCE_SCHEME") },
    );
    const { context, page } = await newVisitor(browser);
    const authorize = requestsTo(page, catalog.provider.authorizationUrl);
    await page.goto(`${catalog.ingress.origin}/`);

    assert.match(await providerError(page), /^invalid_redirect_uri: /);
    const sent = authorize[0]?.searchParams.get("redirect_uri");
    assert.equal(sent, `${catalog.ingress.origin.replace(/^https:/, "http:")}/auth`);
    await context.close();
  });

  it("fails the callback with invalid_client and leaves the user signed out when the client secret is wrong", async () => {
    const { catalog, frontend } = await catalogWith(
      {},
      { secrets: { FLASK_OIDC_CLIENT_SECRET: "not-the-secret" } },
    );
    const { context, page } = await newVisitor(browser);
    await page.goto(`${catalog.ingress.origin}/`);
    const callback = page.waitForResponse((r) =>
      r.url().startsWith(`${catalog.ingress.origin}/auth?`),
    );
    await signIn(page, catalog.user);

    assert.equal((await callback).status(), 500);
    assert.ok(
      catalog.provider.events.some((e) => e.name === "grant.error" && e.error === "invalid_client"),
      `the provider did not refuse the token request as invalid_client: ${JSON.stringify(catalog.provider.events)}`,
    );
    assert.match(frontend.log, /OAuthError: invalid_client/);
    const current = await context.request.get(`${catalog.ingress.origin}/api/auth_user`, {
      maxRedirects: 0,
    });
    assertRedirectsTo(current, catalog.ingress.origin, "/logout");
    await context.close();
  });
});
