import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { Browser, BrowserContext } from "playwright-core";
import { launchBrowser, newVisitor, shownUser, signIn } from "./browser";
import { LocalCatalog } from "./catalog";
import type { FrontendProcess } from "./frontend";

/**
 * Two frontend replicas behind one ingress share a token store (one sqlite file standing in for
 * the shared database). The session cookie is signed with FLASK_OIDC_SECRET_KEY, so it only works
 * on replicas that were given the same key.
 */
describe("Frontend replicas sharing one token store", () => {
  let browser: Browser;
  let catalog: LocalCatalog;
  let first: FrontendProcess;
  let sameKey: FrontendProcess;
  let otherKey: FrontendProcess;

  before(async () => {
    browser = await launchBrowser();
    catalog = await LocalCatalog.start({ logout: "local" });
    const tokenStore = catalog.newTokenStore();
    first = await catalog.startFrontend("replica A", { tokenStore });
    sameKey = await catalog.startFrontend("replica B (same session key)", { tokenStore });
    otherKey = await catalog.startFrontend("replica B (own session key)", {
      tokenStore,
      secrets: { FLASK_OIDC_SECRET_KEY: randomBytes(24).toString("hex") },
    });
  });

  after(async () => {
    await catalog?.close();
    await browser?.close();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(catalog.logTails());
  });

  async function signedInOnFirstReplica(): Promise<BrowserContext> {
    catalog.ingress.route(first.port);
    const { context, page } = await newVisitor(browser);
    await page.goto(`${catalog.ingress.origin}/`);
    await signIn(page, catalog.user);
    assert.equal(await shownUser(page), catalog.user.claims.email);
    return context;
  }

  it("keeps the user signed in when a replica with the same session key answers", async () => {
    const context = await signedInOnFirstReplica();
    catalog.ingress.route(sameKey.port);

    const current = await context.request.get(`${catalog.ingress.origin}/api/auth_user`, {
      maxRedirects: 0,
    });
    assert.equal(current.status(), 200);
    assert.equal((await current.json()).user.email, catalog.user.claims.email);
    await context.close();
  });

  it("sends the user back to sign in when a replica with a different session key answers", async () => {
    const context = await signedInOnFirstReplica();
    catalog.ingress.route(otherKey.port);

    const current = await context.request.get(`${catalog.ingress.origin}/api/auth_user`, {
      maxRedirects: 0,
    });
    assert.equal(current.status(), 302);
    assert.equal(
      new URL(current.headers().location ?? "", catalog.ingress.origin).pathname,
      "/logout",
    );
    // flaskoidc's words for a session cookie it could not read, as opposed to a missing token.
    assert.match(otherKey.log, /User not found in the session, redirecting to login/);
    const login = await context.request.get(`${catalog.ingress.origin}/logout`, {
      maxRedirects: 0,
    });
    assert.equal(
      new URL(login.headers().location ?? "", catalog.ingress.origin).pathname,
      "/login",
    );
    await context.close();
  });
});
