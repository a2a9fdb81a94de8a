/**
 * Turns an offline run (scripts/offline.ts) into the Kubernetes objects the provider would apply,
 * checks them against the Kubernetes OpenAPI schema, and totals what their pods ask of a node.
 * Used by `npm run render`, `npm run bench` and the test suite.
 */
import type { ProgramRun, RegisteredResource } from "./offline";
import { secretMarker } from "./offline";

/** One Kubernetes object, as it would be sent to the API server. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [field: string]: unknown };
  [field: string]: unknown;
}

/**
 * Where the schemas come from. kubernetes-models compiles the OpenAPI documents of several
 * Kubernetes releases into validators, the newest last, so every API that release serves is
 * checked against its schema (its scripts/generate.ts and its 5.0.0 changelog entry, "Update to
 * Kubernetes v1.36.0"). Bumping the package means checking this version again; a test compares the
 * installed package with `package` here.
 */
export const schemaSource = {
  package: "kubernetes-models",
  packageVersion: "5.1.0",
  kubernetesVersion: "1.36.0",
} as const;

/**
 * The order kinds are applied in, as Helm does: the namespace and its policies first, then what
 * pods mount or read, then the pods' controllers, then what exposes them.
 */
const kindOrder = [
  "Namespace",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "IngressClass",
  "Ingress",
];

/** `kubernetes:apps/v1:Deployment` → apps/v1 Deployment; the core group has no prefix. */
export function apiVersionKind(type: string): { apiVersion: string; kind: string } | undefined {
  const match = /^kubernetes:([^:/]+)\/([^:/]+):([A-Za-z0-9]+)$/.exec(type);
  if (!match) return undefined;
  const [, group, version, kind] = match as unknown as [string, string, string, string];
  return { apiVersion: group === "core" ? version : `${group}/${version}`, kind };
}

/** A short name for messages: `Deployment amundsen/frontend`. */
export function describeObject(manifest: Manifest): string {
  const { name, namespace } = manifest.metadata;
  return `${manifest.kind} ${namespace ? `${namespace}/` : ""}${name}`;
}

/**
 * Every Kubernetes object the run registered, in apply order, with secret values replaced: the
 * values of a Secret's `data` and `stringData` one by one (keys stay, so a reader sees what the
 * Secret holds), and any other secret value by the offline run's marker.
 */
export function toManifests(run: ProgramRun): Manifest[] {
  const manifests = run.resources
    .filter((r) => r.type.startsWith("kubernetes:"))
    .map((resource) => toManifest(resource));
  return manifests.sort(compareManifests);
}

function toManifest(resource: RegisteredResource): Manifest {
  const typeMeta = apiVersionKind(resource.type);
  if (!resource.custom || !typeMeta)
    throw new Error(
      `${resource.type} ${resource.name}: cannot be rendered offline; the provider expands it into objects only when it runs against a cluster`,
    );
  const { apiVersion: _apiVersion, kind: declaredKind, ...fields } = resource.inputs;
  if (declaredKind !== undefined && declaredKind !== typeMeta.kind)
    throw new Error(
      `${resource.type} ${resource.name}: declares kind ${String(declaredKind)}; only whole objects can be rendered, not patches`,
    );
  const metadata = fields.metadata as Manifest["metadata"] | undefined;
  if (typeof metadata?.name !== "string")
    throw new Error(
      `${resource.type} ${resource.name}: has no metadata.name; offline, an auto-generated name is unknown`,
    );
  const manifest: Manifest = { ...typeMeta, ...fields, metadata };
  if (typeMeta.kind === "Secret") redactSecretValues(manifest, resource.rawInputs);
  return sortKeys(manifest) as Manifest;
}

/** The marker in base64, so a redacted `data` value stays valid and decodes to the marker. */
const encodedSecretMarker = Buffer.from(secretMarker).toString("base64");

function redactSecretValues(manifest: Manifest, rawInputs: Record<string, unknown>) {
  for (const [field, marker] of [
    ["stringData", secretMarker],
    ["data", encodedSecretMarker],
  ] as const) {
    const values = rawInputs[field];
    if (values === null || typeof values !== "object") continue;
    manifest[field] = Object.fromEntries(Object.keys(values).map((key) => [key, marker]));
  }
}

function compareManifests(a: Manifest, b: Manifest): number {
  const rank = (kind: string) => {
    const index = kindOrder.indexOf(kind);
    return index === -1 ? kindOrder.length : index;
  };
  return (
    rank(a.kind) - rank(b.kind) ||
    compareText(a.kind, b.kind) ||
    compareText(a.metadata.namespace ?? "", b.metadata.namespace ?? "") ||
    compareText(a.metadata.name, b.metadata.name) ||
    compareText(a.apiVersion, b.apiVersion)
  );
}

/** Code-point order: the same on every machine, whatever its locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Copies a JSON value with object keys in a fixed order (apiVersion, kind and metadata first, the
 * rest by code point), so equal objects always print the same. Arrays keep their order: in
 * Kubernetes it usually matters (containers, env, ports).
 */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const leading = ["apiVersion", "kind", "metadata"];
  const keys = Object.keys(value).sort((a, b) => {
    const rankA = leading.indexOf(a);
    const rankB = leading.indexOf(b);
    if (rankA !== -1 || rankB !== -1)
      return (rankA === -1 ? leading.length : rankA) - (rankB === -1 ? leading.length : rankB);
    return compareText(a, b);
  });
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    keys.filter((key) => record[key] !== undefined).map((key) => [key, sortKeys(record[key])]),
  );
}

/** One schema violation, with the object and the field it is in. */
export interface SchemaProblem {
  /** Such as `Deployment amundsen/frontend`. */
  object: string;
  /** Path inside the object, such as `spec.template.spec.containers[0].resources.limits.cpu`. */
  field: string;
  /** What is wrong, such as `must be integer (got "two")`. */
  message: string;
}

/** Manifests that do not match the Kubernetes schema; the message lists every problem. */
export class SchemaError extends Error {
  constructor(public readonly problems: SchemaProblem[]) {
    super(
      `${problems.length} schema problem${problems.length === 1 ? "" : "s"} against the Kubernetes ${schemaSource.kubernetesVersion} OpenAPI schema:\n` +
        problems.map((p) => `  - ${p.object}: ${p.field || "(object)"} ${p.message}`).join("\n"),
    );
    this.name = "SchemaError";
  }
}

/** Checks manifests against the schema and throws one SchemaError listing every problem. */
export async function assertValidManifests(manifests: readonly Manifest[]): Promise<void> {
  const problems = await validateManifests(manifests);
  if (problems.length > 0) throw new SchemaError(problems);
}

/** Every schema problem in the manifests, in their order; empty when all are valid. */
export async function validateManifests(manifests: readonly Manifest[]): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  for (const manifest of manifests) problems.push(...(await validateManifest(manifest)));
  return problems;
}

type ModelValidate = (this: unknown) => void;
type ValidationFailure = Error & { errors?: { instancePath: string; message?: string }[] };

/**
 * Checks one manifest against the schema of its apiVersion and kind: types, required fields,
 * enums, formats such as quantities, and unknown fields.
 *
 * Kubernetes' OpenAPI documents allow unknown fields (the API server prunes or rejects them,
 * depending on the client's field validation), so the compiled validators accept a misspelt
 * `readinesProbe` without a word. To catch those, the manifest is validated through a proxy
 * that records which properties the validator reads: it reads every property its schema
 * declares, so a property it never reads is not in the schema. Maps (labels, `stringData`) are
 * iterated rather than read by name, and free-form objects are not read at all; both are left
 * alone.
 *
 * kubernetes-models also keeps the schemas of API versions that Kubernetes has since removed, so
 * passing here does not prove that a cluster still serves an API version.
 */
export async function validateManifest(manifest: Manifest): Promise<SchemaProblem[]> {
  const object = describeObject(manifest);
  const validate = await modelValidator(manifest.apiVersion, manifest.kind);
  if (!validate)
    return [
      {
        object,
        field: "",
        message: `has apiVersion ${manifest.apiVersion} and kind ${manifest.kind}, which ${schemaSource.package} ${schemaSource.packageVersion} has no schema for`,
      },
    ];

  const data = JSON.parse(JSON.stringify(manifest)) as Manifest;
  const reads = new Map<string, Set<string>>();
  const iterated = new Set<string>();
  const problems: SchemaProblem[] = [];
  try {
    validate.call(tracked(data, [], reads, iterated));
  } catch (err) {
    const failure = err as ValidationFailure;
    if (!failure.errors) throw err;
    problems.push(...schemaErrors(object, data, failure.errors));
  }
  problems.push(...unknownFields(object, data, reads, iterated));
  return problems;
}

/** The model class's validate method for an apiVersion and kind, or undefined without a schema. */
async function modelValidator(
  apiVersion: string,
  kind: string,
): Promise<ModelValidate | undefined> {
  if (!/^[a-z0-9.-]+(\/[a-z0-9]+)?$/.test(apiVersion) || !/^[A-Za-z0-9]+$/.test(kind))
    return undefined;
  const specifier = `${schemaSource.package}/${apiVersion}/${kind}`;
  let cached = validators.get(specifier);
  if (!cached) {
    // The package is ESM only, and import() loads it from this CommonJS module.
    cached = import(specifier).then(
      (module: Record<string, { prototype?: { validate?: ModelValidate } }>) =>
        module[kind]?.prototype?.validate,
      () => undefined,
    );
    validators.set(specifier, cached);
  }
  return cached;
}
const validators = new Map<string, Promise<ModelValidate | undefined>>();

/** Wraps a JSON value so that property reads and key iteration are recorded per path. */
function tracked(
  value: unknown,
  path: string[],
  reads: Map<string, Set<string>>,
  iterated: Set<string>,
): unknown {
  if (value === null || typeof value !== "object") return value;
  const key = pathKey(path);
  let read = reads.get(key);
  if (!read) {
    read = new Set();
    reads.set(key, read);
  }
  const seen = read;
  return new Proxy(value, {
    get(target, property, receiver) {
      const found = Reflect.get(target, property, receiver);
      if (typeof property !== "string") return found;
      seen.add(property);
      return tracked(found, [...path, property], reads, iterated);
    },
    has(target, property) {
      if (typeof property === "string") seen.add(property);
      return Reflect.has(target, property);
    },
    ownKeys(target) {
      iterated.add(key);
      return Reflect.ownKeys(target);
    },
  });
}

function pathKey(path: readonly string[]): string {
  return JSON.stringify(path);
}

function unknownFields(
  object: string,
  data: unknown,
  reads: Map<string, Set<string>>,
  iterated: Set<string>,
): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const visit = (value: unknown, path: string[]) => {
    if (value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        visit(item, [...path, String(index)]);
      });
      return;
    }
    const key = pathKey(path);
    const read = reads.get(key);
    // Not reached by the validator (under an unknown field), a map, or a free-form object.
    if (!read || iterated.has(key) || read.size === 0) return;
    for (const [field, child] of Object.entries(value)) {
      if (read.has(field)) visit(child, [...path, field]);
      else
        problems.push({
          object,
          field: fieldPath([...path, field]),
          message: `is not a field in the Kubernetes ${schemaSource.kubernetesVersion} schema`,
        });
    }
  };
  visit(data, []);
  return problems;
}

function schemaErrors(
  object: string,
  data: unknown,
  errors: readonly { instancePath: string; message?: string }[],
): SchemaProblem[] {
  const byField = new Map<string, { path: string[]; messages: string[] }>();
  for (const error of errors) {
    const path = error.instancePath
      .split("/")
      .slice(1)
      .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"));
    const field = fieldPath(path);
    const entry = byField.get(field) ?? { path, messages: [] };
    const message = error.message ?? "is invalid";
    if (!entry.messages.includes(message)) entry.messages.push(message);
    byField.set(field, entry);
  }
  return [...byField].map(([field, { path, messages }]) => {
    const value = path.reduce<unknown>(
      (node, segment) =>
        node !== null && typeof node === "object"
          ? (node as Record<string, unknown>)[segment]
          : undefined,
      data,
    );
    const got =
      value === undefined || (typeof value === "object" && value !== null)
        ? ""
        : ` (got ${JSON.stringify(value)})`;
    return { object, field, message: `${messages.join("; ")}${got}` };
  });
}

/** `["spec", "containers", "0", "app.kubernetes.io/name"]` → `spec.containers[0]["app.kubernetes.io/name"]`. */
function fieldPath(path: readonly string[]): string {
  return path
    .map((segment, index) => {
      if (/^[0-9]+$/.test(segment)) return `[${segment}]`;
      if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) return index === 0 ? segment : `.${segment}`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join("");
}

/** CPU in millicores and memory in bytes. */
export interface Resources {
  cpu: number;
  memory: number;
}

/** What one workload's pods request and may use, all replicas together. */
export interface WorkloadResources {
  object: string;
  kind: string;
  /** Pods running at once: replicas, or a Job's parallelism. */
  pods: number;
  requests: Resources;
  limits: Resources;
}

type PodTemplate = {
  spec?: { replicas?: number; parallelism?: number; template?: { spec?: PodSpec } };
};
type PodSpec = { containers?: Container[] };
type Container = {
  resources?: {
    requests?: Record<string, string | number>;
    limits?: Record<string, string | number>;
  };
};

const workloadKinds = ["Deployment", "StatefulSet", "ReplicaSet", "Job"];

/**
 * CPU and memory of every workload, summed over its containers and multiplied by the pods it runs
 * at once. Containers without a request or limit count as zero; the tests require both.
 */
export function workloadResources(manifests: readonly Manifest[]): WorkloadResources[] {
  return manifests
    .filter((m) => workloadKinds.includes(m.kind))
    .map((manifest) => {
      const spec = (manifest as PodTemplate).spec;
      const pods = manifest.kind === "Job" ? (spec?.parallelism ?? 1) : (spec?.replicas ?? 1);
      const containers = spec?.template?.spec?.containers ?? [];
      const sum = (field: "requests" | "limits"): Resources => ({
        cpu: pods * total(containers, field, "cpu", parseCpu),
        memory: pods * total(containers, field, "memory", parseMemory),
      });
      return {
        object: describeObject(manifest),
        kind: manifest.kind,
        pods,
        requests: sum("requests"),
        limits: sum("limits"),
      };
    });
}

/** The node the development tier is sized to fit: a laptop kind cluster (components/sizing.ts). */
export const developmentNode: Resources = { cpu: 2000, memory: 4 * 2 ** 30 };

/** The sum of requests and limits over workloads. */
export function totalResources(workloads: readonly WorkloadResources[]): {
  requests: Resources;
  limits: Resources;
} {
  const add = (a: Resources, b: Resources) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory });
  const zero = { cpu: 0, memory: 0 };
  return {
    requests: workloads.map((w) => w.requests).reduce(add, zero),
    limits: workloads.map((w) => w.limits).reduce(add, zero),
  };
}

/**
 * Whether workloads fit on one node: their cpu and memory requests, and their memory limits too,
 * since memory cannot be overcommitted the way CPU can (a pod above its request may be killed).
 */
export function fitsNode(workloads: readonly WorkloadResources[], node: Resources): boolean {
  const { requests, limits } = totalResources(workloads);
  return requests.cpu <= node.cpu && requests.memory <= node.memory && limits.memory <= node.memory;
}

function total(
  containers: readonly Container[],
  field: "requests" | "limits",
  resource: "cpu" | "memory",
  parse: (quantity: string) => number,
): number {
  return containers.reduce((sum, c) => {
    const quantity = c.resources?.[field]?.[resource];
    return sum + (quantity === undefined ? 0 : parse(String(quantity)));
  }, 0);
}

const binarySuffixes: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const decimalSuffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** A Kubernetes quantity (`250m`, `1.5`, `512Mi`, `1e3`) as a plain number. */
export function parseQuantity(quantity: string): number {
  const match = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([A-Za-z]*)$/.exec(quantity.trim());
  const factor = match ? (binarySuffixes[match[2] ?? ""] ?? decimalSuffixes[match[2] ?? ""]) : 0;
  if (!match || factor === undefined || factor === 0 || Number.isNaN(Number(match[1])))
    throw new Error(`${JSON.stringify(quantity)} is not a Kubernetes quantity`);
  return Number(match[1]) * factor;
}

/** CPU in millicores. */
export function parseCpu(quantity: string): number {
  return Math.round(parseQuantity(quantity) * 1000);
}

/** Memory in bytes. */
export function parseMemory(quantity: string): number {
  return Math.round(parseQuantity(quantity));
}
