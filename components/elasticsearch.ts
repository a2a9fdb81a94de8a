import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Datastore } from "./datastore";
import { datastoreSupport } from "./versions";
import { httpProbe, labelsFor, type Sizing, tcpProbe } from "./workload";

export const elasticsearchPort = 9200;
/** The Secret holding an external cluster's `password`. */
export const elasticsearchCredentialsSecret = "elasticsearch-credentials";

/** Whether a release has the GeoIP downloader setting (7.14 and later); older ones refuse it. */
export function hasGeoipDownloader(version: string): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > 7 || (major === 7 && minor >= 14);
}

/** The TCP port an http(s) URL connects to. */
export function urlPort(url: string): number {
  const parsed = new URL(url);
  return parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
}

export interface ElasticsearchArgs {
  /** Namespace to deploy into; pass the AmundsenNamespace output so the objects wait for it. */
  namespace: pulumi.Input<string>;
  /** Release from the compatibility table. @default datastoreSupport.elasticsearch.defaultVersion */
  version?: string;
  /** Volume size. @default "10Gi" */
  storageSize?: string;
  /** StorageClass. @default the cluster default */
  storageClassName?: string;
  /** Keep the volume when the stack is destroyed. @default false */
  retainVolume?: boolean;
  /** CPU and memory requests and limits (components/sizing.ts has them per tier). */
  sizing: Sizing;
  /** JVM heap, such as "384m". */
  heap: string;
  /**
   * An existing cluster instead of deploying one: its URL, and a user with a secret password if it
   * needs authentication. @default unset: deploy in the namespace
   */
  external?: { endpoint: string; username: string; password?: pulumi.Input<string> };
}

/**
 * Elasticsearch, the index behind Amundsen's search service: a single node, or an existing cluster.
 *
 * Memory-mapped index files are turned off (`node.store.allow_mmap`), which removes the
 * `vm.max_map_count` node prerequisite and so the privileged sysctl init container that would break
 * the namespace's restricted Pod Security level; search speed is ample for a catalog.
 */
export class Elasticsearch extends pulumi.ComponentResource {
  public readonly datastore?: Datastore;
  /** Value for search's PROXY_ENDPOINT. */
  public readonly endpoint: pulumi.Output<string>;
  /** Credentials for an external cluster that needs them, under `password`. */
  public readonly credentials?: k8s.core.v1.Secret;

  constructor(name: string, args: ElasticsearchArgs, opts?: pulumi.ComponentResourceOptions) {
    super("amundsen-sso:index:Elasticsearch", name, {}, opts);

    if (args.external !== undefined) {
      this.endpoint = pulumi.output(args.external.endpoint);
      if (args.external.password !== undefined) {
        this.credentials = new k8s.core.v1.Secret(
          `${name}-credentials`,
          {
            metadata: {
              name: elasticsearchCredentialsSecret,
              namespace: args.namespace,
              labels: labelsFor("elasticsearch"),
            },
            type: "Opaque",
            stringData: { password: pulumi.secret(args.external.password) },
          },
          { parent: this },
        );
      }
      this.registerOutputs({ endpoint: this.endpoint });
      return;
    }

    const version = args.version ?? datastoreSupport.elasticsearch.defaultVersion;
    pulumi.log.info(
      "Elasticsearch runs without authentication; NetworkPolicies let only search and the sample loader reach it.",
      this,
    );
    this.datastore = new Datastore(
      name,
      {
        part: "elasticsearch",
        namespace: args.namespace,
        image: `${datastoreSupport.elasticsearch.repository}:${version}`,
        ports: [{ name: "http", port: elasticsearchPort }],
        env: [
          { name: "discovery.type", value: "single-node" },
          { name: "cluster.name", value: "amundsen" },
          { name: "node.store.allow_mmap", value: "false" },
          // Limitation: no authentication; only the search service and the sample loader may connect (NetworkPolicy).
          { name: "xpack.security.enabled", value: "false" },
          { name: "ES_JAVA_OPTS", value: `-Xms${args.heap} -Xmx${args.heap}` },
          // The GeoIP database download (7.14+) is blocked by the NetworkPolicy anyway.
          ...(hasGeoipDownloader(version)
            ? [{ name: "ingest.geoip.downloader.enabled", value: "false" }]
            : []),
        ],
        uid: 1000,
        sizing: args.sizing,
        storage: {
          size: args.storageSize ?? "10Gi",
          className: args.storageClassName,
          mountPath: "/usr/share/elasticsearch/data",
          retain: args.retainVolume ?? false,
        },
        scratchPaths: { logs: "/usr/share/elasticsearch/logs" },
        probes: {
          startupProbe: tcpProbe(elasticsearchPort, 10, 60),
          readinessProbe: httpProbe("/_cluster/health?local=true", elasticsearchPort, 10),
          livenessProbe: tcpProbe(elasticsearchPort, 20, 6),
        },
      },
      { parent: this },
    );

    this.endpoint = pulumi.interpolate`http://${this.datastore.host}:${elasticsearchPort}`;
    this.registerOutputs({ endpoint: this.endpoint });
  }
}
