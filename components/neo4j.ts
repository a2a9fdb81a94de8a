import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Datastore } from "./datastore";
import { datastoreSupport } from "./versions";
import { labelsFor, type Sizing, tcpProbe } from "./workload";

export const boltPort = 7687;
/** The Secret holding `password` and `NEO4J_AUTH`. */
export const neo4jCredentialsSecret = "neo4j-credentials";
const httpPort = 7474;

export interface Neo4jArgs {
  /** Namespace to deploy into; pass the AmundsenNamespace output so the objects wait for it. */
  namespace: pulumi.Input<string>;
  /** Neo4j release from the compatibility table. @default datastoreSupport.neo4j.defaultVersion */
  version?: string;
  /**
   * Bolt over TLS. Drives both Neo4j's `dbms.connector.bolt.tls_level` and metadata's
   * PROXY_ENCRYPTED, so the two ends always agree. Neo4j 3.5 generates a self-signed
   * certificate, which metadata accepts (PROXY_VALIDATE_SSL stays False). @default false
   */
  boltTls?: boolean;
  /** Volume size. @default "10Gi" */
  storageSize?: string;
  /** StorageClass. @default the cluster default */
  storageClassName?: string;
  /** Keep the volume when the stack is destroyed. @default false */
  retainVolume?: boolean;
  /** CPU and memory requests and limits (components/sizing.ts has them per tier). */
  sizing: Sizing;
  /** JVM heap and page cache, such as "384m". */
  memory: { heap: string; pageCache: string };
  /**
   * Password of the Neo4j this component deploys, as a secret: set it to reattach a volume kept
   * from an earlier stack, whose data only opens with the password it was created with.
   * @default a generated password
   */
  password?: pulumi.Input<string>;
  /**
   * An existing Neo4j instead of deploying one: `bolt://host` plus port, user and a secret
   * password. @default unset: deploy Neo4j in the namespace
   */
  external?: { host: string; port: number; username: string; password: pulumi.Input<string> };
}

/**
 * Neo4j, the graph store behind Amundsen's metadata service, and the credentials metadata uses to
 * reach it. Either a single-node StatefulSet with a generated password, or an existing server.
 */
export class Neo4j extends pulumi.ComponentResource {
  public readonly datastore?: Datastore;
  /** Holds `password` (for metadata) and `NEO4J_AUTH` (for the server). */
  public readonly credentials: k8s.core.v1.Secret;
  /** Value for metadata's PROXY_HOST: scheme and host, no port. */
  public readonly proxyHost: pulumi.Output<string>;
  public readonly port: number;
  public readonly username: string;
  public readonly encrypted: boolean;

  constructor(name: string, args: Neo4jArgs, opts?: pulumi.ComponentResourceOptions) {
    super("amundsen-sso:index:Neo4j", name, {}, opts);

    this.username = args.external?.username ?? "neo4j";
    this.port = args.external?.port ?? boltPort;
    this.encrypted = args.boltTls ?? false;

    // Limitation: a kept volume only opens with the password it was created with; see README "Troubleshooting".
    const given = args.external?.password ?? args.password;
    const password = given
      ? pulumi.secret(given)
      : new random.RandomPassword(
          `${name}-password`,
          { length: 32, special: false },
          { parent: this },
        ).result;
    this.credentials = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: {
          name: neo4jCredentialsSecret,
          namespace: args.namespace,
          labels: labelsFor("neo4j"),
        },
        type: "Opaque",
        stringData: {
          password: pulumi.secret(password),
          NEO4J_AUTH: pulumi.secret(pulumi.interpolate`${this.username}/${password}`),
        },
      },
      { parent: this },
    );

    if (args.external) {
      this.proxyHost = pulumi.output(args.external.host);
      this.registerOutputs({ proxyHost: this.proxyHost });
      return;
    }

    const version = args.version ?? datastoreSupport.neo4j.defaultVersion;
    const setting = (key: string, value: string) => ({ name: `NEO4J_${key}`, value });
    this.datastore = new Datastore(
      name,
      {
        part: "neo4j",
        namespace: args.namespace,
        image: `${datastoreSupport.neo4j.repository}:${version}`,
        ports: [
          { name: "bolt", port: boltPort },
          { name: "http", port: httpPort },
        ],
        env: [
          {
            name: "NEO4J_AUTH",
            valueFrom: { secretKeyRef: { name: neo4jCredentialsSecret, key: "NEO4J_AUTH" } },
          },
          setting("dbms_memory_heap_initial__size", args.memory.heap),
          setting("dbms_memory_heap_max__size", args.memory.heap),
          setting("dbms_memory_pagecache_size", args.memory.pageCache),
          setting("dbms_connector_bolt_tls__level", this.encrypted ? "REQUIRED" : "DISABLED"),
        ],
        uid: 7474,
        sizing: args.sizing,
        storage: {
          size: args.storageSize ?? "10Gi",
          className: args.storageClassName,
          mountPath: "/data",
          retain: args.retainVolume ?? false,
        },
        scratchPaths: { logs: "/logs" },
        probes: {
          startupProbe: tcpProbe(boltPort, 10, 60),
          readinessProbe: tcpProbe(boltPort, 10),
          livenessProbe: tcpProbe(boltPort, 20, 6),
        },
        dependsOn: [this.credentials],
      },
      { parent: this },
    );

    this.proxyHost = pulumi.interpolate`bolt://${this.datastore.host}`;
    this.registerOutputs({ proxyHost: this.proxyHost });
  }
}
