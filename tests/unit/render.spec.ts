/**
 * `npm run render`: what it writes, what it prints, and what it refuses. The committed stacks'
 * shared runs are rendered in this process, dev once more from scratch to compare bytes; an invalid
 * stack file is rendered by the command itself, in its own process, to see its exit code and the
 * empty disk.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import {
  apiVersionKind,
  assertValidManifests,
  type Manifest,
  type SchemaError,
  schemaSource,
  validateManifests,
} from "../../scripts/manifests";
import { repoRoot, secretMarker, securePlaceholder, stackFile } from "../../scripts/offline";
import { type Render, render, renderRun, writeRender } from "../../scripts/render";
import { committedStacks } from "../harness/program";

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs scripts/render.ts as `npm run render` does, in a process of its own. */
function renderProcess(args: string[]): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--require", "tsx/cjs", path.join(repoRoot, "scripts", "render.ts"), ...args],
      { cwd: repoRoot, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe("npm run render", () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "render-spec-"));
  const devOut = path.join(scratch, "dev");
  const invalidOut = path.join(scratch, "invalid");
  const invalidStack = path.join(scratch, "Pulumi.invalid.yaml");
  writeFileSync(
    invalidStack,
    readFileSync(stackFile("dev"), "utf8").replace(
      "amundsen-sso:tier: development",
      "amundsen-sso:tier: staging",
    ),
  );
  // Started as the suite loads, so the process runs on the other core beside earlier specs.
  const invalidRender = renderProcess(["--config-file", invalidStack, "--out", invalidOut]);
  let dev: Render;
  let prod: Render;
  let invalidProcess: Exit;

  before(async function () {
    this.timeout(60_000);
    const runs = await committedStacks();
    dev = await renderRun(runs.dev, { stack: "dev", configFile: stackFile("dev") });
    prod = await renderRun(runs.prod, { stack: "prod", configFile: stackFile("prod") });
    // A second, independent run of the same stack, written to disk as the command does.
    writeRender(await render({ stack: "dev" }), devOut);
    invalidProcess = await invalidRender;
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  describe("manifests.yaml", () => {
    it("holds every Kubernetes object, its apiVersion and kind taken from the Pulumi type", () => {
      const objects = parseAllDocuments(readFileSync(path.join(devOut, "manifests.yaml"), "utf8"))
        .map((document) => document.toJS() as Manifest)
        .map((m) => `${m.apiVersion} ${m.kind} ${m.metadata.name}`);
      const expected = dev.run.resources
        .filter((r) => r.type.startsWith("kubernetes:"))
        .map((r) => {
          const typeMeta = apiVersionKind(r.type);
          const name = (r.rawInputs.metadata as { name: string }).name;
          return `${typeMeta?.apiVersion} ${typeMeta?.kind} ${name}`;
        });
      assert.deepEqual([...objects].sort(), [...expected].sort());
      assert.ok(objects.includes("apps/v1 Deployment frontend"));
      assert.ok(objects.includes("v1 Secret frontend-oidc"));
      assert.ok(objects.includes("networking.k8s.io/v1 NetworkPolicy default-deny"));
    });

    it("lists the namespace first, then policies, Secrets, claims, Services, workloads and the Ingress, each kind by name", () => {
      const kinds = [...new Set(dev.manifests.map((m) => m.kind))];
      assert.deepEqual(kinds, [
        "Namespace",
        "NetworkPolicy",
        "Secret",
        "PersistentVolumeClaim",
        "Service",
        "Deployment",
        "StatefulSet",
        "Job",
        "Ingress",
      ]);
      for (const kind of kinds) {
        const names = dev.manifests.filter((m) => m.kind === kind).map((m) => m.metadata.name);
        assert.deepEqual(names, [...names].sort(), `${kind} objects are not ordered by name`);
      }
    });

    it("replaces each value of a Secret and keeps its keys", () => {
      for (const rendered of [dev, prod]) {
        const secrets = rendered.manifests.filter((m) => m.kind === "Secret");
        assert.ok(secrets.length >= 2);
        for (const secret of secrets) {
          const registered = rendered.run.resources.find(
            (r) =>
              r.type === "kubernetes:core/v1:Secret" &&
              (r.rawInputs.metadata as { name: string }).name === secret.metadata.name,
          );
          const keys = Object.keys(registered?.rawInputs.stringData as object).sort();
          assert.deepEqual(
            secret.stringData,
            Object.fromEntries(keys.map((k) => [k, secretMarker])),
          );
          assert.equal(secret.data, undefined);
        }
      }
    });
  });

  describe("resources.json", () => {
    it("lists every registered resource with its parent, provider and redacted inputs, and nothing else", () => {
      const resources = JSON.parse(readFileSync(path.join(devOut, "resources.json"), "utf8")) as {
        type: string;
        name: string;
        parent: string | null;
        provider: string | null;
        inputs: Record<string, unknown>;
      }[];
      assert.equal(resources.length, dev.run.resources.length);
      for (const r of resources)
        assert.deepEqual(Object.keys(r), ["type", "name", "parent", "provider", "inputs"]);
      const entry = (type: string, name: string) =>
        resources.find((r) => r.type === type && r.name === name);
      assert.deepEqual(
        {
          ...entry("kubernetes:apps/v1:Deployment", "frontend"),
          inputs: undefined,
        },
        {
          type: "kubernetes:apps/v1:Deployment",
          name: "frontend",
          parent: "frontend",
          provider: "cluster",
          inputs: undefined,
        },
      );
      assert.equal(entry("amundsen-sso:index:Frontend", "frontend")?.parent, null);
      assert.equal(
        entry("kubernetes:core/v1:Secret", "frontend-oidc")?.inputs.stringData,
        secretMarker,
      );
    });

    it("writes paths inside the repository relative to it, so the checkout's location does not show", () => {
      const image = dev.resources.find((r) => r.type === "docker-build:index:Image");
      assert.deepEqual(image?.inputs.context, { location: "<repo>/image" });
      assert.ok(!dev.files["resources.json"].includes(repoRoot));
    });
  });

  it("summarizes the resources per type, the image, the Okta redirect URIs and the public URL", () => {
    const stdout = `${dev.summary}\n`;
    assert.match(stdout, /kubernetes:apps\/v1:Deployment +3\n/);
    assert.match(stdout, /kubernetes:networking\.k8s\.io\/v1:NetworkPolicy +8\n/);
    assert.ok(stdout.includes(`${String(dev.run.outputs.frontendImage)}\n`));
    assert.match(
      stdout,
      /Image: +registry\.example\.com\/data\/amundsen-frontend:.*@sha256:[0-9a-f]{64}\n/,
    );
    assert.match(stdout, /Okta redirect URIs: +https:\/\/amundsen-dev\.example\.com\/auth\n/);
    assert.match(stdout, /Public URL: +https:\/\/amundsen-dev\.example\.com\n/);
    assert.ok(stdout.includes(`Kubernetes ${schemaSource.kubernetesVersion} OpenAPI schema`));
  });

  it("writes byte-identical files when the same stack is rendered twice", () => {
    for (const [file, text] of Object.entries(dev.files))
      assert.ok(
        readFileSync(path.join(devOut, file), "utf8") === text,
        `${file} differs between two renders of dev`,
      );
  });

  it("exits non-zero with the program's own config error and writes nothing for an invalid stack file", () => {
    assert.notEqual(invalidProcess.code, 0);
    assert.match(invalidProcess.stderr, /^Invalid stack configuration/);
    assert.match(
      invalidProcess.stderr,
      /amundsen-sso:tier: got "staging"; .*development.*production/,
    );
    assert.equal(invalidProcess.stdout, "");
    assert.equal(existsSync(invalidOut), false, "the output directory was created");
  });

  it("reads any stack file given with --config-file, naming the stack after it and marking encrypted values", async () => {
    const file = path.join(scratch, "Pulumi.staging.yaml");
    writeFileSync(
      file,
      readFileSync(stackFile("dev"), "utf8")
        .replace("amundsen-dev.example.com", "catalog.staging.example.com")
        .replace("    kubeconfigPath: ~/.kube/config\n", "")
        .concat("  amundsen-sso:kubeconfig:\n    secure: v1:AAAABBBBCCCC\n"),
    );
    const staging = await render({ configFile: file });
    assert.equal(staging.stack, "staging");
    assert.equal(staging.run.outputs.catalogUrl, "https://catalog.staging.example.com");
    assert.deepEqual(staging.placeholders, ["amundsen-sso:kubeconfig"]);
    assert.ok(staging.summary.includes(securePlaceholder));
    const provider = staging.resources.find((r) => r.type === "pulumi:providers:kubernetes");
    assert.equal(provider?.inputs.kubeconfig, secretMarker);
    assert.ok(!staging.files["resources.json"].includes(securePlaceholder));
  });

  describe("schema validation", () => {
    const frontend = () =>
      clone(dev.manifests.find((m) => m.kind === "Deployment" && m.metadata.name === "frontend"));

    it(`checks objects against the Kubernetes ${schemaSource.kubernetesVersion} schemas that the installed kubernetes-models ships`, () => {
      const installed = JSON.parse(
        readFileSync(
          path.join(repoRoot, "node_modules", schemaSource.package, "package.json"),
          "utf8",
        ),
      ) as { version: string };
      assert.equal(
        installed.version,
        schemaSource.packageVersion,
        "kubernetes-models changed: check which Kubernetes release its schemas are from and update schemaSource",
      );
    });

    it("names the object and the field when a value has the wrong type", async () => {
      const manifest = frontend() as Manifest & { spec: { replicas: unknown } };
      manifest.spec.replicas = "two";
      assert.deepEqual(await validateManifests([manifest]), [
        {
          object: "Deployment amundsen/frontend",
          field: "spec.replicas",
          message: 'must be integer (got "two")',
        },
      ]);
    });

    it("rejects a misspelt field, which the Kubernetes schema itself would let through", async () => {
      const manifest = frontend() as Manifest & {
        spec: { template: { spec: { containers: Record<string, unknown>[] } } };
      };
      const container = manifest.spec.template.spec.containers[0] as Record<string, unknown>;
      container.readinesProbe = container.readinessProbe;
      delete container.readinessProbe;
      assert.deepEqual(await validateManifests([manifest]), [
        {
          object: "Deployment amundsen/frontend",
          field: "spec.template.spec.containers[0].readinesProbe",
          message: `is not a field in the Kubernetes ${schemaSource.kubernetesVersion} schema`,
        },
      ]);
    });

    it("rejects a kind that has no schema, and lists every problem in one error", async () => {
      const widget: Manifest = {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "w" },
      };
      const quantity = frontend() as Manifest & {
        spec: { template: { spec: { containers: { resources: { limits: { cpu: string } } }[] } } };
      };
      const [container] = quantity.spec.template.spec.containers;
      if (container) container.resources.limits.cpu = "lots";
      await assert.rejects(assertValidManifests([widget, quantity]), (err: SchemaError) => {
        assert.equal(err.problems.length, 2);
        assert.match(err.message, /^2 schema problems against the Kubernetes/);
        assert.match(err.message, /Widget w: .*no schema/);
        assert.match(
          err.message,
          /Deployment amundsen\/frontend: spec\.template\.spec\.containers\[0\]\.resources\.limits\.cpu .*quantity.*\(got "lots"\)/,
        );
        return true;
      });
    });
  });
});
