import * as assert from "node:assert/strict";
import { publicEndpoints } from "../../components/endpoints";
import {
  Frontend,
  type FrontendArgs,
  frontendEnv,
  whitelistedEndpoints,
} from "../../components/frontend";
import { sizingFor } from "../../components/sizing";
import { all, envOf, find, podSpec, runComponents } from "../harness/program";

const base = (overrides: Partial<FrontendArgs> = {}): FrontendArgs => ({
  namespace: "amundsen",
  image: "registry.example.com/fe:1@sha256:abc",
  endpoints: publicEndpoints("amundsen.example.com", true, "/auth"),
  discoveryUrl: "https://example.okta.com/oauth2/default/.well-known/openid-configuration",
  scopes: "openid email profile offline_access",
  logout: "local",
  tokenStore: { kind: "sqlite" },
  metadataUrl: "http://metadata.amundsen.svc:5002",
  searchUrl: "http://search.amundsen.svc:5001",
  client: { clientId: "0oa1", clientSecret: "client-secret-value" },
  sizing: sizingFor("development", "frontend"),
  ingress: { className: "nginx", annotations: { a: "b" } },
  ...overrides,
});

describe("Frontend", () => {
  it("keeps client id, client secret and a generated 64-character session key in one Secret", async () => {
    const run = await runComponents(() => {
      new Frontend("frontend", base());
      return undefined;
    });
    const secret = find(run, "kubernetes:core/v1:Secret", "frontend-oidc");
    assert.deepEqual(Object.keys(secret.rawInputs.stringData as object).sort(), [
      "client-id",
      "client-secret",
      "session-key",
    ]);
    assert.equal(
      find(run, "random:index/randomPassword:RandomPassword", "frontend-session-key").rawInputs
        .length,
      64,
    );
    const env = envOf(find(run, "kubernetes:apps/v1:Deployment", "frontend"), "frontend");
    assert.deepEqual(env.get("FLASK_OIDC_SECRET_KEY")?.valueFrom, {
      secretKeyRef: { name: "frontend-oidc", key: "session-key" },
    });
    assert.deepEqual(env.get("FLASK_OIDC_CLIENT_SECRET")?.valueFrom, {
      secretKeyRef: { name: "frontend-oidc", key: "client-secret" },
    });
  });

  it("runs gunicorn on port 5000 as a non-root user with a read-only root filesystem", async () => {
    const run = await runComponents(() => {
      new Frontend("frontend", base());
      return undefined;
    });
    const spec = podSpec(find(run, "kubernetes:apps/v1:Deployment", "frontend"));
    const [container] = spec.containers;
    assert.equal(container?.command?.[0], "gunicorn");
    assert.ok(container?.command?.includes("amundsen_application.wsgi"));
    assert.equal(spec.securityContext?.runAsNonRoot, true);
    assert.equal(container?.securityContext?.readOnlyRootFilesystem, true);
    assert.deepEqual(container?.readinessProbe?.httpGet, { path: "/healthcheck", port: 5000 });
  });

  it("exposes the host over TLS through the configured ingress class", async () => {
    const run = await runComponents(() => {
      new Frontend(
        "frontend",
        base({ ingress: { className: "nginx", annotations: { a: "b" }, tlsSecretName: "cert" } }),
      );
      return undefined;
    });
    const ingress = find(run, "kubernetes:networking.k8s.io/v1:Ingress", "frontend").rawInputs as {
      metadata: { annotations: Record<string, string> };
      spec: { ingressClassName: string; tls: { secretName: string; hosts: string[] }[] };
    };
    assert.equal(ingress.spec.ingressClassName, "nginx");
    assert.deepEqual(ingress.spec.tls, [{ hosts: ["amundsen.example.com"], secretName: "cert" }]);
    assert.deepEqual(ingress.metadata.annotations, { a: "b" });
  });

  it("adds a PodDisruptionBudget only with more than one replica", async () => {
    const one = await runComponents(() => {
      new Frontend("frontend", base());
      return undefined;
    });
    const two = await runComponents(() => {
      new Frontend(
        "frontend",
        base({ replicas: 2, tokenStore: { kind: "shared", secretName: "ts", key: "uri" } }),
      );
      return undefined;
    });
    assert.deepEqual(all(one, "kubernetes:policy/v1:PodDisruptionBudget"), []);
    assert.equal(all(two, "kubernetes:policy/v1:PodDisruptionBudget").length, 1);
  });

  it("creates an image pull Secret for a private registry and uses it", async () => {
    const run = await runComponents(() => {
      new Frontend(
        "frontend",
        base({ registry: { host: "registry.example.com", username: "ci", password: "pw" } }),
      );
      return undefined;
    });
    assert.equal(
      find(run, "kubernetes:core/v1:Secret", "frontend-pull").rawInputs.type,
      "kubernetes.io/dockerconfigjson",
    );
    assert.deepEqual(
      podSpec(find(run, "kubernetes:apps/v1:Deployment", "frontend")).imagePullSecrets,
      [{ name: "frontend-registry" }],
    );
  });

  it("always runs the hardened flaskoidc wrapper, with the logout mode and its return URI", () => {
    const local = new Map(frontendEnv(base()).map((e) => [e.name, e.value]));
    const idp = new Map(frontendEnv(base({ logout: "idp" })).map((e) => [e.name, e.value]));
    assert.equal(local.get("FLASK_APP_MODULE_NAME"), "amundsen_sso");
    assert.equal(local.get("AMUNDSEN_SSO_LOGOUT"), "local");
    assert.equal(idp.get("AMUNDSEN_SSO_LOGOUT"), "idp");
    assert.equal(local.has("AMUNDSEN_SSO_POST_LOGOUT_REDIRECT_URI"), false);
    assert.equal(idp.get("FLASK_APP_MODULE_NAME"), "amundsen_sso");
    assert.equal(idp.get("AMUNDSEN_SSO_POST_LOGOUT_REDIRECT_URI"), "https://amundsen.example.com/");
    assert.equal(local.get("FLASK_OIDC_WHITELISTED_ENDPOINTS"), whitelistedEndpoints.join(","));
    assert.equal(
      local.get("FRONTEND_SVC_CONFIG_MODULE_CLASS"),
      "amundsen_application.oidc_config.OidcConfig",
    );
  });
});
