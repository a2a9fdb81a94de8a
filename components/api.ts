import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  httpProbe,
  labelsFor,
  type Part,
  restrictedContainer,
  restrictedPod,
  type Sizing,
  scratchVolume,
  selectorFor,
  tcpProbe,
} from "./workload";

/** Ports the upstream images serve on; the frontend calls them through these. */
export const apiPorts = { metadata: 5002, search: 5001 } as const;

export interface AmundsenApiArgs {
  /** metadata or search. */
  part: "metadata" | "search";
  /** Namespace to deploy into; pass the AmundsenNamespace output so the objects wait for it. */
  namespace: pulumi.Input<string>;
  /** Upstream image, pinned in versions.ts. */
  image: string;
  /** Python module gunicorn serves, such as `metadata_service.metadata_wsgi`. */
  wsgiModule: string;
  /** Environment; credentials only as `secretKeyRef`. */
  env: k8s.types.input.core.v1.EnvVar[];
  /** @default 1 */
  replicas?: number;
  /** CPU and memory requests and limits (components/sizing.ts has them per tier). */
  sizing: Sizing;
  /** The datastore this service needs; it is deployed first. @default none */
  dependsOn?: pulumi.Resource[];
}

/**
 * AmundsenApi runs one of Amundsen's backend services (metadata or search) under gunicorn, with a
 * ClusterIP Service. Neither has a login of its own: only the frontend may call them, which the
 * namespace's NetworkPolicies enforce.
 */
export class AmundsenApi extends pulumi.ComponentResource {
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly service: k8s.core.v1.Service;
  public readonly podDisruptionBudget?: k8s.policy.v1.PodDisruptionBudget;
  /** Base URL other services call, such as `http://metadata.amundsen.svc:5002`. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: AmundsenApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("amundsen-sso:index:AmundsenApi", name, {}, opts);

    const port = apiPorts[args.part];
    const replicas = args.replicas ?? 1;
    const labels = labelsFor(args.part);
    const metadata = { name: args.part, namespace: args.namespace, labels };

    this.deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata,
        spec: {
          replicas,
          selector: { matchLabels: selectorFor(args.part) },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels },
            spec: podSpec(args.part, args.image, args.wsgiModule, port, args.env, args.sizing),
          },
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );

    this.service = new k8s.core.v1.Service(
      name,
      {
        metadata,
        spec: {
          selector: selectorFor(args.part),
          ports: [{ name: "http", port, targetPort: "http" }],
        },
      },
      { parent: this },
    );

    if (replicas > 1) {
      this.podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
        name,
        {
          metadata,
          spec: { maxUnavailable: 1, selector: { matchLabels: selectorFor(args.part) } },
        },
        { parent: this },
      );
    }

    this.url = pulumi.interpolate`http://${this.service.metadata.name}.${this.service.metadata.namespace}.svc:${port}`;
    this.registerOutputs({ url: this.url });
  }
}

function podSpec(
  part: Part,
  image: string,
  wsgiModule: string,
  port: number,
  env: k8s.types.input.core.v1.EnvVar[],
  sizing: Sizing,
): k8s.types.input.core.v1.PodSpec {
  return {
    securityContext: restrictedPod(10001),
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    containers: [
      {
        name: part,
        image,
        // The images' default command is Flask's debug server; gunicorn is installed in them.
        command: [
          "gunicorn",
          "--workers",
          "2",
          "--bind",
          `:${port}`,
          "--timeout",
          "120",
          wsgiModule,
        ],
        env,
        ports: [{ name: "http", containerPort: port }],
        resources: sizing,
        securityContext: restrictedContainer(true),
        // /healthcheck checks the datastore: use it to gate traffic, but restart only on a dead process.
        readinessProbe: httpProbe("/healthcheck", port, 10),
        livenessProbe: tcpProbe(port, 20, 6),
        startupProbe: tcpProbe(port, 5, 60),
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
      },
    ],
    volumes: [scratchVolume("tmp")],
  };
}

/** metadata's environment: Neo4j through the proxy settings its LocalConfig reads. */
export function metadataEnv(neo4j: {
  proxyHost: pulumi.Input<string>;
  port: number;
  username: string;
  encrypted: boolean;
  secretName: string;
}): k8s.types.input.core.v1.EnvVar[] {
  return [
    { name: "METADATA_SVC_CONFIG_MODULE_CLASS", value: "metadata_service.config.LocalConfig" },
    { name: "PROXY_CLIENT", value: "NEO4J" },
    { name: "PROXY_HOST", value: neo4j.proxyHost },
    { name: "PROXY_PORT", value: String(neo4j.port) },
    // Same flag as Neo4j's bolt TLS level, so client and server always agree.
    { name: "PROXY_ENCRYPTED", value: neo4j.encrypted ? "True" : "False" },
    // Neo4j's own certificate is self-signed.
    { name: "PROXY_VALIDATE_SSL", value: "False" },
    { name: "CREDENTIALS_PROXY_USER", value: neo4j.username },
    {
      name: "CREDENTIALS_PROXY_PASSWORD",
      valueFrom: { secretKeyRef: { name: neo4j.secretName, key: "password" } },
    },
  ];
}

/** search's environment: the Elasticsearch endpoint, and credentials only for an external cluster. */
export function searchEnv(elasticsearch: {
  endpoint: pulumi.Input<string>;
  credentials?: { username: string; secretName: string; key: string };
}): k8s.types.input.core.v1.EnvVar[] {
  const { credentials } = elasticsearch;
  return [
    { name: "SEARCH_SVC_CONFIG_MODULE_CLASS", value: "search_service.config.LocalConfig" },
    { name: "PROXY_ENDPOINT", value: elasticsearch.endpoint },
    ...(credentials
      ? [
          { name: "CREDENTIALS_PROXY_USER", value: credentials.username },
          {
            name: "CREDENTIALS_PROXY_PASSWORD",
            valueFrom: { secretKeyRef: { name: credentials.secretName, key: credentials.key } },
          },
        ]
      : []),
  ];
}
