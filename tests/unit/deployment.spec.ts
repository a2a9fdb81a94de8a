/**
 * The whole deployment, checked on what `npm run render` produces for each committed stack: the
 * objects a cluster would receive, the inputs every provider would receive, and the outputs.
 */
import * as assert from "node:assert/strict";
import {
  developmentNode,
  fitsNode,
  type Manifest,
  schemaSource,
  totalResources,
  validateManifests,
  workloadResources,
} from "../../scripts/manifests";
import { stackFile } from "../../scripts/offline";
import { type Render, renderRun } from "../../scripts/render";
import { committedStacks } from "../harness/program";

type Stack = "dev" | "prod";

/**
 * Endpoints outside the namespace, as sources and destinations of connections: a pod in another
 * namespace (an ingress controller, CoreDNS), a private address outside the pod network (a VPC
 * host, a load balancer) and a public address.
 */
const clusterPod = "cluster-pod";
const privateHost = "private-host";
const internetHost = "internet-host";
const outside = [clusterPod, privateHost, internetHost];

/** The allow-dns policy: every pod may query DNS at any address (node-local caches included). */
const dnsFrom = (...pods: string[]) =>
  pods.flatMap((pod) =>
    outside.flatMap((to) => [`${pod} -> ${to} 53/TCP`, `${pod} -> ${to} 53/UDP`]),
  );

/**
 * Every connection the NetworkPolicies may allow, and so the specification they are checked
 * against. Users reach the frontend through an ingress controller, which can run in another
 * namespace, on the node network or outside the cluster (an ALB), so it is open to all of them.
 */
const intendedConnections: Record<Stack, string[]> = {
  dev: [
    `${clusterPod} -> frontend 5000/TCP`,
    `${privateHost} -> frontend 5000/TCP`,
    `${internetHost} -> frontend 5000/TCP`,
    "frontend -> metadata 5002/TCP",
    "frontend -> search 5001/TCP",
    `frontend -> ${internetHost} 443/TCP`,
    "metadata -> neo4j 7687/TCP",
    "search -> elasticsearch 9200/TCP",
    "sample-data -> neo4j 7687/TCP",
    "sample-data -> elasticsearch 9200/TCP",
    `sample-data -> ${internetHost} 443/TCP`,
    ...dnsFrom("frontend", "metadata", "search", "neo4j", "elasticsearch", "sample-data"),
  ],
  prod: [
    `${clusterPod} -> frontend 5000/TCP`,
    `${privateHost} -> frontend 5000/TCP`,
    `${internetHost} -> frontend 5000/TCP`,
    "frontend -> metadata 5002/TCP",
    "frontend -> search 5001/TCP",
    "frontend -> token-store 5432/TCP",
    `frontend -> ${internetHost} 443/TCP`,
    "metadata -> neo4j 7687/TCP",
    "search -> elasticsearch 9200/TCP",
    ...dnsFrom("frontend", "metadata", "search", "neo4j", "elasticsearch", "token-store"),
  ],
};

describe("the deployment as rendered", () => {
  const renders = {} as Record<Stack, Render>;
  before(async () => {
    const runs = await committedStacks();
    for (const stack of ["dev", "prod"] as const)
      renders[stack] = await renderRun(runs[stack], { stack, configFile: stackFile(stack) });
  });

  for (const stack of ["dev", "prod"] as const) {
    describe(`of the ${stack} stack`, () => {
      it("shows no secret value in plain text in the manifests, resource inputs, outputs or summary", () => {
        const { run, files, summary } = renders[stack];
        const secrets = secretValues(renders[stack]);
        assert.ok(
          secrets.length >= 4,
          `expected the generated passwords, session key and client secret; found ${secrets.length}`,
        );
        const published = {
          "manifests.yaml": files["manifests.yaml"],
          "resources.json": files["resources.json"],
          "stack outputs": JSON.stringify(run.outputs),
          summary,
        };
        const leaks = Object.entries(published).flatMap(([where, text]) =>
          secrets
            .filter(
              (secret) =>
                text.includes(secret) || text.includes(Buffer.from(secret).toString("base64")),
            )
            .map((secret) => `${where} contains ${secret.slice(0, 8)}…`),
        );
        assert.deepEqual(leaks, []);
      });

      it("uses only generally available Kubernetes API versions", () => {
        const preview = renders[stack].manifests
          .filter((m) => /(alpha|beta)[0-9]*$/.test(m.apiVersion))
          .map((m) => `${m.apiVersion} ${m.kind} ${m.metadata.name}`);
        assert.deepEqual(preview, []);
        const types = renders[stack].resources
          .map((r) => r.type)
          .filter((type) => /^kubernetes:.*\/v[0-9]+(alpha|beta)[0-9]*:/.test(type));
        assert.deepEqual(types, []);
      });

      it("gives every long-running container readiness and liveness probes, and bounds every Job in time instead", () => {
        const problems = workloads(renders[stack].manifests).flatMap(
          ({ object, kind, spec, job }) =>
            kind === "Job"
              ? typeof job?.activeDeadlineSeconds === "number"
                ? []
                : [`${object} has no activeDeadlineSeconds`]
              : containersOf(spec).flatMap((c) =>
                  [
                    c.readinessProbe ? "" : `${object} container ${c.name} has no readinessProbe`,
                    c.livenessProbe ? "" : `${object} container ${c.name} has no livenessProbe`,
                  ].filter(Boolean),
                ),
        );
        assert.deepEqual(problems, []);
      });

      it("gives every container cpu and memory requests and limits", () => {
        const problems = workloads(renders[stack].manifests).flatMap(({ object, spec }) =>
          containersOf(spec).flatMap((c) =>
            (["requests", "limits"] as const).flatMap((field) =>
              (["cpu", "memory"] as const)
                .filter((resource) => c.resources?.[field]?.[resource] === undefined)
                .map((resource) => `${object} container ${c.name} has no ${resource} ${field}`),
            ),
          ),
        );
        assert.deepEqual(problems, []);
      });

      it("runs every pod as non-root, without privilege escalation and with all capabilities dropped", () => {
        const problems = workloads(renders[stack].manifests).flatMap(({ object, spec }) => [
          ...(spec.securityContext?.runAsNonRoot === true ? [] : [`${object} may run as root`]),
          ...containersOf(spec).flatMap((c) => [
            ...(c.securityContext?.allowPrivilegeEscalation === false
              ? []
              : [`${object} container ${c.name} allows privilege escalation`]),
            ...(c.securityContext?.capabilities?.drop?.includes("ALL")
              ? []
              : [`${object} container ${c.name} keeps capabilities`]),
          ]),
        ]);
        assert.deepEqual(problems, []);
      });

      it("lets its NetworkPolicies allow exactly the intended connections between components and nothing else", () => {
        const allowed = allowedConnections(renders[stack].manifests);
        const intended = [...intendedConnections[stack]].sort();
        assert.deepEqual(
          {
            unintended: allowed.filter((c) => !intended.includes(c)),
            missing: intended.filter((c) => !allowed.includes(c)),
          },
          { unintended: [], missing: [] },
        );
      });

      it("sends every Kubernetes object through the stack's explicit provider, cluster", () => {
        const { resources } = renders[stack];
        const providers = resources.filter((r) => r.type === "pulumi:providers:kubernetes");
        assert.deepEqual(
          providers.map((p) => p.name),
          ["cluster"],
        );
        const elsewhere = resources
          .filter((r) => r.type.startsWith("kubernetes:") && r.provider !== "cluster")
          .map((r) => `${r.type} ${r.name} (provider ${r.provider ?? "default"})`);
        assert.deepEqual(elsewhere, []);
        assert.ok(resources.filter((r) => r.type.startsWith("kubernetes:")).length > 20);
      });

      it(`passes validation against the Kubernetes ${schemaSource.kubernetesVersion} OpenAPI schema`, async () => {
        assert.deepEqual(await validateManifests(renders[stack].manifests), []);
      });
    });
  }

  it("fits the development stack's pods, sample loader included, on one 2 CPU / 4 GiB node", () => {
    const workloads = workloadResources(renders.dev.manifests);
    assert.deepEqual(developmentNode, { cpu: 2000, memory: 4 * 2 ** 30 });
    assert.ok(
      fitsNode(workloads, developmentNode),
      `requests and limits: ${JSON.stringify(totalResources(workloads))}`,
    );
  });
});

/**
 * Secret values as the provider would receive them: every value of every Secret. The OAuth client
 * id is left out: it is public, sent in every login URL and exported as a stack output.
 */
function secretValues(rendered: Render): string[] {
  return rendered.run.resources
    .filter((r) => r.type === "kubernetes:core/v1:Secret")
    .flatMap((r) => [
      ...Object.entries((r.rawInputs.stringData ?? {}) as Record<string, string>),
      ...Object.entries((r.rawInputs.data ?? {}) as Record<string, string>).map(
        ([key, value]) => [key, Buffer.from(value, "base64").toString()] as const,
      ),
    ])
    .filter(([key]) => key !== "client-id")
    .map(([, value]) => value);
}

type Probe = Record<string, unknown>;
interface ContainerSpec {
  name: string;
  ports?: { name?: string; containerPort: number; protocol?: Protocol }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: Partial<Record<"requests" | "limits", Partial<Record<"cpu" | "memory", string>>>>;
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
}
interface PodSpec {
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  securityContext?: { runAsNonRoot?: boolean };
}
interface Workload {
  object: string;
  kind: string;
  namespace: string;
  labels: Labels;
  spec: PodSpec;
  job?: { activeDeadlineSeconds?: number };
}

/** Each Deployment, StatefulSet and Job with its pod template. */
function workloads(manifests: readonly Manifest[]): Workload[] {
  return manifests
    .filter((m) => ["Deployment", "StatefulSet", "Job"].includes(m.kind))
    .map((m) => {
      const spec = m.spec as {
        activeDeadlineSeconds?: number;
        template: { metadata: { labels: Labels }; spec: PodSpec };
      };
      return {
        object: `${m.kind} ${m.metadata.name}`,
        kind: m.kind,
        namespace: m.metadata.namespace ?? "default",
        labels: spec.template.metadata.labels,
        spec: spec.template.spec,
        job: m.kind === "Job" ? spec : undefined,
      };
    });
}

function containersOf(spec: PodSpec): ContainerSpec[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

// NetworkPolicy semantics, after https://kubernetes.io/docs/concepts/services-networking/network-policies/:
// a pod selected by any policy of a direction is isolated in that direction and accepts only what
// one of those policies' rules allows; a connection needs the source's egress and the destination's
// ingress to allow it.

type Protocol = "TCP" | "UDP";
type Labels = Record<string, string>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  protocol?: Protocol;
  port?: number | string;
  endPort?: number;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}
interface Policy {
  namespace: string;
  podSelector: Selector;
  policyTypes: string[];
  ingress: Rule[];
  egress: Rule[];
}
interface Endpoint {
  name: string;
  /** null for a host outside the cluster's pod network. */
  namespace: string | null;
  namespaceLabels: Labels;
  labels: Labels;
  ip: string;
  ports: { name?: string; port: number; protocol: Protocol }[];
}
interface Port {
  port: number;
  protocol: Protocol;
}

/**
 * Every connection the rendered NetworkPolicies allow, as `source -> destination port/protocol`,
 * tried between every pod of the namespace and three endpoints outside it, on every port a pod
 * listens on plus DNS, HTTP and HTTPS.
 */
function allowedConnections(manifests: readonly Manifest[]): string[] {
  const policies = manifests.filter((m) => m.kind === "NetworkPolicy").map(toPolicy);
  const namespaces = new Map(
    manifests
      .filter((m) => m.kind === "Namespace")
      .map((m) => [
        m.metadata.name,
        {
          ...(m.metadata.labels as Labels),
          "kubernetes.io/metadata.name": m.metadata.name,
        },
      ]),
  );
  const pods: Endpoint[] = workloads(manifests).map((w, index) => ({
    name: w.labels["app.kubernetes.io/name"] ?? w.object,
    namespace: w.namespace,
    namespaceLabels: namespaces.get(w.namespace) ?? {},
    labels: w.labels,
    ip: `10.244.1.${index + 10}`,
    ports: containersOf(w.spec).flatMap((c) =>
      (c.ports ?? []).map((p) => ({
        name: p.name,
        port: p.containerPort,
        protocol: p.protocol ?? "TCP",
      })),
    ),
  }));
  const external: Endpoint[] = [
    {
      name: clusterPod,
      namespace: "kube-system",
      namespaceLabels: { "kubernetes.io/metadata.name": "kube-system" },
      labels: { "k8s-app": "kube-dns" },
      ip: "10.244.0.10",
      ports: [],
    },
    {
      name: privateHost,
      namespace: null,
      namespaceLabels: {},
      labels: {},
      ip: "172.16.0.10",
      ports: [],
    },
    {
      name: internetHost,
      namespace: null,
      namespaceLabels: {},
      labels: {},
      ip: "203.0.113.10",
      ports: [],
    },
  ];
  const wellKnown: Port[] = [
    { port: 53, protocol: "UDP" },
    { port: 53, protocol: "TCP" },
    { port: 80, protocol: "TCP" },
    { port: 443, protocol: "TCP" },
  ];
  const tried = [
    ...wellKnown,
    ...pods.flatMap((p) => p.ports.map(({ port, protocol }) => ({ port, protocol }))),
  ].filter(
    (p, i, list) => list.findIndex((q) => q.port === p.port && q.protocol === p.protocol) === i,
  );

  const connections: string[] = [];
  for (const source of [...pods, ...external])
    for (const destination of [...pods, ...external]) {
      if (source === destination || (external.includes(source) && external.includes(destination)))
        continue;
      for (const port of tried)
        if (
          admits(policies, "Egress", source, destination, destination, port) &&
          admits(policies, "Ingress", destination, source, destination, port)
        )
          connections.push(`${source.name} -> ${destination.name} ${port.port}/${port.protocol}`);
    }
  return connections.sort();
}

function toPolicy(manifest: Manifest): Policy {
  const spec = manifest.spec as {
    podSelector: Selector;
    policyTypes?: string[];
    ingress?: Rule[];
    egress?: Rule[];
  };
  return {
    namespace: manifest.metadata.namespace ?? "default",
    podSelector: spec.podSelector,
    // Without policyTypes, a policy isolates ingress always and egress when it has egress rules.
    policyTypes: spec.policyTypes ?? ["Ingress", ...(spec.egress ? ["Egress"] : [])],
    ingress: spec.ingress ?? [],
    egress: spec.egress ?? [],
  };
}

/** Whether `subject`'s policies of one direction let the connection with `peer` through. */
function admits(
  policies: readonly Policy[],
  direction: "Ingress" | "Egress",
  subject: Endpoint,
  peer: Endpoint,
  destination: Endpoint,
  port: Port,
): boolean {
  const selecting = policies.filter(
    (p) =>
      p.namespace === subject.namespace &&
      p.policyTypes.includes(direction) &&
      selects(p.podSelector, subject.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    (direction === "Ingress" ? policy.ingress : policy.egress).some((rule) => {
      const peers = (direction === "Ingress" ? rule.from : rule.to) ?? [];
      return (
        (peers.length === 0 || peers.some((p) => peerMatches(p, policy.namespace, peer))) &&
        portMatches(rule.ports ?? [], destination, port)
      );
    }),
  );
}

function peerMatches(peer: Peer, policyNamespace: string, endpoint: Endpoint): boolean {
  if (peer.ipBlock)
    return (
      inCidr(endpoint.ip, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((cidr) => inCidr(endpoint.ip, cidr))
    );
  if (endpoint.namespace === null) return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, endpoint.namespaceLabels)
    : endpoint.namespace === policyNamespace;
  return namespaceOk && (!peer.podSelector || selects(peer.podSelector, endpoint.labels));
}

function portMatches(ports: readonly PolicyPort[], destination: Endpoint, tried: Port): boolean {
  if (ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? "TCP") !== tried.protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === "string")
      return destination.ports.some(
        (named) =>
          named.name === p.port && named.port === tried.port && named.protocol === tried.protocol,
      );
    return p.endPort === undefined
      ? p.port === tried.port
      : p.port <= tried.port && tried.port <= p.endPort;
  });
}

function selects(selector: Selector, labels: Labels): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case "In":
        return key in labels && values.includes(labels[key] as string);
      case "NotIn":
        return !(key in labels) || !values.includes(labels[key] as string);
      case "Exists":
        return key in labels;
      case "DoesNotExist":
        return !(key in labels);
      default:
        throw new Error(`unknown label selector operator ${operator}`);
    }
  });
  return byLabel && byExpression;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base = "", bits = "32"] = cidr.split("/");
  const toNumber = (address: string) =>
    address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toNumber(ip) / size) === Math.floor(toNumber(base) / size);
}
