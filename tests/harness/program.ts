/**
 * The test suite's entry to the program: runs a committed stack offline (see scripts/offline.ts)
 * and offers small lookups over what it registered.
 */
import {
  type ProgramRun,
  type RegisteredResource,
  runStack,
  runWithMocks,
} from "../../scripts/offline";

export type { ProgramRun, RegisteredResource };
export { runStack };

const committedRuns = new Map<string, Promise<ProgramRun>>();

/**
 * The committed dev and prod stacks as they are, run once per test process and shared by every
 * spec (a run's result is plain data, so sharing it is safe).
 */
export async function committedStacks(): Promise<{ dev: ProgramRun; prod: ProgramRun }> {
  const run = (stack: "dev" | "prod") => {
    if (!committedRuns.has(stack)) committedRuns.set(stack, runStack(stack));
    return committedRuns.get(stack) as Promise<ProgramRun>;
  };
  const dev = await run("dev");
  const prod = await run("prod");
  if (dev.error || prod.error) throw dev.error ?? prod.error;
  return { dev, prod };
}

/** Runs a committed stack with optional config changes; resources carry redacted inputs. */
export async function loadStack(
  stack: "dev" | "prod",
  overrides: Record<string, unknown> = {},
): Promise<ProgramRun> {
  return runStack(stack, overrides);
}

/**
 * Builds components under mocks, outside any stack, and returns what they registered. `body` may
 * return Outputs to resolve; secret ones come back as "[secret]".
 */
export async function runComponents(
  body: () => Record<string, unknown> | undefined,
): Promise<ProgramRun> {
  const run = await runWithMocks({ stack: "test", config: { config: {}, secretKeys: [] } }, body);
  if (run.error) throw run.error;
  return run;
}

/** The single resource of a type and name; throws when absent so a test fails with a clear message. */
export function find(run: ProgramRun, type: string, name: string): RegisteredResource {
  const found = run.resources.find((r) => r.type === type && r.name === name);
  if (!found)
    throw new Error(
      `no ${type} named ${name}; registered: ${run.resources.map((r) => `${r.type}/${r.name}`).join(", ")}`,
    );
  return found;
}

/** Every resource of a type. */
export function all(run: ProgramRun, type: string): RegisteredResource[] {
  return run.resources.filter((r) => r.type === type);
}

export type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
};
export type Probe = {
  httpGet?: { path: string; port: number | string };
  tcpSocket?: { port: number | string };
};
export type Container = {
  name: string;
  image?: string;
  command?: string[];
  env?: EnvVar[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
};
export type PodSpec = {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown>;
  imagePullSecrets?: { name: string }[];
};

/** The pod spec of a Deployment, StatefulSet or Job. */
export function podSpec(resource: RegisteredResource): PodSpec {
  const spec = resource.rawInputs.spec as { template: { spec: PodSpec } };
  return spec.template.spec;
}

/** A container's env as a name → entry map. */
export function envOf(resource: RegisteredResource, container: string): Map<string, EnvVar> {
  const found = podSpec(resource).containers.find((c) => c.name === container);
  if (!found) throw new Error(`${resource.name} has no container ${container}`);
  return new Map((found.env ?? []).map((e) => [e.name, e]));
}

/** The frontend Deployment's env. */
export function frontendEnv(run: ProgramRun): Map<string, EnvVar> {
  return envOf(find(run, "kubernetes:apps/v1:Deployment", "frontend"), "frontend");
}

/** The Okta app's inputs. */
export function oktaApp(run: ProgramRun): Record<string, unknown> {
  return find(run, "okta:app/oAuth:OAuth", "amundsen").rawInputs;
}
