/**
 * The Python side of the end-to-end test: which interpreter, which packages, and where the
 * virtualenv that holds them lives.
 *
 * The packages are the ones the patched image ends up with: the Amundsen frontend release the base
 * image was built from, plus `frontendPythonPins`, all read from components/versions.ts. The venv
 * directory name is a hash of the interpreter version and that list, so a changed pin builds a new
 * venv instead of testing a stale one.
 *
 * Run directly (`tsx tests/e2e/python.ts`), it prints shell assignments for setup.sh.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { amundsen, frontendPythonPins } from "../../components/versions";

export const repoRoot = path.resolve(__dirname, "..", "..");
export const cacheDir = path.join(repoRoot, ".cache", "e2e");

/** Written last by setup.sh, so a half-built venv is never used. */
export const completeMarker = ".e2e-complete";

/**
 * pip requirements of the venv. gunicorn carries no version because the upstream base image
 * installs it unpinned (`pip3 install gunicorn` in upstream's Dockerfile.frontend.public).
 */
export function requirements(): string[] {
  const pins = Object.entries(frontendPythonPins).map(([name, version]) => `${name}==${version}`);
  return [`amundsen-frontend==${amundsen.frontend}`, ...pins, "gunicorn"];
}

/**
 * The interpreter to build the venv with: `E2E_PYTHON` if set, else a Python 3.8 from pyenv (the
 * upstream image is `python:3.8-slim`, so 3.8 resolves the same packages it does), else `python3`.
 */
export function pythonInterpreter(): string {
  const chosen = process.env.E2E_PYTHON;
  if (chosen) return chosen;
  const pyenvVersions = path.join(process.env.PYENV_ROOT ?? "/root/.pyenv", "versions");
  if (existsSync(pyenvVersions)) {
    const py38 = readdirSync(pyenvVersions)
      .filter((v) => v.startsWith("3.8."))
      .sort((a, b) => Number(a.split(".")[2]) - Number(b.split(".")[2]))
      .pop();
    if (py38) return path.join(pyenvVersions, py38, "bin", "python3.8");
  }
  return "python3";
}

function pythonVersion(interpreter: string): string {
  return execFileSync(interpreter, ["--version"], { encoding: "utf8" }).trim();
}

/** The venv for this interpreter and these requirements. */
export function venvDir(interpreter = pythonInterpreter()): string {
  const key = createHash("sha256")
    .update(JSON.stringify({ python: pythonVersion(interpreter), requirements: requirements() }))
    .digest("hex")
    .slice(0, 16);
  return path.join(cacheDir, `venv-${key}`);
}

/** The venv's bin directory; fails with the fix when setup.sh has not built it. */
export function venvBin(): string {
  const venv = venvDir();
  if (!existsSync(path.join(venv, completeMarker))) {
    throw new Error(
      `No complete e2e virtualenv at ${venv} for ${requirements().join(" ")}. ` +
        "Run `bash tests/e2e/setup.sh` (it installs Chromium and the pinned Python packages).",
    );
  }
  return path.join(venv, "bin");
}

if (require.main === module) {
  const interpreter = pythonInterpreter();
  process.stdout.write(
    [
      `PYTHON='${interpreter}'`,
      `VENV='${venvDir(interpreter)}'`,
      `REQUIREMENTS='${requirements().join(" ")}'`,
      `MARKER='${completeMarker}'`,
    ].join("\n") + "\n",
  );
}
