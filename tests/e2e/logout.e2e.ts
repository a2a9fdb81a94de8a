import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { landing, newVisitor, requestsTo, shownUser, signIn } from "./browser";
import { type CatalogSuite, catalogSuite, signOutAtProvider } from "./suite";

/** A new visitor who has just signed in to the catalog. */
async function signedInVisitor({ browser, catalog }: CatalogSuite): Promise<Page> {
  const { page } = await newVisitor(browser);
  await page.goto(`${catalog.ingress.origin}/`);
  await signIn(page, catalog.user);
  assert.equal(await landing(page), "catalog");
  return page;
}

describe("Signing out of the catalog in idp logout mode", () => {
  const suite = catalogSuite({ logout: "idp" });

  it("ends the provider session too, so the next sign-in asks for credentials again", async () => {
    const page = await signedInVisitor(suite);
    const request = await signOutAtProvider(page, suite.catalog);
    assert.equal(request.get("post_logout_redirect_uri"), `${suite.catalog.ingress.origin}/`);
    assert.equal(request.get("client_id"), suite.catalog.secrets.FLASK_OIDC_CLIENT_ID);
    const [, claims = ""] = (request.get("id_token_hint") ?? "").split(".");
    assert.equal(
      JSON.parse(Buffer.from(claims, "base64url").toString()).email,
      suite.catalog.user.claims.email,
    );

    await signIn(page, suite.catalog.user);
    assert.equal(await shownUser(page), suite.catalog.user.claims.email);
    await page.context().close();
  });

  it("keeps the provider session when a replica without the user's tokens sends them through /logout", async () => {
    const page = await signedInVisitor(suite);
    const replica = await suite.catalog.startFrontend("replica with an empty token store", {
      tokenStore: suite.catalog.newTokenStore(),
    });
    suite.catalog.ingress.route(replica.port);
    const endSession = requestsTo(page, suite.catalog.provider.endSessionUrl);
    const formsBefore = suite.catalog.provider.loginFormsShown;

    await page.goto(`${suite.catalog.ingress.origin}/`);

    assert.equal(await landing(page), "catalog", "the user had to sign in again");
    assert.equal(endSession.length, 0);
    assert.equal(suite.catalog.provider.loginFormsShown, formsBefore);
    await page.context().close();
  });
});

describe("Signing out of the catalog in local logout mode", () => {
  const suite = catalogSuite({ logout: "local" });

  it("clears only the catalog's session, so the provider signs the user straight back in", async () => {
    const page = await signedInVisitor(suite);
    const endSession = requestsTo(page, suite.catalog.provider.endSessionUrl);
    const formsBefore = suite.catalog.provider.loginFormsShown;
    const logout = page.waitForResponse(`${suite.catalog.ingress.origin}/logout`);

    await page.goto(`${suite.catalog.ingress.origin}/logout`);

    const sentTo = new URL((await logout).headers().location ?? "", suite.catalog.ingress.origin);
    assert.equal(sentTo.pathname, "/login");
    assert.equal(await landing(page), "catalog", "the provider asked for credentials again");
    assert.equal(await shownUser(page), suite.catalog.user.claims.email);
    assert.equal(endSession.length, 0);
    assert.equal(suite.catalog.provider.loginFormsShown, formsBefore);
    await page.context().close();
  });
});
