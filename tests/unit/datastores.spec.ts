import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Elasticsearch, hasGeoipDownloader } from "../../components/elasticsearch";
import { Neo4j } from "../../components/neo4j";
import { sizingFor } from "../../components/sizing";
import { TokenStore } from "../../components/tokenStore";
import { datastoreSupport } from "../../components/versions";
import { all, envOf, find, podSpec, runComponents } from "../harness/program";

const sizing = sizingFor("development", "neo4j");

describe("datastores", () => {
  it("runs Neo4j from the compatibility table with a generated password and a kept volume", async () => {
    const run = await runComponents(() => {
      const neo4j = new Neo4j("neo4j", {
        namespace: "ns",
        sizing,
        memory: { heap: "384m", pageCache: "128m" },
        retainVolume: true,
      });
      return { proxyHost: neo4j.proxyHost };
    });
    const sts = find(run, "kubernetes:apps/v1:StatefulSet", "neo4j");
    const [container] = podSpec(sts).containers;
    assert.equal(container?.image, `neo4j:${datastoreSupport.neo4j.defaultVersion}`);
    assert.deepEqual(envOf(sts, "neo4j").get("NEO4J_AUTH")?.valueFrom, {
      secretKeyRef: { name: "neo4j-credentials", key: "NEO4J_AUTH" },
    });
    assert.equal(
      find(run, "random:index/randomPassword:RandomPassword", "neo4j-password").rawInputs.special,
      false,
    );
    assert.equal(
      find(run, "kubernetes:core/v1:PersistentVolumeClaim", "neo4j-data").options.retainOnDelete,
      true,
    );
    assert.equal(run.outputs.proxyHost, "bolt://neo4j.ns.svc");
    const service = find(run, "kubernetes:core/v1:Service", "neo4j").rawInputs as {
      spec: { ports: { port: number }[] };
    };
    assert.deepEqual(
      service.spec.ports.map((p) => p.port),
      [7687, 7474],
    );
  });

  it("uses an external Neo4j without deploying one, keeping its password in a Secret", async () => {
    const run = await runComponents(() => {
      const neo4j = new Neo4j("neo4j", {
        namespace: "ns",
        sizing,
        memory: { heap: "1g", pageCache: "1g" },
        external: {
          host: "bolt://graph.example.com",
          port: 7687,
          username: "amundsen",
          password: pulumi.secret("pw"),
        },
      });
      return { proxyHost: neo4j.proxyHost };
    });
    assert.deepEqual(all(run, "kubernetes:apps/v1:StatefulSet"), []);
    assert.equal(
      find(run, "kubernetes:core/v1:Secret", "neo4j-credentials").inputs.stringData,
      "[secret]",
    );
    assert.equal(run.outputs.proxyHost, "bolt://graph.example.com");
  });

  it("runs a single-node Elasticsearch with its heap set and no privileged init container", async () => {
    const run = await runComponents(() => {
      const es = new Elasticsearch("elasticsearch", { namespace: "ns", sizing, heap: "384m" });
      return { endpoint: es.endpoint };
    });
    const sts = find(run, "kubernetes:apps/v1:StatefulSet", "elasticsearch");
    const env = envOf(sts, "elasticsearch");
    assert.equal(env.get("discovery.type")?.value, "single-node");
    assert.equal(env.get("ES_JAVA_OPTS")?.value, "-Xms384m -Xmx384m");
    assert.equal(podSpec(sts).initContainers, undefined);
    assert.equal(run.outputs.endpoint, "http://elasticsearch.ns.svc:9200");
    assert.equal(
      find(run, "kubernetes:core/v1:PersistentVolumeClaim", "elasticsearch-data").options
        .retainOnDelete,
      false,
    );
  });

  it("turns the GeoIP download off only on Elasticsearch releases that know the setting", () => {
    assert.equal(hasGeoipDownloader("8.0.0"), true);
    assert.equal(hasGeoipDownloader("7.17.9"), true);
    assert.equal(hasGeoipDownloader("7.10.2"), false);
  });

  it("gives the token store a connection URI only through a Secret", async () => {
    const run = await runComponents(() => {
      new TokenStore("token-store", {
        namespace: "ns",
        sizing: sizingFor("production", "token-store"),
      });
      return undefined;
    });
    const secret = find(run, "kubernetes:core/v1:Secret", "token-store-credentials").rawInputs as {
      stringData: Record<string, string>;
    };
    assert.match(
      secret.stringData.uri ?? "",
      /^postgresql\+psycopg2:\/\/flaskoidc:fake[0-9a-f]+@token-store\.ns\.svc:5432\/flaskoidc$/,
    );
    const env = envOf(find(run, "kubernetes:apps/v1:StatefulSet", "token-store"), "token-store");
    assert.deepEqual(env.get("POSTGRES_PASSWORD")?.valueFrom, {
      secretKeyRef: { name: "token-store-credentials", key: "password" },
    });
  });
});
