/**
 * One Amundsen frontend process, started the way its container would start: the image's command
 * (or the Deployment's), the image's ENV under the Deployment's env, from the pinned virtualenv.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { containerArgv, imageRuntime } from "./image";
import type { FrontendContainer } from "./program";
import { venvBin } from "./python";

export interface FrontendProcessOptions {
  /** Shown in errors and in the log. */
  label: string;
  /** The container's argv before the listen address is moved to loopback. */
  argv: string[];
  /** The full local environment, already localized. */
  env: Record<string, string>;
  cwd: string;
}

/** How long a frontend must keep running after its first healthy answer to count as started. */
const settleMs = 2_000;
export class FrontendProcess {
  private output = "";
  private child?: ChildProcess;

  private constructor(
    private readonly options: FrontendProcessOptions,
    public readonly port: number,
  ) {}

  /**
   * Starts the process and waits until it answers /healthcheck and keeps running. A frontend that
   * exits while starting fails the test: the Deployment runs one gunicorn process, so nothing may
   * race for flaskoidc's token table in a new store.
   */
  static async start(options: FrontendProcessOptions): Promise<FrontendProcess> {
    const frontend = new FrontendProcess(options, await freePort());
    const exitedEarly = await frontend.run();
    if (exitedEarly) {
      throw new Error(`frontend ${frontend.label} exited while starting:\n${frontend.output}`);
    }
    return frontend;
  }

  get label(): string {
    return this.options.label;
  }

  /** Everything gunicorn, Flask, flaskoidc and Authlib logged so far. */
  get log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }

  /** Spawns the process; resolves to how it exited while starting, or undefined if it runs on. */
  private async run(): Promise<string | undefined> {
    const [program = "", ...args] = bindTo(this.options.argv, `127.0.0.1:${this.port}`);
    const bin = venvBin();
    const child = spawn(path.join(bin, program), args, {
      cwd: this.options.cwd,
      // PATH and LANG as the python base image sets them; everything else comes from the caller.
      env: { PATH: `${bin}:/usr/bin:/bin`, LANG: "C.UTF-8", ...this.options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString();
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const running = () => child.exitCode === null && child.signalCode === null;

    const deadline = Date.now() + 30_000;
    while (running() && !(await this.healthy())) {
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(
          `frontend ${this.label} did not answer /healthcheck in 30 s:\n${this.output}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, settleMs))]);
    if (running()) return undefined;
    return `exited with ${child.exitCode ?? child.signalCode}`;
  }

  private healthy(): Promise<boolean> {
    return fetch(`http://127.0.0.1:${this.port}/healthcheck`).then(
      (r) => r.ok,
      () => false,
    );
  }
}

/** The argv the container would run, from the image and the Deployment. */
export function frontendArgv(container: Pick<FrontendContainer, "command" | "args">): string[] {
  return containerArgv(container, imageRuntime());
}

/** Replaces gunicorn's listen address (`--bind :5000` in the container) with a loopback one. */
function bindTo(argv: string[], address: string): string[] {
  const result = [...argv];
  const flag = result.findIndex((arg) => arg === "--bind" || arg === "-b");
  if (flag >= 0 && flag + 1 < result.length) {
    result[flag + 1] = address;
    return result;
  }
  const inline = result.findIndex((arg) => arg.startsWith("--bind="));
  if (inline >= 0) {
    result[inline] = `--bind=${address}`;
    return result;
  }
  return [...result.slice(0, 1), "--bind", address, ...result.slice(1)];
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
