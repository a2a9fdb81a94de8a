/**
 * `npm run render -- --stack <name> --out <dir>`: runs the real program offline (no cluster, no
 * Okta org, no registry; see scripts/offline.ts) with a stack's config and writes what it would
 * create, for review and for the test suite:
 *
 * - `manifests.yaml`: every Kubernetes object as it would be applied, in apply order, checked
 *   against the Kubernetes OpenAPI schema, with Secret values redacted (keys kept);
 * - `resources.json`: every registered resource (Kubernetes, Okta, image, random, components),
 *   with secret values replaced by one marker.
 *
 * `--config-file <path>` reads any stack file instead of `stacks/Pulumi.<stack>.yaml`, like the
 * Pulumi CLI's flag. `secure:` values cannot be decrypted offline and become marked placeholders.
 * An invalid stack or manifest exits non-zero and writes nothing, not even the directory.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import {
  assertValidManifests,
  compareText,
  type Manifest,
  schemaSource,
  sortKeys,
  toManifests,
} from "./manifests";
import {
  type ProgramRun,
  readStackConfig,
  repoRoot,
  runProgram,
  securePlaceholder,
  stackFile,
} from "./offline";

export interface RenderOptions {
  /** Stack name; also selects `stacks/Pulumi.<stack>.yaml` unless `configFile` is given. */
  stack?: string;
  /**
   * Any stack settings file. @default stacks/Pulumi.<stack>.yaml; the stack name, when not given,
   * comes from the file name (`Pulumi.<stack>.yaml`).
   */
  configFile?: string;
}

/** One registered resource as written to resources.json. */
export interface ResourceRecord {
  type: string;
  name: string;
  /** The parent resource's name, or null for a top-level resource. */
  parent: string | null;
  /** The explicit provider resource's name, or null for a default provider. */
  provider: string | null;
  /** Inputs with secret values replaced by the offline run's marker. */
  inputs: Record<string, unknown>;
}

/** Everything one render produced; `files` is written as is. */
export interface Render {
  stack: string;
  configFile: string;
  /** Config keys whose `secure:` values were replaced by a placeholder. */
  placeholders: string[];
  /** The offline run itself, raw inputs included, for tests that need the real secret values. */
  run: ProgramRun;
  manifests: Manifest[];
  resources: ResourceRecord[];
  files: { "manifests.yaml": string; "resources.json": string };
  summary: string;
}

/**
 * Runs the program offline and renders its objects. Throws the program's own error (a ConfigError
 * for an invalid stack) or a SchemaError listing every object and field that breaks the schema.
 */
export async function render(options: RenderOptions): Promise<Render> {
  const configFile = path.resolve(
    options.configFile ?? stackFile(options.stack ?? missing("--stack or --config-file")),
  );
  if (!existsSync(configFile))
    throw new UsageError(
      `${configFile}: no such stack file; stacks/ has ${readdirSync(path.join(repoRoot, "stacks")).join(", ")}`,
    );
  const stack = options.stack ?? stackName(configFile);
  const run = await runProgram({ stack, config: readStackConfig(configFile) });
  return renderRun(run, { stack, configFile });
}

/**
 * Renders an offline run that has already happened, of the given stack and stack file; for
 * callers that share one run between several checks, such as the test suite.
 */
export async function renderRun(
  run: ProgramRun,
  source: { stack: string; configFile: string },
): Promise<Render> {
  if (run.error) throw run.error;
  const { stack, configFile } = source;
  const config = readStackConfig(configFile);

  const manifests = toManifests(run);
  await assertValidManifests(manifests);

  const resources = run.resources
    .map(
      (r): ResourceRecord => ({
        type: r.type,
        name: r.name,
        parent: r.parent,
        provider: r.provider,
        inputs: sortKeys(withRepoPaths(r.inputs)) as Record<string, unknown>,
      }),
    )
    .sort(
      (a, b) =>
        compareText(a.type, b.type) ||
        compareText(a.name, b.name) ||
        compareText(a.parent ?? "", b.parent ?? ""),
    );
  const rendered: Omit<Render, "summary"> = {
    stack,
    configFile,
    placeholders: [...config.secretKeys].sort(),
    run,
    manifests,
    resources,
    files: {
      // YAML 1.1 quotes `yes`, `on` and the like, which kubectl's parser would read as booleans.
      "manifests.yaml": manifests
        .map((m) => `---\n${stringify(m, { version: "1.1", lineWidth: 0 })}`)
        .join(""),
      "resources.json": `${JSON.stringify(resources, null, 2)}\n`,
    },
  };
  return { ...rendered, summary: summarize(rendered) };
}

/** Writes a render's files into `outDir`, creating it. */
export function writeRender(rendered: Render, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  return Object.entries(rendered.files).map(([file, text]) => {
    const target = path.join(outDir, file);
    writeFileSync(target, text);
    return target;
  });
}

function summarize(rendered: Omit<Render, "summary">): string {
  const { outputs } = rendered.run;
  const counts = new Map<string, number>();
  for (const r of rendered.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  const width = Math.max(...[...counts.keys()].map((type) => type.length));
  const list = (value: unknown) =>
    Array.isArray(value) && value.length > 0 ? value.join(", ") : "(none)";
  return [
    `Stack ${rendered.stack} from ${path.relative(process.cwd(), rendered.configFile) || rendered.configFile}`,
    `${rendered.manifests.length} Kubernetes objects, valid against the Kubernetes ${schemaSource.kubernetesVersion} OpenAPI schema; ${rendered.resources.length} resources in all:`,
    ...[...counts]
      .sort(([a], [b]) => compareText(a, b))
      .map(([type, count]) => `  ${type.padEnd(width)}  ${String(count).padStart(3)}`),
    `Image:                          ${String(outputs.frontendImage ?? "(none)")}`,
    `Public URL:                     ${String(outputs.catalogUrl ?? "(none)")}`,
    `Tier:                           ${String(outputs.tier ?? "(none)")}, datastore volumes ${outputs.datastoreVolumesKept ? "kept" : "deleted"} on destroy`,
    `Okta redirect URIs:             ${list(outputs.oidcRedirectUris)}`,
    `Okta post-logout redirect URIs: ${list(outputs.oidcPostLogoutRedirectUris)}`,
    ...rendered.run.log
      .filter((line) => !line.startsWith("debug:"))
      .map((line) => `Program ${line}`),
    ...(rendered.placeholders.length > 0
      ? [`Encrypted values replaced by "${securePlaceholder}": ${rendered.placeholders.join(", ")}`]
      : []),
  ].join("\n");
}

/**
 * Paths inside the repository (the image build context) are written relative to it, so a render
 * does not depend on where the repository is checked out.
 */
function withRepoPaths(value: unknown): unknown {
  if (typeof value === "string")
    return value === repoRoot || value.startsWith(`${repoRoot}${path.sep}`)
      ? `<repo>${value.slice(repoRoot.length).split(path.sep).join("/")}`
      : value;
  if (Array.isArray(value)) return value.map(withRepoPaths);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withRepoPaths(v)]));
  return value;
}

function stackName(configFile: string): string {
  const base = path.basename(configFile);
  return /^Pulumi\.(.+)\.ya?ml$/.exec(base)?.[1] ?? base.replace(/\.ya?ml$/, "");
}

function missing(what: string): never {
  throw new UsageError(`${what} is required`);
}

class UsageError extends Error {
  override name = "UsageError";
}

const usage = `Usage: npm run render -- (--stack <name> | --config-file <path>) --out <dir>

  --stack <name>         stack to render; reads stacks/Pulumi.<name>.yaml
  --config-file <path>   read this stack file instead (the stack name defaults to its file name)
  --out <dir>            where to write manifests.yaml and resources.json`;

async function main(argv: string[]): Promise<number> {
  let options: { stack?: string; configFile?: string; out: string };
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        "config-file": { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      console.log(usage);
      return 0;
    }
    if (!values.stack && !values["config-file"]) missing("--stack or --config-file");
    options = {
      stack: values.stack,
      configFile: values["config-file"],
      out: values.out ?? missing("--out"),
    };
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }

  let rendered: Render;
  try {
    rendered = await render(options);
  } catch (err) {
    const error = err as Error;
    const known = ["ConfigError", "SchemaError", "UsageError"].includes(error.name);
    console.error(known ? error.message : (error.stack ?? error.message));
    console.error(`Nothing was written to ${options.out}.`);
    return 1;
  }
  const written = writeRender(rendered, options.out);
  console.log(rendered.summary);
  console.log(`Wrote ${written.join(", ")}`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: Error) => {
      console.error(err.stack ?? err.message);
      process.exitCode = 1;
    },
  );
}
