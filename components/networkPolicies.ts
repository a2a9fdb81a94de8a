import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type Part, selectorFor } from "./workload";

/** Where a connection may come from or go to, besides Amundsen's own parts. */
export type Peer = Part | "anywhere" | "internet";

/** One allowed TCP connection. */
export interface Connection {
  readonly from: Peer;
  readonly to: Peer;
  readonly port: number;
  /** Why Amundsen needs it, as a comment on the generated policy. */
  readonly reason: string;
}

/**
 * Private address ranges, excluded from "internet" egress so that a compromised pod cannot use the
 * HTTPS allowance to reach other services inside the cluster or the VPC.
 */
const privateRanges = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "169.254.0.0/16",
  "100.64.0.0/10",
];
/** The same for IPv6 and dual-stack clusters: unique local and link-local addresses. */
const privateRanges6 = ["fc00::/7", "fe80::/10"];

export interface NetworkPoliciesArgs {
  /** Namespace to deploy into; pass the AmundsenNamespace output so the objects wait for it. */
  namespace: pulumi.Input<string>;
  /** Every connection Amundsen needs; anything else is denied. */
  connections: Connection[];
}

/**
 * NetworkPolicies for the namespace: deny all traffic in both directions by default, allow DNS,
 * then allow exactly the listed connections, each from both ends (egress on the client, ingress on
 * the server), because a connection needs both sides to allow it.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export class NetworkPolicies extends pulumi.ComponentResource {
  public readonly policies: k8s.networking.v1.NetworkPolicy[] = [];

  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("amundsen-sso:index:NetworkPolicies", name, {}, opts);

    const policy = (policyName: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
      this.policies.push(
        new k8s.networking.v1.NetworkPolicy(
          `${name}-${policyName}`,
          { metadata: { name: policyName, namespace: args.namespace }, spec },
          { parent: this },
        ),
      );

    policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    // Node-local DNS caches listen on link-local addresses, so DNS is allowed to any address.
    policy("allow-dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    });

    const parts = [...new Set(args.connections.flatMap((c) => [c.from, c.to]))].filter(isPart);
    for (const part of parts) {
      const inbound = args.connections.filter((c) => c.to === part);
      const outbound = args.connections.filter((c) => c.from === part);
      policy(`${part}`, {
        podSelector: { matchLabels: selectorFor(part) },
        policyTypes: ["Ingress", "Egress"],
        ingress: inbound.map((c) => ({
          from: peerSelector(c.from),
          ports: [{ protocol: "TCP", port: c.port }],
        })),
        egress: outbound.map((c) => ({
          to: peerSelector(c.to),
          ports: [{ protocol: "TCP", port: c.port }],
        })),
      });
    }

    this.registerOutputs({});
  }
}

function isPart(peer: Peer): peer is Part {
  return peer !== "anywhere" && peer !== "internet";
}

function peerSelector(peer: Peer): k8s.types.input.networking.v1.NetworkPolicyPeer[] | undefined {
  if (peer === "anywhere") return undefined;
  if (peer === "internet")
    return [
      { ipBlock: { cidr: "0.0.0.0/0", except: privateRanges } },
      { ipBlock: { cidr: "::/0", except: privateRanges6 } },
    ];
  return [{ podSelector: { matchLabels: selectorFor(peer) } }];
}

/** What decides which connections Amundsen needs. */
export interface ConnectionPlan {
  ports: {
    frontend: number;
    metadata: number;
    search: number;
    neo4j: number;
    elasticsearch: number;
    tokenStore: number;
  };
  /** The token store runs in the namespace (`in-cluster`), elsewhere (`external`), or is per pod. */
  tokenStore: "sqlite" | "in-cluster" | "external";
  /** Neo4j and Elasticsearch are outside the namespace. */
  externalNeo4j: boolean;
  externalElasticsearch: boolean;
  sampleData: boolean;
}

/** The connection table: every TCP connection Amundsen's parts make, and nothing more. */
export function amundsenConnections(plan: ConnectionPlan): Connection[] {
  const { ports } = plan;
  const neo4j: Peer = plan.externalNeo4j ? "anywhere" : "neo4j";
  const elasticsearch: Peer = plan.externalElasticsearch ? "anywhere" : "elasticsearch";
  return [
    {
      from: "anywhere",
      to: "frontend",
      port: ports.frontend,
      reason: "users, through the ingress controller",
    },
    { from: "frontend", to: "metadata", port: ports.metadata, reason: "catalog API" },
    { from: "frontend", to: "search", port: ports.search, reason: "search API" },
    {
      from: "frontend",
      to: "internet",
      port: 443,
      reason: "Okta discovery, token and keys endpoints",
    },
    ...(plan.tokenStore === "in-cluster"
      ? [
          {
            from: "frontend",
            to: "token-store",
            port: ports.tokenStore,
            reason: "shared OAuth tokens",
          } as const,
        ]
      : plan.tokenStore === "external"
        ? [
            {
              from: "frontend",
              to: "anywhere",
              port: ports.tokenStore,
              reason: "shared OAuth tokens",
            } as const,
          ]
        : []),
    { from: "metadata", to: neo4j, port: ports.neo4j, reason: "Bolt" },
    { from: "search", to: elasticsearch, port: ports.elasticsearch, reason: "Elasticsearch REST" },
    ...(plan.sampleData
      ? ([
          { from: "sample-data", to: "neo4j", port: ports.neo4j, reason: "loads the sample graph" },
          {
            from: "sample-data",
            to: "elasticsearch",
            port: ports.elasticsearch,
            reason: "builds the search indices",
          },
          {
            from: "sample-data",
            to: "internet",
            port: 443,
            reason: "PyPI and the sample files' archive",
          },
        ] as const)
      : []),
  ];
}
