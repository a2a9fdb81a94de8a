import * as assert from "node:assert/strict";
import {
  amundsenConnections,
  type ConnectionPlan,
  NetworkPolicies,
} from "../../components/networkPolicies";
import { all, find, runComponents } from "../harness/program";

const plan = (overrides: Partial<ConnectionPlan> = {}): ConnectionPlan => ({
  ports: {
    frontend: 5000,
    metadata: 5002,
    search: 5001,
    neo4j: 7687,
    elasticsearch: 9200,
    tokenStore: 5432,
  },
  tokenStore: "sqlite",
  externalNeo4j: false,
  externalElasticsearch: false,
  sampleData: false,
  ...overrides,
});
const edges = (p: ConnectionPlan) =>
  amundsenConnections(p).map((c) => `${c.from}->${c.to}:${c.port}`);

describe("NetworkPolicies", () => {
  it("lists only the connections Amundsen makes", () => {
    assert.deepEqual(edges(plan()), [
      "anywhere->frontend:5000",
      "frontend->metadata:5002",
      "frontend->search:5001",
      "frontend->internet:443",
      "metadata->neo4j:7687",
      "search->elasticsearch:9200",
    ]);
  });

  it("adds the token store, external datastores and the sample loader only when they exist", () => {
    assert.ok(edges(plan({ tokenStore: "in-cluster" })).includes("frontend->token-store:5432"));
    assert.ok(edges(plan({ tokenStore: "external" })).includes("frontend->anywhere:5432"));
    assert.ok(edges(plan({ externalNeo4j: true })).includes("metadata->anywhere:7687"));
    assert.ok(!edges(plan({ externalNeo4j: true })).some((e) => e.includes("->neo4j")));
    const loader = edges(plan({ sampleData: true })).filter((e) => e.startsWith("sample-data"));
    assert.deepEqual(loader, [
      "sample-data->neo4j:7687",
      "sample-data->elasticsearch:9200",
      "sample-data->internet:443",
    ]);
  });

  it("denies everything by default and allows each connection at both ends", async () => {
    const run = await runComponents(() => {
      new NetworkPolicies("net", { namespace: "ns", connections: amundsenConnections(plan()) });
      return undefined;
    });
    const deny = find(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "net-default-deny")
      .rawInputs as {
      spec: { podSelector: object; policyTypes: string[]; ingress?: unknown };
    };
    assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    type Spec = {
      spec: {
        ingress: { from?: unknown; ports: { port: number }[] }[];
        egress: { to?: unknown; ports: { port: number }[] }[];
      };
    };
    const metadata = find(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "net-metadata")
      .rawInputs as Spec;
    assert.deepEqual(
      metadata.spec.ingress.map((r) => r.ports[0]?.port),
      [5002],
    );
    assert.deepEqual(
      metadata.spec.egress.map((r) => r.ports[0]?.port),
      [7687],
    );
    const neo4j = find(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "net-neo4j")
      .rawInputs as Spec;
    assert.deepEqual(neo4j.spec.egress, [], "Neo4j opens no connection of its own");
    assert.equal(all(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").length, 2 + 5);
  });

  it("keeps internet egress away from private address ranges", async () => {
    const run = await runComponents(() => {
      new NetworkPolicies("net", { namespace: "ns", connections: amundsenConnections(plan()) });
      return undefined;
    });
    const frontend = find(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "net-frontend")
      .rawInputs as {
      spec: { egress: { to?: { ipBlock?: { cidr: string; except: string[] } }[] }[] };
    };
    const internet = frontend.spec.egress.flatMap((r) => r.to ?? []).find((peer) => peer.ipBlock);
    assert.equal(internet?.ipBlock?.cidr, "0.0.0.0/0");
    assert.ok(internet?.ipBlock?.except.includes("10.0.0.0/8"));
    const ipv6 = frontend.spec.egress
      .flatMap((r) => r.to ?? [])
      .find((p) => p.ipBlock?.cidr === "::/0");
    assert.deepEqual(
      ipv6?.ipBlock?.except,
      ["fc00::/7", "fe80::/10"],
      "IPv6 clusters reach Okta too",
    );
  });
});
