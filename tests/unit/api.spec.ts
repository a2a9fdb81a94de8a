import * as assert from "node:assert/strict";
import { AmundsenApi, metadataEnv, searchEnv } from "../../components/api";
import { sizingFor } from "../../components/sizing";
import { images } from "../../components/versions";
import { all, find, podSpec, runComponents } from "../harness/program";

describe("AmundsenApi", () => {
  it("serves metadata with gunicorn on 5002, gated on /healthcheck, restarted only when the port dies", async () => {
    const run = await runComponents(() => {
      const api = new AmundsenApi("metadata", {
        part: "metadata",
        namespace: "ns",
        image: images.metadata,
        wsgiModule: "metadata_service.metadata_wsgi",
        env: [],
        sizing: sizingFor("development", "metadata"),
      });
      return { url: api.url };
    });
    const [container] = podSpec(find(run, "kubernetes:apps/v1:Deployment", "metadata")).containers;
    assert.deepEqual(container?.command?.slice(-1), ["metadata_service.metadata_wsgi"]);
    assert.ok(container?.command?.includes(":5002"));
    assert.deepEqual(container?.readinessProbe?.httpGet, { path: "/healthcheck", port: 5002 });
    assert.deepEqual(container?.livenessProbe?.tcpSocket, { port: 5002 });
    assert.equal(run.outputs.url, "http://metadata.ns.svc:5002");
    assert.deepEqual(all(run, "kubernetes:policy/v1:PodDisruptionBudget"), []);
  });

  it("adds a PodDisruptionBudget for more than one search replica", async () => {
    const run = await runComponents(() => {
      new AmundsenApi("search", {
        part: "search",
        namespace: "ns",
        image: images.search,
        wsgiModule: "search_service.search_wsgi",
        env: [],
        replicas: 2,
        sizing: sizingFor("production", "search"),
      });
      return undefined;
    });
    assert.equal(all(run, "kubernetes:policy/v1:PodDisruptionBudget").length, 1);
  });

  it("points metadata at Neo4j with the proxy variables its config reads", () => {
    const env = new Map(
      metadataEnv({
        proxyHost: "bolt://neo4j.ns.svc",
        port: 7687,
        username: "neo4j",
        encrypted: false,
        secretName: "neo4j-credentials",
      }).map((e) => [e.name, e]),
    );
    assert.equal(env.get("PROXY_HOST")?.value, "bolt://neo4j.ns.svc");
    assert.equal(env.get("PROXY_PORT")?.value, "7687");
    assert.deepEqual(env.get("CREDENTIALS_PROXY_PASSWORD")?.valueFrom, {
      secretKeyRef: { name: "neo4j-credentials", key: "password" },
    });
  });

  it("points search at Elasticsearch through PROXY_ENDPOINT, never the nonexistent ES_HOST", () => {
    const names = searchEnv({ endpoint: "http://elasticsearch.ns.svc:9200" }).map((e) => e.name);
    assert.ok(names.includes("PROXY_ENDPOINT"));
    assert.ok(!names.includes("ES_HOST"));
    assert.ok(
      !names.includes("CREDENTIALS_PROXY_PASSWORD"),
      "the in-cluster node has no password to send",
    );
  });
});
