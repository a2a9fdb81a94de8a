import assert from "node:assert/strict";
import { landing, newVisitor, signIn } from "./browser";
import { assertRedirectsTo, catalogSuite } from "./suite";

/**
 * flaskoidc on its own accepts any request that carries a JSON "token" whose expires_at lies in the
 * future, unsigned, and forwards it to metadata and search. The image's wrapper refuses that.
 */
describe("A request that brings its own token instead of signing in", () => {
  const suite = catalogSuite({ logout: "local" });
  const forged = JSON.stringify({ access_token: "forged", expires_at: 4102444800 });
  const tableApi = "/api/metadata/v0/get_table_description?key=hive://gold.core/orders";

  const forwardedForgeries = () =>
    suite.catalog.metadata.requests.filter((r) => (r.authorization ?? "").includes('"forged"'));

  it("is sent to sign in, and nothing reaches metadata, with the token in a Bearer header", async () => {
    const { context } = await newVisitor(suite.browser);
    const response = await context.request.get(`${suite.catalog.ingress.origin}${tableApi}`, {
      headers: { Authorization: `Bearer ${forged}` },
      maxRedirects: 0,
    });
    assertRedirectsTo(response, suite.catalog.ingress.origin, "/logout");
    assert.deepEqual(forwardedForgeries(), []);
    await context.close();
  });

  it("is sent to sign in, and nothing reaches metadata, with the token as access_token", async () => {
    const { context } = await newVisitor(suite.browser);
    const response = await context.request.get(
      `${suite.catalog.ingress.origin}${tableApi}&access_token=${encodeURIComponent(forged)}`,
      { maxRedirects: 0 },
    );
    assert.equal(response.status(), 302);
    assert.deepEqual(forwardedForgeries(), []);
    await context.close();
  });

  it("does not get in the way of a signed-in user's own session", async () => {
    const { context, page } = await newVisitor(suite.browser);
    await page.goto(`${suite.catalog.ingress.origin}/`);
    await signIn(page, suite.catalog.user);
    assert.equal(await landing(page), "catalog");
    const current = await context.request.get(`${suite.catalog.ingress.origin}/api/auth_user`, {
      headers: { Authorization: `Bearer ${forged}` },
    });
    assert.equal(current.status(), 200);
    assert.equal((await current.json()).user.email, suite.catalog.user.claims.email);
    await context.close();
  });
});
