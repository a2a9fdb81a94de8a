import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { landing, launchBrowser, newVisitor, requestsTo, shownUser, signIn } from "./browser";
import { LocalCatalog } from "./catalog";

describe("Signing in to the dev stack's catalog through the OpenID provider", () => {
  let browser: Browser;
  let catalog: LocalCatalog;

  before(async () => {
    browser = await launchBrowser();
    catalog = await LocalCatalog.start({ logout: "local" });
    await catalog.startFrontend("frontend");
  });

  after(async () => {
    await catalog?.close();
    await browser?.close();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(catalog.logTails());
  });

  it("sends a visitor to the provider's sign-in form and back to the catalog, signed in by email", async () => {
    const { context, page } = await newVisitor(browser);
    await page.goto(`${catalog.ingress.origin}/`);
    assert.equal(await landing(page), "sign-in form");
    assert.equal(new URL(page.url()).origin, catalog.provider.origin);

    await signIn(page, catalog.user);

    assert.equal(await landing(page), "catalog");
    assert.equal(page.url(), `${catalog.ingress.origin}/`);
    assert.equal(await shownUser(page), catalog.user.claims.email);
    const current = await context.request.get(`${catalog.ingress.origin}/api/auth_user`);
    assert.equal(current.status(), 200);
    assert.equal((await current.json()).user.email, catalog.user.claims.email);
    await context.close();
  });

  it("asks the provider for the https callback the Okta app registers", async () => {
    const { context, page } = await newVisitor(browser);
    const authorize = requestsTo(page, catalog.provider.authorizationUrl);
    await page.goto(`${catalog.ingress.origin}/`);
    assert.equal(authorize[0]?.searchParams.get("redirect_uri"), `${catalog.ingress.origin}/auth`);
    await context.close();
  });

  it("forwards the user's tokens from the token store to the metadata service", async () => {
    const { context, page } = await newVisitor(browser);
    await page.goto(`${catalog.ingress.origin}/`);
    await signIn(page, catalog.user);
    assert.equal(await landing(page), "catalog");

    const path = `/user/${catalog.user.claims.email}`;
    const call = catalog.metadata.requests.findLast((r) => r.path === path);
    assert.ok(call, `the metadata stand-in was never asked for ${path}`);
    // Amundsen's OidcConfig sends the whole token row as JSON, not a bare JWT.
    const bearer = JSON.parse((call.authorization ?? "").replace(/^Bearer /, ""));
    assert.ok(bearer.access_token, "no access token in the Authorization header");
    assert.ok(
      bearer.refresh_token,
      "no refresh token although offline_access is requested and allowed",
    );
    await context.close();
  });
});
