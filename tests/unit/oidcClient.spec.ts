import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { oktaIssuer, publicEndpoints } from "../../components/endpoints";
import { OidcClient, oidcGrants } from "../../components/oidcClient";
import { all, find, runComponents } from "../harness/program";

const endpoints = publicEndpoints("amundsen.example.com", true, "/auth");
const issuer = oktaIssuer("example", "okta.com", "default");

describe("OidcClient", () => {
  it("creates an authorization-code web app with URIs derived from the public URL", async () => {
    const run = await runComponents(() => {
      new OidcClient("app", { label: "Amundsen", endpoints, issuer, logout: "idp" });
      return undefined;
    });
    const app = find(run, "okta:app/oAuth:OAuth", "app");
    assert.equal(app.rawInputs.type, "web");
    assert.deepEqual(app.rawInputs.responseTypes, ["code"]);
    assert.deepEqual(app.rawInputs.grantTypes, oidcGrants(true).grantTypes);
    assert.deepEqual(app.rawInputs.redirectUris, ["https://amundsen.example.com/auth"]);
    assert.deepEqual(app.rawInputs.postLogoutRedirectUris, ["https://amundsen.example.com/"]);
    assert.equal(app.rawInputs.loginUri, "https://amundsen.example.com/login");
    assert.deepEqual(app.options.replaceOnChanges, ["tokenEndpointAuthMethod"]);
  });

  it("assigns each named Okta group, looked up by name", async () => {
    const run = await runComponents(() => {
      new OidcClient("app", { label: "A", endpoints, issuer, groups: ["Data Team", "analysts"] });
      return undefined;
    });
    const assignments = all(run, "okta:app/groupAssignment:GroupAssignment");
    assert.deepEqual(assignments.map((a) => a.name).sort(), ["app-analysts", "app-data-team"]);
    for (const a of assignments) {
      assert.equal(a.rawInputs.appId, "app-id");
      assert.match(a.rawInputs.groupId as string, /^00gfake/);
    }
  });

  it("keeps the client secret a Pulumi secret", async () => {
    let secret = false;
    await runComponents(() => {
      const client = new OidcClient("app", { label: "A", endpoints, issuer });
      pulumi.isSecret(client.clientSecret).then((s) => {
        secret = s;
      });
      return { clientSecret: client.clientSecret };
    });
    assert.equal(secret, true);
  });

  it("creates nothing in Okta for an existing client, and keeps both values secret", async () => {
    const run = await runComponents(() => {
      const client = new OidcClient("app", {
        label: "A",
        endpoints,
        issuer,
        existing: {
          clientId: pulumi.secret("0oa-existing"),
          clientSecret: pulumi.secret("s3cr3t"),
        },
      });
      return { clientId: client.clientId, clientSecret: client.clientSecret };
    });
    assert.deepEqual(
      run.resources.filter((r) => r.type.startsWith("okta:")),
      [],
    );
    assert.deepEqual(run.outputs, { clientId: "[secret]", clientSecret: "[secret]" });
  });

  it("derives the issuer and discovery URL of a custom or the org authorization server", () => {
    assert.equal(
      issuer.discoveryUrl,
      "https://example.okta.com/oauth2/default/.well-known/openid-configuration",
    );
    assert.equal(
      oktaIssuer("example", "oktapreview.com", "org").issuer,
      "https://example.oktapreview.com",
    );
  });
});
