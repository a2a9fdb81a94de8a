/**
 * What the patched image adds at run time, read from image/Dockerfile: its CMD, its ENV, and the
 * folders it copies the build context into. A container's environment is the image's ENV with the
 * Deployment's env on top, and its command is the image's CMD unless the Deployment overrides it;
 * the test starts the frontend the same way.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { FrontendContainer } from "./program";
import { repoRoot } from "./python";

export const imageContext = path.join(repoRoot, "image");

export interface ImageRuntime {
  /** The exec-form CMD. */
  cmd: string[];
  env: Record<string, string>;
  /** Image folders that hold files copied from the build context (image/). */
  contextCopies: string[];
}

export function imageRuntime(dockerfile = path.join(imageContext, "Dockerfile")): ImageRuntime {
  const instructions = readFileSync(dockerfile, "utf8")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const runtime: ImageRuntime = { cmd: [], env: {}, contextCopies: [] };
  for (const line of instructions) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const body = line.slice(keyword.length).trim();
    switch (keyword.toUpperCase()) {
      case "CMD":
        if (!body.startsWith("["))
          throw new Error(`${dockerfile}: CMD must use the exec form: ${line}`);
        runtime.cmd = JSON.parse(body);
        break;
      case "ENV":
        for (const [name, value] of parseEnv(body)) runtime.env[name] = value;
        break;
      case "COPY":
        if (!rest.some((word) => word.startsWith("--from")))
          runtime.contextCopies.push(rest.at(-1) ?? "");
        break;
    }
  }
  return runtime;
}

/** `ENV A=1 B=2` or the legacy `ENV A 1`. */
function parseEnv(body: string): [string, string][] {
  if (!/^\S+=/.test(body)) {
    const [name = "", ...value] = body.split(/\s+/);
    return [[name, value.join(" ")]];
  }
  return [...body.matchAll(/(\S+?)=("[^"]*"|\S*)/g)].map((m) => [
    m[1] ?? "",
    (m[2] ?? "").replace(/^"|"$/g, ""),
  ]);
}

/** The argv Kubernetes would run: `command` replaces the image's CMD, `args` alone replace it too. */
export function containerArgv(
  container: Pick<FrontendContainer, "command" | "args">,
  image: ImageRuntime,
): string[] {
  if (container.command) return [...container.command, ...(container.args ?? [])];
  return container.args ?? image.cmd;
}
