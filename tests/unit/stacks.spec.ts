import * as assert from "node:assert/strict";
import {
  all,
  committedStacks,
  find,
  frontendEnv,
  oktaApp,
  type ProgramRun,
  podSpec,
  runStack,
} from "../harness/program";

const replicasOf = (run: ProgramRun, name: string) =>
  (find(run, "kubernetes:apps/v1:Deployment", name).rawInputs.spec as { replicas: number })
    .replicas;

describe("the committed stacks", () => {
  let dev: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    ({ dev, prod } = await committedStacks());
  });

  it("exports the outputs the README documents", () => {
    for (const run of [dev, prod]) {
      assert.deepEqual(Object.keys(run.outputs).sort(), [
        "amundsenVersions",
        "catalogUrl",
        "datastoreVolumesKept",
        "frontendDeployment",
        "frontendImage",
        "ingressHost",
        "kubectl",
        "kubernetesNamespace",
        "oidcClientId",
        "oidcDiscoveryUrl",
        "oidcIssuer",
        "oidcPostLogoutRedirectUris",
        "oidcRedirectUris",
        "tier",
      ]);
    }
    assert.equal(dev.outputs.catalogUrl, "https://amundsen-dev.example.com");
    assert.equal(prod.outputs.oidcIssuer, "https://example.okta.com/oauth2/default");
  });

  it("deploys dev as one replica of each service on kind, with per-pod tokens and the sample catalog", () => {
    for (const name of ["frontend", "metadata", "search"]) assert.equal(replicasOf(dev, name), 1);
    assert.equal(
      frontendEnv(dev).get("SQLALCHEMY_DATABASE_URI")?.value,
      "sqlite:////tmp/flaskoidc-tokens.db",
    );
    assert.deepEqual(all(dev, "kubernetes:policy/v1:PodDisruptionBudget"), []);
    assert.equal(all(dev, "kubernetes:batch/v1:Job").length, 1);
    const ingress = find(dev, "kubernetes:networking.k8s.io/v1:Ingress", "frontend").rawInputs
      .spec as { ingressClassName: string };
    assert.equal(ingress.ingressClassName, "nginx");
    for (const claim of all(dev, "kubernetes:core/v1:PersistentVolumeClaim"))
      assert.equal(claim.options.retainOnDelete, false);
  });

  it("deploys prod with two replicas of each service sharing a token store, with disruption budgets", () => {
    for (const name of ["frontend", "metadata", "search"]) assert.equal(replicasOf(prod, name), 2);
    assert.deepEqual(
      all(prod, "kubernetes:policy/v1:PodDisruptionBudget")
        .map((p) => p.name)
        .sort(),
      ["frontend", "metadata", "search"],
    );
    assert.ok(find(prod, "kubernetes:apps/v1:StatefulSet", "token-store"));
    assert.deepEqual(all(prod, "kubernetes:batch/v1:Job"), []);
  });

  it("keeps prod's datastore volumes and their namespace on destroy, but not the disposable sessions", () => {
    const claims = all(prod, "kubernetes:core/v1:PersistentVolumeClaim");
    const kept = claims.filter((c) => c.options.retainOnDelete).map((c) => c.name);
    assert.deepEqual(kept.sort(), ["elasticsearch-data", "neo4j-data"]);
    assert.equal(
      find(prod, "kubernetes:core/v1:PersistentVolumeClaim", "token-store-data").options
        .retainOnDelete,
      false,
    );
    assert.equal(
      find(prod, "kubernetes:core/v1:Namespace", "namespace").options.retainOnDelete,
      true,
    );
  });

  it("assigns prod's Okta app to the configured groups and signs out at Okta", () => {
    assert.equal(all(prod, "okta:app/groupAssignment:GroupAssignment").length, 2);
    assert.deepEqual(oktaApp(prod).postLogoutRedirectUris, ["https://amundsen.example.com/"]);
  });

  it("gives every container probes, requests and limits, and restricted security", () => {
    for (const run of [dev, prod]) {
      for (const workload of run.resources.filter((r) =>
        /Deployment|StatefulSet|batch\/v1:Job/.test(r.type),
      )) {
        const spec = podSpec(workload);
        assert.equal(spec.securityContext?.runAsNonRoot, true, workload.name);
        for (const c of spec.containers) {
          const where = `${workload.name}/${c.name}`;
          if (!workload.type.endsWith("Job")) assert.ok(c.readinessProbe && c.livenessProbe, where);
          for (const field of ["requests", "limits"] as const) {
            assert.ok(
              c.resources?.[field]?.cpu && c.resources?.[field]?.memory,
              `${where} ${field}`,
            );
          }
          assert.equal(c.securityContext?.allowPrivilegeEscalation, false, where);
          assert.deepEqual(c.securityContext?.capabilities, { drop: ["ALL"] }, where);
        }
      }
    }
  });

  it("uses an existing OIDC client and an existing image without Okta or an image builder", async () => {
    const run = await runStack(
      "prod",
      {
        "amundsen-sso:oidcClientId": "0oa-existing",
        "amundsen-sso:oidcClientSecret": "existing-secret",
        "amundsen-sso:oidc": { logout: "idp" },
        "amundsen-sso:image": {
          existing: `registry.example.com/data/amundsen-frontend@sha256:${"c".repeat(64)}`,
        },
      },
      { secretKeys: ["amundsen-sso:oidcClientId", "amundsen-sso:oidcClientSecret"] },
    );
    assert.equal(run.error, undefined, run.error?.message);
    assert.deepEqual(
      run.resources.filter((r) => r.type.startsWith("okta:") || r.type.startsWith("docker-build:")),
      [],
    );
    assert.equal(run.outputs.oidcClientId, "[secret]");
    const [container] = podSpec(find(run, "kubernetes:apps/v1:Deployment", "frontend")).containers;
    assert.equal(
      container?.image,
      `registry.example.com/data/amundsen-frontend@sha256:${"c".repeat(64)}`,
    );
  });
});
