/**
 * `npm run bench`: how long a render and the unit suite take on this machine, each next to its
 * floor (what merely starting the same tools costs), and what the stacks ask of a cluster.
 *
 * Every timing is the median of whole-process runs, the measured command and its floor
 * alternating so that both see the same machine load. Targets are printed with the numbers; the
 * bench never fails on timing, only when a render itself fails.
 *
 *   npm run bench -- [--runs 5] [--suite-runs 3]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { developmentNode, fitsNode, totalResources, workloadResources } from "./manifests";
import { repoRoot } from "./offline";
import { render } from "./render";

/** The SDKs the program imports; loading them is the floor of any run of it. */
const sdks = [
  "@pulumi/pulumi",
  "@pulumi/kubernetes",
  "@pulumi/okta",
  "@pulumi/random",
  "@pulumi/docker-build",
];
const floorSpec = path.join("tests", "bench", "floor.spec.ts");
/** How `npm run render` loads TypeScript (package.json); the render floor uses the same. */
const loader = ["--require", "tsx/cjs"];
const targets = {
  renderSeconds: 3,
  renderRatio: 2.5,
  suiteSeconds: 15,
  suiteRatio: 5,
};

interface Command {
  label: string;
  command: string;
  args: string[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "5" },
      "suite-runs": { type: "string", default: "3" },
    },
  });
  const runs = Number(values.runs);
  const suiteRuns = Number(values["suite-runs"]);
  const out = mkdtempSync(path.join(tmpdir(), "bench-render-"));
  const loadBefore = loadavg()[0] ?? 0;

  const renderOf = (stack: string): Command => ({
    label: `render ${stack}`,
    command: process.execPath,
    args: [...loader, "scripts/render.ts", "--stack", stack, "--out", path.join(out, stack)],
  });
  const renderFloor: Command = {
    label: "render floor",
    command: process.execPath,
    args: [...loader, "-e", sdks.map((sdk) => `require("${sdk}");`).join("")],
  };
  const noLoader: Command = {
    label: "SDK imports, no loader",
    command: process.execPath,
    args: ["-e", sdks.map((sdk) => `require("${sdk}");`).join("")],
  };
  const suite: Command = { label: "unit suite", command: "npx", args: ["mocha"] };
  const suiteFloor: Command = {
    label: "unit suite floor",
    command: "npx",
    args: ["mocha", ...mochaOptions(), floorSpec],
  };

  console.log(
    `Timing ${runs} runs of each render and ${suiteRuns} of the unit suite on ${cpus().length} cores…`,
  );
  const times = new Map([
    ...measure([renderOf("dev"), renderOf("prod"), renderFloor, noLoader], runs),
    ...measure([suite, suiteFloor], suiteRuns),
  ]);
  const loadAfter = loadavg()[0] ?? 0;
  rmSync(out, { recursive: true, force: true });

  const timing = (label: string) => times.get(label) ?? { wall: Number.NaN, cpu: Number.NaN };
  const rows = [
    ...["dev", "prod"].map((stack) =>
      timingRow(`render ${stack}`, timing(`render ${stack}`), timing("render floor"), {
        seconds: targets.renderSeconds,
        ratio: targets.renderRatio,
      }),
    ),
    timingRow("unit suite", timing("unit suite"), timing("unit suite floor"), {
      seconds: targets.suiteSeconds,
      ratio: targets.suiteRatio,
    }),
  ];
  console.log();
  printTable(["measure", "median", "(cpu)", "floor", "(cpu)", "ratio", "target", "result"], rows);
  const imports = `require() of ${sdks.join(", ")}`;
  console.log(
    [
      "",
      `render:      node ${loader.join(" ")} scripts/render.ts --stack <stack> --out <tmp>`,
      `  floor:     node ${loader.join(" ")} -e '${imports}'`,
      `             without the loader: ${seconds(timing("SDK imports, no loader").wall)}`,
      "unit suite:  npx mocha (.mocharc.json)",
      `  floor:     npx mocha ${mochaOptions().join(" ")} ${floorSpec}`,
      "Medians of whole-process wall times; (cpu) is user + system time of the process tree.",
      `Load average (1 min): ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after.`,
      "",
    ].join("\n"),
  );

  await sizing();
}

/** Wall and CPU seconds of one command, medians over its runs. */
interface Timing {
  wall: number;
  cpu: number;
}

/** Runs each command `runs` times, alternating between them, and returns its median times. */
function measure(commands: Command[], runs: number): Map<string, Timing> {
  const wall = new Map(commands.map((c) => [c.label, [] as number[]]));
  const cpu = new Map(commands.map((c) => [c.label, [] as number[]]));
  for (let run = 0; run < runs; run++)
    for (const c of commands) {
      const cpuBefore = childCpuSeconds();
      const start = performance.now();
      const result = spawnSync(c.command, c.args, { cwd: repoRoot, encoding: "utf8" });
      wall.get(c.label)?.push((performance.now() - start) / 1000);
      cpu.get(c.label)?.push(childCpuSeconds() - cpuBefore);
      if (result.status !== 0)
        throw new Error(`${c.label} failed (exit ${result.status}):\n${result.stderr}`);
    }
  return new Map(
    commands.map((c) => [
      c.label,
      { wall: medianOf(wall.get(c.label)), cpu: medianOf(cpu.get(c.label)) },
    ]),
  );
}

/**
 * CPU seconds used by this process's finished children and their waited-for descendants, from
 * Linux's /proc (cutime and cstime); NaN elsewhere. Unlike wall time, it barely moves when other
 * work shares the machine.
 */
function childCpuSeconds(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name start at field 3 (state); cutime and cstime are 16 and 17.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[13]) + Number(fields[14])) / clockTicks;
  } catch {
    return Number.NaN;
  }
}
const clockTicks =
  Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

/** The floor spec runs with the suite's own options, but not its spec list. */
function mochaOptions(): string[] {
  const rc = JSON.parse(readFileSync(path.join(repoRoot, ".mocharc.json"), "utf8")) as {
    require?: string[];
    timeout?: number;
    reporter?: string;
  };
  return [
    "--no-config",
    ...(rc.require ?? []).flatMap((module) => ["--require", module]),
    ...(rc.timeout !== undefined ? ["--timeout", String(rc.timeout)] : []),
    ...(rc.reporter !== undefined ? ["--reporter", rc.reporter] : []),
  ];
}

function timingRow(
  label: string,
  time: Timing,
  floor: Timing,
  target: { seconds: number; ratio: number },
): string[] {
  const ratio = time.wall / floor.wall;
  const pass = time.wall <= target.seconds && ratio <= target.ratio;
  return [
    label,
    seconds(time.wall),
    seconds(time.cpu),
    seconds(floor.wall),
    seconds(floor.cpu),
    `${ratio.toFixed(2)}x`,
    `<= ${target.seconds} s, <= ${target.ratio}x floor`,
    pass ? "pass" : "FAIL",
  ];
}

/** What each stack's pods request and may use, and whether dev fits its node. */
async function sizing(): Promise<void> {
  const rows: string[][] = [];
  let devFits = false;
  for (const stack of ["dev", "prod"]) {
    const workloads = workloadResources((await render({ stack })).manifests);
    const groups = [
      ["long-running", workloads.filter((w) => w.kind !== "Job")],
      ["jobs", workloads.filter((w) => w.kind === "Job")],
    ] as const;
    for (const [label, group] of groups) {
      const { requests, limits } = totalResources(group);
      const pods = group.reduce((n, w) => n + w.pods, 0);
      rows.push([
        stack,
        `${label}: ${pods} pod${pods === 1 ? "" : "s"}`,
        millicores(requests.cpu),
        millicores(limits.cpu),
        bytes(requests.memory),
        bytes(limits.memory),
      ]);
    }
    if (stack === "dev") devFits = fitsNode(workloads, developmentNode);
  }
  printTable(
    [
      "stack",
      "workloads (pods, replicas included)",
      "cpu requests",
      "cpu limits",
      "memory requests",
      "memory limits",
    ],
    rows,
  );
  const node = `${millicores(developmentNode.cpu)} CPU / ${bytes(developmentNode.memory)}`;
  console.log(
    `\ndev fits one ${node} node (cpu and memory requests, memory limits, jobs included): ${devFits ? "pass" : "FAIL"}`,
  );
}

function medianOf(values: readonly number[] = []): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

function seconds(value: number): string {
  return `${value.toFixed(2)} s`;
}

function millicores(value: number): string {
  return value % 1000 === 0 ? String(value / 1000) : `${value}m`;
}

function bytes(value: number): string {
  return value >= 2 ** 30
    ? `${(value / 2 ** 30).toFixed(2)} GiB`
    : `${Math.round(value / 2 ** 20)} MiB`;
}

function printTable(header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  console.log([line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n"));
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
