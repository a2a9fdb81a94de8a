import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ClusterTarget, clusterDefaults, resolveIngress } from "../../components/cluster";
import { clusterPresets } from "../../components/config";
import { committedStacks, find, runComponents, runStack } from "../harness/program";

describe("ClusterTarget", () => {
  it("builds one provider from a secret kubeconfig and a context", async () => {
    const run = await runComponents(() => {
      new ClusterTarget("cluster", {
        kubeconfig: pulumi.secret("apiVersion: v1"),
        context: "prod",
      });
      return undefined;
    });
    const provider = find(run, "pulumi:providers:kubernetes", "cluster");
    assert.equal(provider.inputs.kubeconfig, "[secret]");
    assert.equal(provider.inputs.context, "prod");
    assert.equal(provider.inputs.clusterIdentifier, "prod");
    assert.equal(provider.parent, "cluster");
  });

  it("can render manifests to a directory instead of applying them", async () => {
    const run = await runComponents(() => {
      new ClusterTarget("cluster", { renderYamlToDirectory: "out/yaml" });
      return undefined;
    });
    assert.equal(
      find(run, "pulumi:providers:kubernetes", "cluster").inputs.renderYamlToDirectory,
      "out/yaml",
    );
    assert.ok(run.log.some((line) => /^warning: .*Secret data .* in plain text/.test(line)));
  });

  it("has a preset for every cluster flavour the config accepts", () => {
    assert.deepEqual(Object.keys(clusterDefaults).sort(), [...clusterPresets].sort());
    assert.equal(clusterDefaults.eks.ingressClassName, "alb");
    assert.equal(
      clusterDefaults.generic.ingressClassName,
      undefined,
      "generic uses the cluster's default class",
    );
  });

  it("selects GKE's controller by its annotation, and drops it when the stack names a class", () => {
    assert.deepEqual(resolveIngress("gke", {}), {
      className: undefined,
      annotations: { "kubernetes.io/ingress.class": "gce" },
    });
    assert.deepEqual(resolveIngress("gke", { className: "gce-internal-class" }), {
      className: "gce-internal-class",
      annotations: {},
    });
    assert.equal(resolveIngress("eks", { annotations: { a: "b" } }).annotations.a, "b");
  });

  it("asks GKE for container-native load balancing on the frontend Service", async () => {
    const run = await runStack("prod", {
      "amundsen-sso:cluster": { preset: "gke", kubeconfigPath: "/k" },
      "amundsen-sso:ingress": {},
    });
    assert.equal(run.error, undefined, run.error?.message);
    const service = find(run, "kubernetes:core/v1:Service", "frontend").rawInputs as {
      metadata: { annotations?: Record<string, string> };
    };
    assert.equal(service.metadata.annotations?.["cloud.google.com/neg"], '{"ingress": true}');
  });

  it("lets stack config override the preset's ingress class, annotations and storage class", async () => {
    const run = await runStack("dev", {
      "amundsen-sso:ingress": {
        className: "internal-nginx",
        annotations: { "example.com/team": "data" },
      },
      "amundsen-sso:storageClassName": "fast-ssd",
    });
    const ingress = find(run, "kubernetes:networking.k8s.io/v1:Ingress", "frontend").rawInputs as {
      metadata: { annotations: Record<string, string> };
      spec: { ingressClassName: string };
    };
    assert.equal(ingress.spec.ingressClassName, "internal-nginx");
    assert.equal(ingress.metadata.annotations["example.com/team"], "data");
    const claim = find(run, "kubernetes:core/v1:PersistentVolumeClaim", "neo4j-data").rawInputs as {
      spec: { storageClassName: string };
    };
    assert.equal(claim.spec.storageClassName, "fast-ssd");
  });

  it("sends every Kubernetes object of both stacks through the stack's explicit provider", async () => {
    for (const run of Object.values(await committedStacks())) {
      const objects = run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.custom);
      assert.ok(objects.length > 20);
      for (const object of objects)
        assert.equal(object.provider, "cluster", `${object.type}/${object.name}`);
    }
  });
});
