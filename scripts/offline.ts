/**
 * Runs the real program (index.ts) with Pulumi's mock runtime, offline: no engine, no provider
 * plugins, no cluster, no Okta org, no image builder. Whatever a provider would compute (image
 * digests, client ids, generated passwords) is replaced by clearly fake values derived from the
 * resource name, so the same input always gives the same result.
 *
 * Used by `npm run render` and by the test suite.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";

export const repoRoot = path.join(__dirname, "..");
/** Replaces every secret value in what the offline run reports. */
export const secretMarker = "[secret]";
/** Stands in for a `secure:` stack value, which cannot be decrypted offline. */
export const securePlaceholder = "offline-placeholder-for-encrypted-value";

const secretSig = "1b47061264138c4ac30d75fd1eb44270";
const sigKey = "4dabf18193072939515e22adb298388d";

/** One resource as the program registered it. */
export interface RegisteredResource {
  type: string;
  name: string;
  /** The parent resource's name, or null for top-level resources. */
  parent: string | null;
  /** The explicit provider resource's name, or null for a default provider. */
  provider: string | null;
  /** Names of the resources this one waits for: `dependsOn` and the resources its inputs come from. */
  dependsOn: string[];
  /** Resource options the engine would act on. */
  options: { retainOnDelete: boolean; replaceOnChanges: string[] };
  custom: boolean;
  /** Inputs with every Output resolved; secret values replaced by `secretMarker`. */
  inputs: Record<string, unknown>;
  /** The same inputs with secret values in place, for tests that need to see them. */
  rawInputs: Record<string, unknown>;
}

export interface ProgramRun {
  resources: RegisteredResource[];
  /** Stack outputs, secret values replaced by `secretMarker`. */
  outputs: Record<string, unknown>;
  /** The error the program raised, if any (for example a ConfigError). */
  error?: Error;
  /** What the program logged through `pulumi.log`, as `info: …`, `warning: …` or `error: …`. */
  log: string[];
}

/** A stack's flattened config, as the Pulumi CLI hands it to a program. */
export interface StackConfig {
  config: Record<string, string>;
  secretKeys: string[];
}

/** Reads `stacks/Pulumi.<stack>.yaml`, or any stack file, into the CLI's flat key/value form. */
export function readStackConfig(file: string): StackConfig {
  const document = (parse(readFileSync(file, "utf8")) ?? {}) as {
    config?: Record<string, unknown>;
  };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(document.config ?? {})) {
    if (value !== null && typeof value === "object" && "secure" in value) {
      config[key] = securePlaceholder;
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config, secretKeys };
}

export function stackFile(stack: string): string {
  return path.join(repoRoot, "stacks", `Pulumi.${stack}.yaml`);
}

/** Options for one offline run. */
export interface RunOptions {
  stack: string;
  config: StackConfig;
  /** Replace the fake values the mocks return for a resource type. */
  stateOverrides?: Record<
    string,
    (inputs: Record<string, unknown>, name: string) => Record<string, unknown>
  >;
}

/** Runs index.ts once under mocks and returns everything it registered. */
export function runProgram(options: RunOptions): Promise<ProgramRun> {
  return runWithMocks(options, () => {
    const program = path.join(repoRoot, "index.ts");
    for (const id of Object.keys(require.cache)) {
      if (id.startsWith(path.join(repoRoot, "index."))) delete require.cache[id];
    }
    return require(program);
  });
}

/**
 * Runs `body` under mocks (a whole program, or a few components in a test) and returns everything
 * it registered, plus the outputs it returns. Runs must not overlap: the mock runtime is
 * process-wide, so each run drains its own RPCs before returning.
 */
export async function runWithMocks(
  options: RunOptions,
  body: () => Record<string, unknown> | undefined,
): Promise<ProgramRun> {
  const registered = new Map<
    string,
    Omit<RegisteredResource, "parent" | "inputs" | "dependsOn" | "options">
  >();
  const parents = new Map<string, string>();
  const dependencies = new Map<string, string[]>();
  const resourceOptions = new Map<string, RegisteredResource["options"]>();
  const urnNames = new Map<string, string>();
  const order: string[] = [];

  pulumi.runtime.setAllConfig(options.config.config, options.config.secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const key = `${args.type}::${args.name}`;
        order.push(key);
        registered.set(key, {
          type: args.type,
          name: args.name,
          provider: providerName(args.provider),
          custom: args.custom ?? false,
          rawInputs: args.inputs,
        });
        const inputs = plain(args.inputs) as Record<string, unknown>;
        const override = options.stateOverrides?.[args.type];
        const state = override
          ? override(inputs, args.name)
          : fakeState(args.type, args.name, inputs);
        return {
          id: args.custom ? `${args.name}-id` : undefined,
          state: { ...args.inputs, ...state },
        };
      },
      call: (args) => fakeInvoke(args.token, args.inputs),
    },
    "amundsen-sso",
    options.stack,
    false,
  );
  trackRegistrations(parents, dependencies, resourceOptions, urnNames);

  // The SDK records a stack trace for every promise it creates; with source maps on (the TypeScript
  // loader turns them on) formatting those traces costs more than the run itself.
  const sourceMaps = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(false);
  const log: string[] = [];
  const stopCapture = captureProgramLog(log);

  let error: Error | undefined;
  let exports: Record<string, unknown> = {};
  const onRejection = (reason: unknown) => {
    error ??= reason instanceof Error ? reason : new Error(String(reason));
  };
  process.on("unhandledRejection", onRejection);
  try {
    exports = body() ?? {};
  } catch (err) {
    error = err as Error;
  }
  const outputs = await resolveOutputs(exports).catch((err: Error) => {
    error ??= err;
    return {};
  });
  await drainRpcs().catch((err: Error) => {
    error ??= err;
  });
  process.off("unhandledRejection", onRejection);
  process.setSourceMapsEnabled(sourceMaps);
  stopCapture();

  const resources = order.map((key) => {
    const r = registered.get(key) as Omit<
      RegisteredResource,
      "parent" | "inputs" | "dependsOn" | "options"
    >;
    const parentUrn = parents.get(key);
    return {
      ...r,
      parent: parentUrn ? (urnNames.get(parentUrn) ?? null) : null,
      dependsOn: (dependencies.get(key) ?? []).map((urn) => urnNames.get(urn) ?? urn),
      options: resourceOptions.get(key) ?? { retainOnDelete: false, replaceOnChanges: [] },
      inputs: redact(r.rawInputs) as Record<string, unknown>,
      rawInputs: plain(r.rawInputs) as Record<string, unknown>,
    };
  });
  return { resources, outputs, error, log };
}

/** Runs a committed stack, optionally with config changes (values become secret when listed). */
export async function runStack(
  stack: string,
  changes: Record<string, unknown> = {},
  options: {
    secretKeys?: string[];
    remove?: string[];
    stateOverrides?: RunOptions["stateOverrides"];
  } = {},
): Promise<ProgramRun> {
  const base = readStackConfig(stackFile(stack));
  const config = { ...base.config };
  for (const key of options.remove ?? []) delete config[key];
  for (const [key, value] of Object.entries(changes)) {
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return runProgram({
    stack,
    config: { config, secretKeys: [...base.secretKeys, ...(options.secretKeys ?? [])] },
    stateOverrides: options.stateOverrides,
  });
}

/**
 * Without an engine, `pulumi.log` writes `<level>: [runtime] <message>` to the console; the engine
 * would collect those messages instead, so the offline run does too.
 */
function captureProgramLog(into: string[]): () => void {
  const methods = ["log", "warn", "error"] as const;
  const originals = methods.map((method) => console[method]);
  methods.forEach((method, i) => {
    console[method] = (...args: unknown[]) => {
      const match = typeof args[0] === "string" && /^(\w+): \[runtime\] ([\s\S]*)$/.exec(args[0]);
      if (match) into.push(`${match[1]}: ${match[2]}`);
      else originals[i]?.apply(console, args);
    };
  });
  return () =>
    methods.forEach((method, i) => {
      console[method] = originals[i] as (typeof console)[typeof method];
    });
}

/** Records each registration's parent and dependencies, which the mocks API does not pass on. */
function trackRegistrations(
  parents: Map<string, string>,
  dependencies: Map<string, string[]>,
  resourceOptions: Map<string, RegisteredResource["options"]>,
  urnNames: Map<string, string>,
) {
  type Request = {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDependenciesList(): string[];
    getRetainondelete(): boolean;
    getReplaceonchangesList(): string[];
  };
  type Callback = (err: unknown, response?: { getUrn(): string }) => void;
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: Request, callback: Callback): Promise<void>;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const key = `${req.getType()}::${req.getName()}`;
    if (req.getParent()) parents.set(key, req.getParent());
    dependencies.set(key, req.getDependenciesList());
    resourceOptions.set(key, {
      retainOnDelete: req.getRetainondelete() === true,
      replaceOnChanges: req.getReplaceonchangesList(),
    });
    return original(req, (err, response) => {
      if (response) urnNames.set(response.getUrn(), req.getName());
      callback(err, response);
    });
  };
}

async function drainRpcs(): Promise<void> {
  // The SDK's own wait for outstanding registrations; it exports no typed accessor for it.
  const settings = require("@pulumi/pulumi/runtime/settings") as {
    waitForRPCs?: () => Promise<void>;
  };
  await settings.waitForRPCs?.();
}

async function resolveOutputs(exports: Record<string, unknown>): Promise<Record<string, unknown>> {
  const outputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(exports)) {
    const output: pulumi.Output<unknown> = pulumi.output(value as pulumi.Input<unknown>);
    const secret = await pulumi.isSecret(output);
    const resolved = await new Promise((resolve) => output.apply(resolve));
    outputs[name] = secret ? secretMarker : resolved;
  }
  return outputs;
}

function providerName(ref: string | undefined): string | null {
  if (!ref) return null;
  const urn = ref.split("::").slice(0, -1).join("::");
  return urn.split("::").pop() ?? null;
}

function isSecretValue(value: unknown): value is { value: unknown } {
  return (
    value !== null &&
    typeof value === "object" &&
    (value as Record<string, unknown>)[sigKey] === secretSig
  );
}

/** Replaces secret-wrapped values by the marker. */
export function redact(value: unknown): unknown {
  if (isSecretValue(value)) return secretMarker;
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
  return value;
}

/** Unwraps secret-wrapped values, keeping their contents. */
function plain(value: unknown): unknown {
  if (isSecretValue(value)) return plain(value.value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** A short stable hex string for fake values. */
function fakeHex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** Outputs each provider would compute, faked deterministically. */
function fakeState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  switch (type) {
    case "docker-build:index:Image": {
      const digest = `sha256:${fakeHex(`image:${JSON.stringify(inputs.tags)}`, 64)}`;
      const tag = (inputs.tags as string[] | undefined)?.[0] ?? name;
      return { digest, ref: `${tag}@${digest}` };
    }
    case "okta:app/oAuth:OAuth":
      return {
        clientId: `0oafake${fakeHex(`client:${name}`, 13)}`,
        clientSecret: pulumi.secret(`fake-client-secret-${fakeHex(`secret:${name}`, 24)}`),
      };
    case "random:index/randomPassword:RandomPassword":
      return {
        result: pulumi.secret(
          `fake${fakeHex(`password:${name}`, Number(inputs.length ?? 32) - 4)}`,
        ),
      };
    default:
      return {};
  }
}

function fakeInvoke(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  if (token === "okta:group/getGroup:getGroup") {
    return {
      id: `00gfake${fakeHex(`group:${inputs.name}`, 13)}`,
      name: inputs.name,
      type: "OKTA_GROUP",
    };
  }
  throw new Error(`offline run: no fake for invoke ${token}`);
}
