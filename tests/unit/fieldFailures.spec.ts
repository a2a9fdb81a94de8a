/**
 * Failures others hit deploying Amundsen with OIDC, each pinned down as behaviour of the program.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { imageBuildArgs } from "../../components/image";
import { oidcGrants } from "../../components/oidcClient";
import { frontendPythonPins } from "../../components/versions";
import { repoRoot } from "../../scripts/offline";
import {
  all,
  committedStacks,
  envOf,
  find,
  frontendEnv,
  oktaApp,
  type ProgramRun,
  podSpec,
  runStack,
} from "../harness/program";

const key = (k: string) => `amundsen-sso:${k}`;
const value = (run: ProgramRun, name: string) => frontendEnv(run).get(name)?.value;
const versionAtLeast = (version: string, floor: string) =>
  version
    .split(".")
    .map(Number)
    .reduce((cmp, part, i) => cmp || part - (floor.split(".").map(Number)[i] ?? 0), 0) >= 0;
const workloadTypes = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:batch/v1:Job",
];

describe("field failures", () => {
  let dev: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    ({ dev, prod } = await committedStacks());
  });

  describe("F01: a TLS-terminating ingress must not turn the callback into http://", () => {
    it("registers exactly https://amundsen.example.com/auth and configures flaskoidc to send it", () => {
      assert.deepEqual(oktaApp(prod).redirectUris, ["https://amundsen.example.com/auth"]);
      assert.equal(value(prod, "FLASK_OIDC_REDIRECT_URI"), "/auth");
      assert.equal(value(prod, "FLASK_OIDC_FORCE_SCHEME"), "https");
      assert.equal(value(prod, "FRONTEND_BASE"), "https://amundsen.example.com");
      const ingress = find(prod, "kubernetes:networking.k8s.io/v1:Ingress", "frontend")
        .rawInputs as {
        spec: { rules: { host: string }[]; tls: { hosts: string[] }[] };
      };
      assert.equal(ingress.spec.rules[0]?.host, "amundsen.example.com");
      assert.deepEqual(ingress.spec.tls[0]?.hosts, ["amundsen.example.com"]);
    });

    it("registers FRONTEND_BASE + FLASK_OIDC_REDIRECT_URI and no http:// URI on every TLS stack", async () => {
      const custom = await runStack("dev", { [key("oidc")]: { callbackPath: "/sso/callback" } });
      for (const run of [dev, prod, custom]) {
        const app = oktaApp(run);
        assert.ok(
          (app.redirectUris as string[]).includes(
            `${value(run, "FRONTEND_BASE")}${value(run, "FLASK_OIDC_REDIRECT_URI")}`,
          ),
        );
        const uris = [
          app.redirectUris,
          app.postLogoutRedirectUris,
          app.loginUri,
        ].flat() as string[];
        assert.deepEqual(
          uris.filter((u) => u.startsWith("http://")),
          [],
        );
      }
    });
  });

  describe("F02: the force-scheme switch is FLASK_OIDC_FORCE_SCHEME, from one pinned flaskoidc", () => {
    it("pins flaskoidc 1.0.6 or later in versions.ts, and the image build reads that pin", () => {
      assert.ok(versionAtLeast(frontendPythonPins.flaskoidc, "1.0.6"));
      assert.match(
        imageBuildArgs().OIDC_REQUIREMENTS ?? "",
        new RegExp(`flaskoidc==${frontendPythonPins.flaskoidc}`),
      );
      const image = find(dev, "docker-build:index:Image", "frontend-image").rawInputs;
      assert.deepEqual(image.buildArgs, imageBuildArgs());
      const dockerfile = readFileSync(path.join(repoRoot, "image", "Dockerfile"), "utf8");
      assert.doesNotMatch(
        dockerfile,
        /flaskoidc==|ARG \w+=/,
        "the Dockerfile must not carry its own pins or defaults",
      );
    });

    it("emits FLASK_OIDC_FORCE_SCHEME matching tls and never the 1.0.5 ..._SCHEMA spelling", async () => {
      const plainHttp = await runStack("dev", { [key("tls")]: false });
      assert.ok(plainHttp.log.some((line) => /^warning: .*plain http/.test(line)));
      assert.ok(!dev.log.some((line) => line.includes("plain http")));
      for (const [run, scheme] of [
        [dev, "https"],
        [prod, "https"],
        [plainHttp, "http"],
      ] as const) {
        const env = frontendEnv(run);
        assert.equal(env.get("FLASK_OIDC_FORCE_SCHEME")?.value, scheme);
        assert.equal(env.has("FLASK_OIDC_FORCE_SCHEMA"), false);
        assert.equal(env.has("FLASK_OIDC_SCHEME"), false);
      }
    });
  });

  describe("F03: the callback path and landing page are the ones flaskoidc serves", () => {
    it("keeps the registered callback path identical to FLASK_OIDC_REDIRECT_URI, trailing slash included", async () => {
      const run = await runStack("dev", { [key("oidc")]: { callbackPath: "/sso/callback/" } });
      assert.equal(value(run, "FLASK_OIDC_REDIRECT_URI"), "/sso/callback/");
      assert.deepEqual(oktaApp(run).redirectUris, [
        "https://amundsen-dev.example.com/sso/callback/",
      ]);
    });

    it("always sets the callback path and lands users on /, a page the frontend serves", () => {
      for (const run of [dev, prod]) {
        assert.ok(value(run, "FLASK_OIDC_REDIRECT_URI")?.startsWith("/"));
        assert.equal(value(run, "FLASK_OIDC_OVERWRITE_REDIRECT_URI"), "/");
      }
    });
  });

  describe("F04: tokens survive access-token expiry and a request served by another replica", () => {
    it("asks for offline_access exactly when the Okta app allows refresh tokens", async () => {
      const noRefresh = await runStack("dev", { [key("oidc")]: { offlineAccess: false } });
      for (const run of [dev, prod, noRefresh]) {
        const scopes = (value(run, "FLASK_OIDC_SCOPES") ?? "").split(" ");
        const grants = oktaApp(run).grantTypes as string[];
        assert.equal(scopes.includes("offline_access"), grants.includes("refresh_token"));
      }
      assert.deepEqual(oidcGrants(true).grantTypes, ["authorization_code", "refresh_token"]);
    });

    it("gives several frontend replicas one token store, injected from a Secret", () => {
      const deployment = find(prod, "kubernetes:apps/v1:Deployment", "frontend").rawInputs as {
        spec: { replicas: number };
      };
      assert.ok(deployment.spec.replicas > 1);
      assert.deepEqual(frontendEnv(prod).get("SQLALCHEMY_DATABASE_URI")?.valueFrom, {
        secretKeyRef: { name: "token-store-credentials", key: "uri" },
      });
    });

    it("pins a flaskoidc with refresh-token support (1.1.0 or later)", () => {
      assert.ok(versionAtLeast(frontendPythonPins.flaskoidc, "1.1.0"));
    });
  });

  describe("F05: logout can end the Okta session too", () => {
    it("registers the post-logout URI from the same helper as the redirect URI in idp mode", () => {
      assert.deepEqual(oktaApp(prod).postLogoutRedirectUris, ["https://amundsen.example.com/"]);
      assert.equal(value(prod, "FLASK_APP_MODULE_NAME"), "amundsen_sso");
      assert.equal(
        value(prod, "AMUNDSEN_SSO_POST_LOGOUT_REDIRECT_URI"),
        "https://amundsen.example.com/",
      );
    });

    it("moves both URI lists when the host name changes", async () => {
      const moved = await runStack("prod", { [key("hostname")]: "catalog.example.com" });
      assert.deepEqual(oktaApp(moved).redirectUris, ["https://catalog.example.com/auth"]);
      assert.deepEqual(oktaApp(moved).postLogoutRedirectUris, ["https://catalog.example.com/"]);
    });

    it("registers no post-logout URI in local mode and lets /logout through without login in both modes", () => {
      assert.deepEqual(oktaApp(dev).postLogoutRedirectUris, []);
      assert.equal(value(dev, "AMUNDSEN_SSO_LOGOUT"), "local");
      assert.equal(value(prod, "AMUNDSEN_SSO_LOGOUT"), "idp");
      for (const run of [dev, prod]) {
        assert.ok(value(run, "FLASK_OIDC_WHITELISTED_ENDPOINTS")?.split(",").includes("logout"));
      }
    });
  });

  describe("F06: OIDC is only switched on for an image that contains flaskoidc", () => {
    it("checks inside the image, at build time, that the pinned OIDC packages import", () => {
      const dockerfile = readFileSync(path.join(repoRoot, "image", "Dockerfile"), "utf8");
      assert.match(
        dockerfile,
        /RUN python \/opt\/amundsen-sso\/check_image\.py \$\{OIDC_REQUIREMENTS\}/,
      );
      const check = readFileSync(path.join(repoRoot, "image", "check_image.py"), "utf8");
      for (const module of ["flaskoidc", "amundsen_application", "amundsen_sso"])
        assert.ok(check.includes(`"${module}"`));
    });

    it("sets the wrapper env only on the container running the image the program built", () => {
      const deployments = all(dev, "kubernetes:apps/v1:Deployment");
      const image = dev.outputs.frontendImage as string;
      for (const deployment of deployments) {
        for (const container of podSpec(deployment).containers) {
          const wrapped = (container.env ?? []).some(
            (e) => e.name.startsWith("FLASK_APP_") || e.name.startsWith("FLASK_OIDC_"),
          );
          assert.equal(wrapped, container.image === image, `${deployment.name}/${container.name}`);
        }
      }
      assert.match(
        image,
        /^registry\.example\.com\/data\/amundsen-frontend:.+@sha256:[0-9a-f]{64}$/,
      );
    });
  });

  describe("F07: only API versions current clusters serve", () => {
    it("registers no beta or alpha Kubernetes API", () => {
      for (const run of [dev, prod]) {
        const kinds = run.resources
          .filter((r) => r.type.startsWith("kubernetes:") && r.custom)
          .map((r) => r.type);
        assert.deepEqual(
          kinds.filter((t) => /v\d+(alpha|beta)\d+/.test(t)),
          [],
        );
        assert.ok(kinds.includes("kubernetes:policy/v1:PodDisruptionBudget") || run === dev);
      }
    });
  });

  describe("F08: datastores the services can talk to", () => {
    it("derives Neo4j's bolt TLS level and metadata's PROXY_ENCRYPTED from one flag", async () => {
      const tls = await runStack("dev", {
        [key("neo4j")]: { boltTls: true },
        [key("sampleData")]: false,
      });
      for (const [run, level, encrypted] of [
        [dev, "DISABLED", "False"],
        [tls, "REQUIRED", "True"],
      ] as const) {
        const neo4j = envOf(find(run, "kubernetes:apps/v1:StatefulSet", "neo4j"), "neo4j");
        const metadata = envOf(find(run, "kubernetes:apps/v1:Deployment", "metadata"), "metadata");
        assert.equal(neo4j.get("NEO4J_dbms_connector_bolt_tls__level")?.value, level);
        assert.equal(metadata.get("PROXY_ENCRYPTED")?.value, encrypted);
      }
    });

    it("runs Elasticsearch without the vm.max_map_count node prerequisite", () => {
      const es = envOf(
        find(dev, "kubernetes:apps/v1:StatefulSet", "elasticsearch"),
        "elasticsearch",
      );
      assert.equal(es.get("node.store.allow_mmap")?.value, "false");
      assert.equal(
        podSpec(find(dev, "kubernetes:apps/v1:StatefulSet", "elasticsearch")).initContainers,
        undefined,
      );
    });
  });

  describe("F09: the client secret comes only from the Okta app, and an empty one stops the deployment", () => {
    it("fails before the credentials Secret or the frontend change when Okta returned no secret", async () => {
      const imported = await runStack(
        "prod",
        {},
        {
          stateOverrides: {
            "okta:app/oAuth:OAuth": () => ({ clientId: "0oaimported", clientSecret: "" }),
          },
        },
      );
      assert.match(imported.error?.message ?? "", /has no client secret in state/);
      const names = imported.resources.map((r) => `${r.type}/${r.name}`);
      assert.ok(!names.includes("kubernetes:core/v1:Secret/frontend-oidc"));
      assert.ok(!names.includes("kubernetes:apps/v1:Deployment/frontend"));
    });

    it("builds the Secret from the app's output and rolls the pods when that secret changes", async () => {
      const rotated = await runStack(
        "dev",
        {},
        {
          stateOverrides: {
            "okta:app/oAuth:OAuth": () => ({ clientId: "0oasame", clientSecret: "rotated-secret" }),
          },
        },
      );
      const secret = find(rotated, "kubernetes:core/v1:Secret", "frontend-oidc").rawInputs as {
        stringData: Record<string, string>;
      };
      assert.equal(secret.stringData["client-secret"], "rotated-secret");
      const checksum = (run: ProgramRun) =>
        (
          find(run, "kubernetes:apps/v1:Deployment", "frontend").rawInputs as {
            spec: { template: { metadata: { annotations: Record<string, string> } } };
          }
        ).spec.template.metadata.annotations["amundsen-sso/credentials-checksum"];
      assert.notEqual(checksum(rotated), checksum(dev));
      assert.match(checksum(dev) ?? "", /^[0-9a-f]{64}$/);
    });

    it("pins the token endpoint auth method in code", () => {
      assert.equal(oktaApp(dev).tokenEndpointAuthMethod, "client_secret_basic");
    });
  });

  describe("F10: no credential in plain text", () => {
    it("gives no env var with a credential-like name a literal value", () => {
      for (const run of [dev, prod]) {
        for (const workload of run.resources.filter((r) => workloadTypes.includes(r.type))) {
          for (const container of podSpec(workload).containers) {
            for (const env of container.env ?? []) {
              if (/SECRET|KEY|PASSWORD|TOKEN|AUTH/.test(env.name)) {
                assert.equal(
                  env.value,
                  undefined,
                  `${workload.name}/${container.name} ${env.name} is literal`,
                );
                assert.ok(
                  env.valueFrom?.secretKeyRef,
                  `${workload.name}/${container.name} ${env.name}`,
                );
              }
            }
          }
        }
      }
    });

    it("creates no ConfigMap and keeps every Secret value a Pulumi secret", () => {
      for (const run of [dev, prod]) {
        assert.deepEqual(all(run, "kubernetes:core/v1:ConfigMap"), []);
        for (const secret of all(run, "kubernetes:core/v1:Secret")) {
          const data = secret.inputs.stringData;
          // Secretness may cover the whole map or each value; either way no value is readable.
          const values =
            typeof data === "string" ? [data] : Object.values(data as Record<string, unknown>);
          assert.ok(values.length > 0);
          for (const v of values) assert.equal(v, "[secret]", secret.name);
        }
      }
    });

    it("applies server-side, so no last-applied annotation copies Secret data", () => {
      const provider = find(dev, "pulumi:providers:kubernetes", "cluster").rawInputs;
      assert.equal(provider.enableServerSideApply, "true");
    });
  });

  describe("F11: readiness waits that match how slow the pieces really are", () => {
    it("gives datastore StatefulSets a readiness timeout longer than Pulumi's ten-minute default", () => {
      for (const sts of all(prod, "kubernetes:apps/v1:StatefulSet")) {
        const annotations = (sts.rawInputs.metadata as { annotations: Record<string, string> })
          .annotations;
        assert.ok(Number(annotations["pulumi.com/timeoutSeconds"]) >= 600, sts.name);
      }
    });

    it("starts metadata after Neo4j and search after Elasticsearch", () => {
      assert.ok(
        find(prod, "kubernetes:apps/v1:Deployment", "metadata").dependsOn.includes("neo4j"),
      );
      assert.ok(
        find(prod, "kubernetes:apps/v1:Deployment", "search").dependsOn.includes("elasticsearch"),
      );
    });

    it("probes the frontend on a path flaskoidc lets through, and still waits for it to be ready", () => {
      const frontend = find(prod, "kubernetes:apps/v1:Deployment", "frontend");
      const [container] = podSpec(frontend).containers;
      const whitelist = (value(prod, "FLASK_OIDC_WHITELISTED_ENDPOINTS") ?? "").split(",");
      for (const probe of [container?.readinessProbe, container?.livenessProbe]) {
        assert.ok(whitelist.includes(probe?.httpGet?.path.replace(/^\/+|\/+$/g, "") ?? ""));
      }
      const annotations =
        (frontend.rawInputs.metadata as { annotations?: Record<string, string> }).annotations ?? {};
      assert.equal(annotations["pulumi.com/skipAwait"], undefined);
    });
  });

  describe("F12: the image goes to the registry named in config, fully qualified", () => {
    it("tags with the registry host, logs in to that host with a secret password, and deploys that reference", async () => {
      const run = await runStack(
        "prod",
        {
          [key("image")]: {
            repository: "registry.example.com/data/amundsen-frontend",
            tag: "abc123",
            registryUsername: "ci",
          },
          [key("registryPassword")]: "registry-password",
        },
        { secretKeys: [key("registryPassword")] },
      );
      const image = find(run, "docker-build:index:Image", "frontend-image");
      assert.deepEqual(image.rawInputs.tags, [
        "registry.example.com/data/amundsen-frontend:abc123",
      ]);
      const [registry] = image.rawInputs.registries as { address: string; username: string }[];
      assert.equal(registry?.address, "registry.example.com");
      assert.equal(registry?.username, "ci");
      assert.ok(
        !JSON.stringify(image.inputs).includes("registry-password"),
        "the password is not a secret",
      );
      const [container] = podSpec(
        find(run, "kubernetes:apps/v1:Deployment", "frontend"),
      ).containers;
      assert.ok(
        container?.image?.startsWith("registry.example.com/data/amundsen-frontend:abc123@sha256:"),
      );
      const pull = find(run, "kubernetes:core/v1:Secret", "frontend-pull").rawInputs as {
        stringData: Record<string, string>;
      };
      const auths = JSON.parse(pull.stringData[".dockerconfigjson"] ?? "{}").auths;
      assert.deepEqual(Object.keys(auths), ["registry.example.com"]);
    });
  });
});
