import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ConfigError, secretKeys, settingsSchema } from "../../components/config";
import { repoRoot } from "../../scripts/offline";
import { committedStacks, runStack } from "../harness/program";

const key = (k: string) => `amundsen-sso:${k}`;
const digest = `sha256:${"a".repeat(64)}`;

interface InvalidCase {
  /** What the operator got wrong, in their words. */
  what: string;
  stack?: "dev" | "prod";
  changes?: Record<string, unknown>;
  remove?: string[];
  secretKeys?: string[];
  /** The config key the error must name. */
  names: string;
  /** Text from the "what would be valid" part of the message. */
  hint: string;
}

const invalid: InvalidCase[] = [
  {
    what: "a key in a misspelt project namespace, which nothing would read",
    stack: "prod",
    changes: { "amundsen:tier": "production" },
    names: "amundsen:tier",
    hint: "did you mean amundsen-sso:tier",
  },
  {
    what: "an Okta provider setting in the wrong case",
    changes: { "okta:baseURL": "oktapreview.com" },
    names: "okta:baseURL",
    hint: "did you mean okta:baseUrl",
  },
  {
    what: "a nested key set without --path",
    changes: { [key("image.tag")]: "v1" },
    names: key("image.tag"),
    hint: "--path",
  },
  {
    what: "the legacy ingress class annotation next to a class name",
    changes: { [key("ingress")]: { annotations: { "kubernetes.io/ingress.class": "nginx" } } },
    names: key("ingress.annotations"),
    hint: "the API refuses both together",
  },
  {
    what: "an empty ingress class name",
    changes: { [key("ingress")]: { className: "" } },
    names: key("ingress.className"),
    hint: "must not be empty",
  },
  {
    what: "a version that is only a prefix",
    changes: { [key("elasticsearch")]: { version: "8." } },
    names: key("elasticsearch.version"),
    hint: "full release",
  },
  {
    what: "two Okta groups that differ only in case and punctuation",
    changes: { [key("oidc")]: { groups: ["Amundsen Users", "amundsen-users"] } },
    names: key("oidc.groups"),
    hint: "differ only in case",
  },
  {
    what: "the sample loader with bolt TLS, which it cannot speak",
    changes: { [key("neo4j")]: { boltTls: true } },
    names: key("sampleData"),
    hint: "connects without TLS",
  },
  {
    what: "a token store port without an external token store",
    changes: { [key("frontend")]: { tokenStorePort: 6432 } },
    names: key("frontend.tokenStorePort"),
    hint: "only applies to frontend.tokenStore external",
  },
  {
    what: "a callback path with a .. segment",
    changes: { [key("oidc")]: { callbackPath: "/../auth" } },
    names: key("oidc.callbackPath"),
    hint: "must not contain '.'",
  },
  {
    what: "a callback path spelling a Flask endpoint name, which would switch login off for it",
    changes: { [key("oidc")]: { callbackPath: "/search.search" } },
    names: key("oidc.callbackPath"),
    hint: "endpoint names",
  },
  {
    what: "a callback path naming the index endpoint",
    changes: { [key("oidc")]: { callbackPath: "/index" } },
    names: key("oidc.callbackPath"),
    hint: "own endpoints",
  },
  {
    what: "a callback path with an empty segment",
    changes: { [key("oidc")]: { callbackPath: "//auth" } },
    names: key("oidc.callbackPath"),
    hint: "empty segments",
  },
  {
    what: "an IP address as the host name",
    changes: { [key("hostname")]: "10.1.2.3" },
    names: key("hostname"),
    hint: "not an IP address",
  },
  {
    what: "a storage class name the API would refuse",
    changes: { [key("storageClassName")]: "Fast_SSD" },
    names: key("storageClassName"),
    hint: "DNS subdomain",
  },
  {
    what: "an annotation key the API would refuse",
    changes: { [key("ingress")]: { annotations: { "not a key!": "x" } } },
    names: key("ingress.annotations.not a key!"),
    hint: "annotation key",
  },
  {
    what: "Elasticsearch credentials inside the endpoint URL",
    changes: {
      [key("elasticsearch")]: { externalEndpoint: "http://elastic:hunter2@es.example.com:9200/" },
      [key("sampleData")]: false,
    },
    names: key("elasticsearch.externalEndpoint"),
    hint: "must not carry credentials",
  },
  {
    what: "an Elasticsearch password for the deployed, unauthenticated node",
    changes: { [key("elasticsearchPassword")]: "pw" },
    secretKeys: [key("elasticsearchPassword")],
    names: key("elasticsearchPassword"),
    hint: "only applies with elasticsearch.externalEndpoint",
  },
  {
    what: "a Neo4j port for the deployed Neo4j",
    changes: { [key("neo4j")]: { port: 7688 } },
    names: key("neo4j.port"),
    hint: "only applies with neo4j.externalHost",
  },
  {
    what: "a namespace the cluster itself uses",
    changes: { [key("namespace")]: "kube-system" },
    names: key("namespace"),
    hint: "shared with the cluster",
  },
  {
    what: "a callback path that hides a catalog page",
    changes: { [key("oidc")]: { callbackPath: "/search" } },
    names: key("oidc.callbackPath"),
    hint: "catalog page",
  },
  {
    what: "a password under a short name as a literal env value",
    changes: { [key("frontend")]: { extraEnv: { DB_PASSWD: "hunter2" } } },
    names: key("frontend.extraEnv.DB_PASSWD"),
    hint: "looks like a credential",
  },
  {
    what: "the legacy APP_WRAPPER_ARGS variable",
    changes: { [key("frontend")]: { extraEnv: { APP_WRAPPER_ARGS: "{}" } } },
    names: key("frontend.extraEnv.APP_WRAPPER_ARGS"),
    hint: "takes no arguments",
  },
  {
    what: "the Okta API token in plaintext",
    changes: { "okta:apiToken": "00abcdef" },
    names: "okta:apiToken",
    hint: "--secret",
  },
  {
    what: "a host name with a scheme",
    changes: { [key("hostname")]: "https://amundsen.example.com" },
    names: key("hostname"),
    hint: "no scheme",
  },
  {
    what: "no host name at all",
    remove: [key("hostname")],
    names: key("hostname"),
    hint: "is missing",
  },
  {
    what: "an unknown tier",
    changes: { [key("tier")]: "staging" },
    names: key("tier"),
    hint: '"development"|"production"',
  },
  {
    what: "tls given as a word",
    changes: { [key("tls")]: "yes" },
    names: key("tls"),
    hint: "boolean",
  },
  {
    what: "production without TLS",
    stack: "prod",
    changes: { [key("tls")]: false },
    names: key("tls"),
    hint: "must be true when tier is production",
  },
  {
    what: "production on localhost",
    stack: "prod",
    changes: { [key("hostname")]: "localhost" },
    names: key("hostname"),
    hint: "public host",
  },
  {
    what: "a callback path without a leading slash",
    changes: { [key("oidc")]: { callbackPath: "auth" } },
    names: key("oidc.callbackPath"),
    hint: "starting with '/'",
  },
  {
    what: "the pre-1.0 flask-oidc callback path",
    changes: { [key("oidc")]: { callbackPath: "/oidc_callback" } },
    names: key("oidc.callbackPath"),
    hint: "use /auth",
  },
  {
    what: "a callback path Amundsen already serves",
    changes: { [key("oidc")]: { callbackPath: "/login" } },
    names: key("oidc.callbackPath"),
    hint: "collides",
  },
  {
    what: "an unknown logout mode",
    changes: { [key("oidc")]: { logout: "global" } },
    names: key("oidc.logout"),
    hint: '"local"|"idp"',
  },
  {
    what: "two frontend replicas with per-pod SQLite tokens",
    changes: { [key("frontend")]: { replicas: 2 } },
    names: key("frontend.replicas"),
    hint: "tokenStore to postgres or external",
  },
  {
    what: "zero frontend replicas",
    changes: { [key("frontend")]: { replicas: 0 } },
    names: key("frontend.replicas"),
    hint: "at least 1",
  },
  {
    what: "the legacy OIDC_CALLBACK_ROUTE variable",
    changes: { [key("frontend")]: { extraEnv: { OIDC_CALLBACK_ROUTE: "/cb" } } },
    names: key("frontend.extraEnv.OIDC_CALLBACK_ROUTE"),
    hint: "not read by flaskoidc 1.x",
  },
  {
    what: "the legacy OIDC_CLIENT_SECRETS file",
    changes: { [key("frontend")]: { extraEnv: { OIDC_CLIENT_SECRETS: "/s.json" } } },
    names: key("frontend.extraEnv.OIDC_CLIENT_SECRETS"),
    hint: "not read by flaskoidc 1.x",
  },
  {
    what: "the 1.0.5 FLASK_OIDC_FORCE_SCHEMA spelling",
    changes: { [key("frontend")]: { extraEnv: { FLASK_OIDC_FORCE_SCHEMA: "https" } } },
    names: key("frontend.extraEnv.FLASK_OIDC_FORCE_SCHEMA"),
    hint: "FLASK_OIDC_FORCE_SCHEME",
  },
  {
    what: "overriding a variable the program derives",
    changes: { [key("frontend")]: { extraEnv: { FLASK_OIDC_REDIRECT_URI: "/x" } } },
    names: key("frontend.extraEnv.FLASK_OIDC_REDIRECT_URI"),
    hint: "derived by the program",
  },
  {
    what: "a credential as a literal env value",
    changes: { [key("frontend")]: { extraEnv: { PREVIEW_API_TOKEN: "t0k3n" } } },
    names: key("frontend.extraEnv.PREVIEW_API_TOKEN"),
    hint: "looks like a credential",
  },
  {
    what: "Neo4j 5, which metadata's driver cannot use",
    changes: { [key("neo4j")]: { version: "5.20.0" } },
    names: key("neo4j.version"),
    hint: "supported: 3.5.x, 4.4.x",
  },
  {
    what: "Neo4j 3.3, which speaks only Bolt 1",
    changes: { [key("neo4j")]: { version: "3.3.0" } },
    names: key("neo4j.version"),
    hint: "neo4j 4.4 Python driver",
  },
  {
    what: "Elasticsearch 9",
    changes: { [key("elasticsearch")]: { version: "9.1.0" } },
    names: key("elasticsearch.version"),
    hint: "supported: 7.x, 8.x",
  },
  {
    what: "bolt TLS on Neo4j 4.4",
    changes: { [key("neo4j")]: { version: "4.4.30", boltTls: true } },
    names: key("neo4j.boltTls"),
    hint: "needs Neo4j 3.5",
  },
  {
    what: "a storage size in GB",
    changes: { [key("neo4j")]: { storageSize: "10GB" } },
    names: key("neo4j.storageSize"),
    hint: "10Gi",
  },
  {
    what: "an image repository without a registry host",
    changes: { [key("image")]: { repository: "amundsen-frontend" } },
    names: key("image.repository"),
    hint: "registry host",
  },
  {
    what: "an existing image without a digest",
    changes: { [key("image")]: { existing: "registry.example.com/amundsen-frontend:4.3.0" } },
    names: key("image.existing"),
    hint: "pinned by digest",
  },
  {
    what: "the stock upstream frontend image",
    changes: { [key("image")]: { existing: `docker.io/amundsendev/amundsen-frontend@${digest}` } },
    names: key("image.existing"),
    hint: "lack this program's hardened flaskoidc wrapper",
  },
  {
    what: "upstream's -oidc image with idp logout",
    stack: "prod",
    changes: {
      [key("image")]: { existing: `docker.io/amundsendev/amundsen-frontend-oidc@${digest}` },
    },
    names: key("image.existing"),
    hint: "could be bypassed",
  },
  {
    what: "a Docker Hub image without the docker.io host",
    changes: { [key("image")]: { existing: `acme/amundsen-frontend@${digest}` } },
    names: key("image.existing"),
    hint: "registry-qualified",
  },
  {
    what: "a tag together with an existing image",
    changes: { [key("image")]: { existing: `registry.example.com/a/b@${digest}`, tag: "v1" } },
    names: key("image.tag"),
    hint: "choose building or an existing image",
  },
  {
    what: "both building and an existing image",
    changes: {
      [key("image")]: {
        repository: "registry.example.com/a/b",
        existing: `registry.example.com/a/b@${digest}`,
      },
    },
    names: key("image.repository"),
    hint: "choose building or an existing image",
  },
  {
    what: "a registry user without a password",
    changes: { [key("image")]: { repository: "registry.example.com/a/b", registryUsername: "ci" } },
    names: key("registryPassword"),
    hint: "--secret",
  },
  {
    what: "an unknown cluster preset",
    changes: { [key("cluster")]: { preset: "openshift", kubeconfigPath: "/k" } },
    names: key("cluster.preset"),
    hint: '"eks"',
  },
  {
    what: "no way to reach a cluster",
    changes: { [key("cluster")]: { preset: "kind" } },
    names: key("kubeconfig"),
    hint: "cluster.kubeconfigPath",
  },
  {
    what: "a namespace that is not a DNS label",
    changes: { [key("namespace")]: "Amundsen_Prod" },
    names: key("namespace"),
    hint: "DNS label",
  },
  {
    what: "a misspelt top-level key",
    changes: { [key("hostnme")]: "a.example.com" },
    names: key("hostnme"),
    hint: "did you mean amundsen-sso:hostname",
  },
  {
    what: "a misspelt nested key",
    changes: { [key("oidc")]: { callbackpath: "/auth" } },
    names: key("oidc.callbackpath"),
    hint: "did you mean oidc.callbackPath",
  },
  {
    what: "no Okta org",
    remove: ["okta:orgName"],
    names: "okta:orgName",
    hint: "Okta org subdomain",
  },
  {
    what: "a registry password stored in plaintext",
    changes: { [key("registryPassword")]: "hunter2" },
    names: key("registryPassword"),
    hint: "pulumi config set --secret",
  },
  {
    what: "an existing client id without its secret",
    changes: { [key("oidcClientId")]: "0oa123", [key("oidc")]: {} },
    secretKeys: [key("oidcClientId")],
    names: key("oidcClientSecret"),
    hint: "needs both",
  },
  {
    what: "group assignment for a client this program does not own",
    changes: { [key("oidcClientId")]: "0oa1", [key("oidcClientSecret")]: "s" },
    secretKeys: [key("oidcClientId"), key("oidcClientSecret")],
    names: key("oidc.groups"),
    hint: "leave it empty",
  },
  {
    what: "an external token store without its URI",
    changes: { [key("frontend")]: { tokenStore: "external" } },
    names: key("tokenStoreUri"),
    hint: "postgresql://",
  },
  {
    what: "a duplicated Okta group",
    changes: { [key("oidc")]: { groups: ["a", "a"] } },
    names: key("oidc.groups"),
    hint: "twice",
  },
  {
    what: "sample data into an external Neo4j",
    changes: {
      [key("neo4j")]: { externalHost: "bolt://graph.example.com" },
      [key("neo4jPassword")]: "pw",
    },
    secretKeys: [key("neo4jPassword")],
    names: key("sampleData"),
    hint: "only targets the datastores this program deploys",
  },
];

describe("stack configuration validation", () => {
  for (const c of invalid) {
    it(`rejects ${c.what}, naming ${c.names}, before registering anything`, async () => {
      const run = await runStack(c.stack ?? "dev", c.changes, {
        remove: c.remove,
        secretKeys: c.secretKeys,
      });
      assert.ok(run.error instanceof ConfigError, `expected a ConfigError, got ${run.error}`);
      const line = run.error.problems.find((p) => p.startsWith(`${c.names}:`));
      assert.ok(line, `no problem names ${c.names}:\n${run.error.message}`);
      assert.ok(line.includes(c.hint), `"${line}" lacks the hint "${c.hint}"`);
      assert.deepEqual(run.resources, [], "resources were registered despite invalid config");
    });
  }

  it("accepts a namespace made of digits, which is a valid DNS label", async () => {
    const run = await runStack("dev", { [key("namespace")]: "123" });
    assert.equal(run.error, undefined, run.error?.message);
  });

  it("reattaches a kept Neo4j volume with the password given in secret config", async () => {
    const run = await runStack(
      "prod",
      { [key("neo4jPassword")]: "the-old-password" },
      {
        secretKeys: [key("neo4jPassword")],
      },
    );
    assert.equal(run.error, undefined, run.error?.message);
    const names = run.resources.map((r) => r.name);
    assert.ok(!names.includes("neo4j-password"), "a new password was generated");
    const secret = run.resources.find((r) => r.name === "neo4j-credentials")?.rawInputs as {
      stringData: Record<string, string>;
    };
    assert.equal(secret.stringData.password, "the-old-password");
  });

  it("shows the bad value in the message", async () => {
    const run = await runStack("dev", { [key("oidc")]: { callbackPath: "auth" } });
    assert.match(
      run.error?.message ?? "",
      /amundsen-sso:oidc\.callbackPath: got "auth"; must be an absolute path/,
    );
  });

  it("reports a refused frontend variable even when another key is also wrong", async () => {
    const run = await runStack("dev", {
      [key("frontend")]: { replicas: 0, extraEnv: { ISSUE_TRACKER_PASSWORD: "x" } },
    });
    assert.ok(run.error instanceof ConfigError);
    const names = run.error.problems.map((p) => p.split(":").slice(0, 2).join(":"));
    assert.ok(names.includes(key("frontend.replicas")), run.error.message);
    assert.ok(names.includes(key("frontend.extraEnv.ISSUE_TRACKER_PASSWORD")), run.error.message);
  });

  it("reports every problem at once rather than the first", async () => {
    const run = await runStack("dev", { [key("tier")]: "staging", [key("namespace")]: "Bad_Name" });
    assert.ok(run.error instanceof ConfigError);
    assert.ok(run.error.problems.length >= 2, run.error.message);
  });

  it("accepts both committed stacks as they are", async () => {
    // committedStacks() throws the program's error if either stack is refused.
    for (const run of Object.values(await committedStacks())) assert.ok(run.resources.length > 20);
  });

  it("declares a Pulumi.yaml config schema the Pulumi CLI accepts, covering every key the program reads", () => {
    const project = parse(readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")) as {
      config: Record<
        string,
        { type?: string; default?: unknown; value?: unknown; secret?: boolean }
      >;
    };
    const typeOf = (v: unknown) =>
      Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v;
    for (const [name, spec] of Object.entries(project.config)) {
      if (name.includes(":")) {
        // Keys of other namespaces may only carry a value (the CLI's Project.Validate rule).
        assert.deepEqual(Object.keys(spec), ["value"], name);
        continue;
      }
      assert.ok(
        ["string", "integer", "boolean", "array", "object"].includes(spec.type ?? ""),
        name,
      );
      if (spec.default !== undefined) assert.equal(typeOf(spec.default), spec.type, name);
    }
    const declared = Object.keys(project.config).filter((k) => !k.includes(":"));
    assert.deepEqual(declared.sort(), [...Object.keys(settingsSchema.shape), ...secretKeys].sort());
    for (const secret of secretKeys) assert.equal(project.config[secret]?.secret, true, secret);
  });

  it("declares in Pulumi.yaml the same defaults the program applies", () => {
    const project = parse(readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")) as {
      config: Record<string, { default?: unknown; type?: string }>;
    };
    const declared = Object.entries(project.config).filter(([, v]) => v.default !== undefined);
    assert.ok(declared.length >= 4);
    const applied = settingsSchema.parse({ hostname: "amundsen.example.com" }) as Record<
      string,
      unknown
    >;
    for (const [name, spec] of declared) assert.deepEqual(spec.default, applied[name], name);
  });
});
