import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { landing, launchBrowser, newVisitor, requestsTo, shownUser, signIn } from "./browser";
import { LocalCatalog } from "./catalog";

/** A new visitor who has just signed in to the catalog. */
async function signedInVisitor(browser: Browser, catalog: LocalCatalog): Promise<Page> {
  const { page } = await newVisitor(browser);
  await page.goto(`${catalog.ingress.origin}/`);
  await signIn(page, catalog.user);
  assert.equal(await landing(page), "catalog");
  return page;
}

describe("Signing out of the catalog in idp logout mode", () => {
  let browser: Browser;
  let catalog: LocalCatalog;

  before(async () => {
    browser = await launchBrowser();
    catalog = await LocalCatalog.start({ logout: "idp" });
    await catalog.startFrontend("frontend");
  });

  after(async () => {
    await catalog?.close();
    await browser?.close();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(catalog.logTails());
  });

  it("ends the provider session too, so the next sign-in asks for credentials again", async () => {
    const page = await signedInVisitor(browser, catalog);
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
    assert.equal(request.get("post_logout_redirect_uri"), `${catalog.ingress.origin}/`);
    assert.equal(request.get("client_id"), catalog.secrets.FLASK_OIDC_CLIENT_ID);
    const [, claims = ""] = (request.get("id_token_hint") ?? "").split(".");
    assert.equal(
      JSON.parse(Buffer.from(claims, "base64url").toString()).email,
      catalog.user.claims.email,
    );
    assert.ok(catalog.provider.events.some((e) => e.name === "end_session.success"));
    assert.equal(catalog.provider.loginFormsShown, formsBefore + 1);

    await signIn(page, catalog.user);
    assert.equal(await shownUser(page), catalog.user.claims.email);
    await page.context().close();
  });

  it("keeps the provider session when a replica without the user's tokens sends them through /logout", async () => {
    const page = await signedInVisitor(browser, catalog);
    const replica = await catalog.startFrontend("replica with an empty token store", {
      tokenStore: catalog.newTokenStore(),
    });
    catalog.ingress.route(replica.port);
    const endSession = requestsTo(page, catalog.provider.endSessionUrl);
    const formsBefore = catalog.provider.loginFormsShown;

    await page.goto(`${catalog.ingress.origin}/`);

    assert.equal(await landing(page), "catalog", "the user had to sign in again");
    assert.equal(endSession.length, 0);
    assert.equal(catalog.provider.loginFormsShown, formsBefore);
    await page.context().close();
  });
});

describe("Signing out of the catalog in local logout mode", () => {
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

  it("clears only the catalog's session, so the provider signs the user straight back in", async () => {
    const page = await signedInVisitor(browser, catalog);
    const endSession = requestsTo(page, catalog.provider.endSessionUrl);
    const formsBefore = catalog.provider.loginFormsShown;
    const logout = page.waitForResponse(`${catalog.ingress.origin}/logout`);

    await page.goto(`${catalog.ingress.origin}/logout`);

    const sentTo = new URL((await logout).headers().location ?? "", catalog.ingress.origin);
    assert.equal(sentTo.pathname, "/login");
    assert.equal(await landing(page), "catalog", "the provider asked for credentials again");
    assert.equal(await shownUser(page), catalog.user.claims.email);
    assert.equal(endSession.length, 0);
    assert.equal(catalog.provider.loginFormsShown, formsBefore);
    await page.context().close();
  });
});
