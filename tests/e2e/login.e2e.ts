import assert from "node:assert/strict";
import { landing, newVisitor, requestsTo, shownUser, signIn } from "./browser";
import { catalogSuite } from "./suite";

describe("Signing in to the dev stack's catalog through the OpenID provider", () => {
  const suite = catalogSuite({ logout: "local" });

  it("sends a visitor to the provider's sign-in form and back to the catalog, signed in by email", async () => {
    const { context, page } = await newVisitor(suite.browser);
    await page.goto(`${suite.catalog.ingress.origin}/`);
    assert.equal(await landing(page), "sign-in form");
    assert.equal(new URL(page.url()).origin, suite.catalog.provider.origin);

    await signIn(page, suite.catalog.user);

    assert.equal(await landing(page), "catalog");
    assert.equal(page.url(), `${suite.catalog.ingress.origin}/`);
    assert.equal(await shownUser(page), suite.catalog.user.claims.email);
    const current = await context.request.get(`${suite.catalog.ingress.origin}/api/auth_user`);
    assert.equal(current.status(), 200);
    assert.equal((await current.json()).user.email, suite.catalog.user.claims.email);
    await context.close();
  });

  it("asks the provider for the https callback the Okta app registers", async () => {
    const { context, page } = await newVisitor(suite.browser);
    const authorize = requestsTo(page, suite.catalog.provider.authorizationUrl);
    await page.goto(`${suite.catalog.ingress.origin}/`);
    assert.equal(
      authorize[0]?.searchParams.get("redirect_uri"),
      `${suite.catalog.ingress.origin}/auth`,
    );
    await context.close();
  });

  it("forwards the user's tokens from the token store to the metadata service", async () => {
    const { context, page } = await newVisitor(suite.browser);
    await page.goto(`${suite.catalog.ingress.origin}/`);
    await signIn(page, suite.catalog.user);
    assert.equal(await landing(page), "catalog");

    const path = `/user/${suite.catalog.user.claims.email}`;
    const call = suite.catalog.metadata.requests.findLast((r) => r.path === path);
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
