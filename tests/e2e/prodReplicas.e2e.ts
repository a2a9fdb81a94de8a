import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { landing, newVisitor, shownUser, signIn } from "./browser";
import type { FrontendProcess } from "./frontend";
import { ThrowawayPostgres } from "./postgres";
import { catalogSuite, signOutAtProvider } from "./suite";

/** flaskoidc's OAuth2Token model, under the table name Flask-SQLAlchemy derives from it. */
const tokenTable = "o_auth2_token";

/**
 * The prod stack as committed: two frontend replicas with one session key, sign-out at the
 * provider, and a token store in Postgres whose SQLAlchemy URI the Deployment reads from the
 * token store's Secret. A throwaway Postgres on loopback gets the role and database that URI
 * names; the replicas get the program's URI with only the host, port and password made local.
 */
describe("The prod stack's two frontend replicas sharing a Postgres token store", () => {
  let postgres: ThrowawayPostgres | undefined;
  let database = "";
  let replicaA: FrontendProcess;
  let replicaB: FrontendProcess;
  const suite = catalogSuite({ stack: "prod" }, async (catalog) => {
    postgres = await ThrowawayPostgres.start();
    const declared = await catalog.declaredSecret("SQLALCHEMY_DATABASE_URI");
    const tokenStore = await postgres.createDatabaseFor(declared);
    database = new URL(tokenStore).pathname.slice(1);
    const secrets = { SQLALCHEMY_DATABASE_URI: tokenStore };
    // Both at once, as a Deployment starts them: they race to create flaskoidc's table in the
    // empty database, and neither may fail to start.
    // Wait for both before failing, so the suite's clean-up knows every process that started.
    const started = await Promise.allSettled([
      catalog.startFrontend("replica A", { secrets }),
      catalog.startFrontend("replica B", { secrets }),
    ]);
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    [replicaA, replicaB] = started.map(
      (result) => (result as PromiseFulfilledResult<FrontendProcess>).value,
    ) as [FrontendProcess, FrontendProcess];
  });

  // Registered after the suite's hooks, so the server stops once the replicas have.
  after(() => postgres?.stop());

  afterEach(function () {
    if (this.currentTest?.state === "failed") {
      console.log(`--- postgres ---\n${postgres?.log.split("\n").slice(-20).join("\n")}`);
    }
  });

  /** How many token rows Postgres holds for the test user. */
  async function storedTokens(): Promise<number> {
    if (!postgres) throw new Error("the token store has not started");
    const email = suite.catalog.user.claims.email.replaceAll("'", "''");
    const count = await postgres.sql(
      database,
      `SELECT count(*) FROM ${tokenTable} WHERE user_id = '${email}'`,
    );
    return Number(count);
  }

  /** A new visitor who signed in while the ingress sent everything to replica A. */
  async function signedInOnReplicaA(): Promise<Page> {
    suite.catalog.ingress.route(replicaA.port);
    const { page } = await newVisitor(suite.browser);
    await page.goto(`${suite.catalog.ingress.origin}/`);
    await signIn(page, suite.catalog.user);
    assert.equal(await shownUser(page), suite.catalog.user.claims.email);
    return page;
  }

  it("keeps a user who signed in on replica A signed in on replica B, which reads their tokens from Postgres", async () => {
    const before = await storedTokens();
    const page = await signedInOnReplicaA();
    assert.equal(await storedTokens(), before + 1, "replica A stored no token row in Postgres");

    suite.catalog.ingress.route(replicaB.port);

    const current = await page
      .context()
      .request.get(`${suite.catalog.ingress.origin}/api/auth_user`, { maxRedirects: 0 });
    assert.equal(
      current.status(),
      200,
      `replica B did not know the user and sent them to ${current.headers().location}`,
    );
    assert.equal((await current.json()).user.email, suite.catalog.user.claims.email);
    await page.reload();
    assert.equal(await landing(page), "catalog");
    assert.equal(await shownUser(page), suite.catalog.user.claims.email);
    await page.context().close();
  });

  it("ends the provider session and deletes the user's tokens from Postgres when they sign out on replica B", async () => {
    const page = await signedInOnReplicaA();
    suite.catalog.ingress.route(replicaB.port);
    await signOutAtProvider(page, suite.catalog);
    assert.equal(await storedTokens(), 0, "the user's tokens are still in Postgres");
    await page.context().close();
  });
});
