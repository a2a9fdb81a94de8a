import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { oktaIssuer, publicEndpoints } from "../../components/endpoints";
import { Frontend } from "../../components/frontend";
import { OidcClient } from "../../components/oidcClient";
import { sizingFor } from "../../components/sizing";
import { all, runComponents, runStack } from "../harness/program";

describe("secrets", () => {
  it("stay Pulumi secrets from the Okta app and the generated key to the frontend's Secret", async () => {
    const flags: Record<string, boolean> = {};
    await runComponents(() => {
      const endpoints = publicEndpoints("amundsen.example.com", true, "/auth");
      const client = new OidcClient("app", {
        label: "A",
        endpoints,
        issuer: oktaIssuer("example", "okta.com", "default"),
      });
      const frontend = new Frontend("frontend", {
        namespace: "ns",
        image: "img@sha256:1",
        endpoints,
        discoveryUrl: client.discoveryUrl,
        scopes: client.scopes,
        logout: "local",
        tokenStore: { kind: "sqlite" },
        metadataUrl: "http://m:5002",
        searchUrl: "http://s:5001",
        client: { clientId: client.clientId, clientSecret: client.clientSecret },
        sizing: sizingFor("development", "frontend"),
        ingress: { annotations: {} },
      });
      const watch = (name: string, output: pulumi.Output<unknown>) =>
        pulumi.isSecret(output).then((secret) => {
          flags[name] = secret;
        });
      watch("clientSecret", client.clientSecret);
      watch("sessionKey", frontend.sessionKey.result);
      watch("secretData", frontend.credentials.stringData);
      return { data: frontend.credentials.stringData };
    });
    assert.deepEqual(flags, { clientSecret: true, sessionKey: true, secretData: true });
  });

  it("never appear in plain text in any resource input or stack output of either stack", async () => {
    for (const stack of ["dev", "prod"] as const) {
      const run = await runStack(
        stack,
        {
          "amundsen-sso:registryPassword": "registry-pw-value",
          "amundsen-sso:image": { repository: "registry.example.com/a/b", registryUsername: "ci" },
        },
        {
          secretKeys: ["amundsen-sso:registryPassword"],
        },
      );
      assert.equal(run.error, undefined, run.error?.message);
      // The client id travels in the browser's URL bar, so it is the one value kept that is not secret.
      const secrets = all(run, "kubernetes:core/v1:Secret").flatMap((s) =>
        Object.entries((s.rawInputs.stringData ?? {}) as Record<string, string>)
          .filter(([key]) => key !== "client-id")
          .map(([, value]) => value),
      );
      secrets.push("registry-pw-value");
      assert.ok(secrets.length >= 4);
      const visible = JSON.stringify([run.resources.map((r) => r.inputs), run.outputs]);
      for (const secret of secrets) {
        assert.ok(
          !visible.includes(secret),
          `${stack}: a secret value is visible: ${secret.slice(0, 12)}…`,
        );
      }
    }
  });
});
