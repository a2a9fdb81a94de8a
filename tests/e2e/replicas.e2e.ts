import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { BrowserContext } from "playwright-core";
import { newVisitor, shownUser, signIn } from "./browser";
import type { FrontendProcess } from "./frontend";
import { assertRedirectsTo, catalogSuite } from "./suite";

/**
 * Two frontend replicas behind one ingress share a token store (one sqlite file standing in for
 * the shared database). The session cookie is signed with FLASK_OIDC_SECRET_KEY, so it only works
 * on replicas that were given the same key.
 */
describe("Frontend replicas sharing one token store", () => {
  let first: FrontendProcess;
  let sameKey: FrontendProcess;
  let otherKey: FrontendProcess;
  const suite = catalogSuite({ logout: "local" }, async (catalog) => {
    const tokenStore = catalog.newTokenStore();
    first = await catalog.startFrontend("replica A", { tokenStore });
    sameKey = await catalog.startFrontend("replica B (same session key)", { tokenStore });
    otherKey = await catalog.startFrontend("replica B (own session key)", {
      tokenStore,
      secrets: { FLASK_OIDC_SECRET_KEY: randomBytes(24).toString("hex") },
    });
  });

  async function signedInOnFirstReplica(): Promise<BrowserContext> {
    suite.catalog.ingress.route(first.port);
    const { context, page } = await newVisitor(suite.browser);
    await page.goto(`${suite.catalog.ingress.origin}/`);
    await signIn(page, suite.catalog.user);
    assert.equal(await shownUser(page), suite.catalog.user.claims.email);
    return context;
  }

  it("keeps the user signed in when a replica with the same session key answers", async () => {
    const context = await signedInOnFirstReplica();
    suite.catalog.ingress.route(sameKey.port);

    const current = await context.request.get(`${suite.catalog.ingress.origin}/api/auth_user`, {
      maxRedirects: 0,
    });
    assert.equal(current.status(), 200);
    assert.equal((await current.json()).user.email, suite.catalog.user.claims.email);
    await context.close();
  });

  it("sends the user back to sign in when a replica with a different session key answers", async () => {
    const context = await signedInOnFirstReplica();
    suite.catalog.ingress.route(otherKey.port);

    const current = await context.request.get(`${suite.catalog.ingress.origin}/api/auth_user`, {
      maxRedirects: 0,
    });
    assertRedirectsTo(current, suite.catalog.ingress.origin, "/logout");
    // flaskoidc's words for a session cookie it could not read, as opposed to a missing token.
    assert.match(otherKey.log, /User not found in the session, redirecting to login/);
    const login = await context.request.get(`${suite.catalog.ingress.origin}/logout`, {
      maxRedirects: 0,
    });
    assertRedirectsTo(login, suite.catalog.ingress.origin, "/login");
    await context.close();
  });
});
