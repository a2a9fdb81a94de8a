import * as assert from "node:assert/strict";
import { AmundsenNamespace } from "../../components/namespace";
import { SampleData, sampleSourceUrl } from "../../components/sampleData";
import { sizingFor } from "../../components/sizing";
import { amundsen } from "../../components/versions";
import { envOf, find, podSpec, runComponents } from "../harness/program";

describe("AmundsenNamespace", () => {
  it("enforces the restricted Pod Security Standard", async () => {
    const run = await runComponents(() => {
      new AmundsenNamespace("ns", { name: "amundsen" });
      return undefined;
    });
    const labels = (
      find(run, "kubernetes:core/v1:Namespace", "ns").rawInputs.metadata as {
        labels: Record<string, string>;
      }
    ).labels;
    assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
  });

  it("can be kept on destroy so retained volumes keep their namespace", async () => {
    const run = await runComponents(() => {
      new AmundsenNamespace("ns", { name: "amundsen", retain: true });
      return undefined;
    });
    assert.equal(find(run, "kubernetes:core/v1:Namespace", "ns").options.retainOnDelete, true);
  });
});

describe("SampleData", () => {
  it("loads the pinned databuilder release's sample catalog with the generated Neo4j password", async () => {
    const run = await runComponents(() => {
      new SampleData("sample-data", {
        namespace: "ns",
        elasticsearchHost: "elasticsearch.ns.svc",
        neo4jHost: "neo4j.ns.svc",
        neo4jSecretName: "neo4j-credentials",
        sizing: sizingFor("development", "sample-data"),
        dependsOn: [],
      });
      return undefined;
    });
    const job = find(run, "kubernetes:batch/v1:Job", "sample-data");
    const [container] = podSpec(job).containers;
    const script = container?.command?.[2] ?? "";
    assert.ok(script.includes(`amundsen-databuilder==${amundsen.databuilder}`));
    assert.ok(script.includes(sampleSourceUrl));
    assert.match(
      script,
      /grep -qx "neo4j_password = 'test'"/,
      "fails loudly if the upstream script changes",
    );
    assert.deepEqual(envOf(job, "loader").get("NEO4J_PASSWORD")?.valueFrom, {
      secretKeyRef: { name: "neo4j-credentials", key: "password" },
    });
    assert.equal(container?.securityContext?.readOnlyRootFilesystem, true);
  });
});
