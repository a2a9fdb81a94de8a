/**
 * A throwaway PostgreSQL server on loopback, where the prod stack runs its token-store Postgres:
 * Debian's server binaries (setup.sh installs the `postgresql` package), a cluster initialised in
 * a scratch folder, a free port on 127.0.0.1, and nothing kept afterwards. The server refuses to
 * run as root, so its commands run as the `postgres` OS user, who owns the scratch folder.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./frontend";

const run = promisify(execFile);
const serverUser = "postgres";

export class ThrowawayPostgres {
  /** The password of each role this server created. */
  private readonly passwords = new Map<string, string>();

  private constructor(
    private readonly bin: string,
    private readonly folder: string,
    readonly port: number,
  ) {}

  private get dataDir(): string {
    return path.join(this.folder, "data");
  }

  /** Initialises a cluster and starts it; only the `postgres` superuser exists, over the socket. */
  static async start(): Promise<ThrowawayPostgres> {
    const folder = mkdtempSync(path.join(tmpdir(), "amundsen-e2e-postgres-"));
    const server = new ThrowawayPostgres(serverBin(), folder, await freePort());
    try {
      if (process.getuid?.() === 0) {
        const { uid, gid } = osUser(serverUser);
        chownSync(folder, uid, gid);
      }
      await server.asServerUser("initdb", [
        "--pgdata",
        server.dataDir,
        "--username",
        serverUser,
        // The superuser only through the socket in the scratch folder; everyone else with a password.
        "--auth-local",
        "trust",
        "--auth-host",
        "scram-sha-256",
        "--encoding",
        "UTF8",
        "--locale",
        "C",
        "--no-sync",
      ]);
      const settings = [
        "-c listen_addresses=127.0.0.1",
        `-c port=${server.port}`,
        `-c unix_socket_directories=${folder}`,
        // Durability is worth nothing in a database deleted after the test.
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
      ];
      await server.asServerUser("pg_ctl", [
        "start",
        "--pgdata",
        server.dataDir,
        "--log",
        server.logFile,
        "--options",
        settings.join(" "),
        "--wait",
        "--timeout",
        "30",
        "--silent",
      ]);
      return server;
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  /**
   * Creates the database a SQLAlchemy URI names (such as the one the program stores for the
   * frontend), or `database` instead, owned by the URI's role, which it creates with a random
   * password the first time. Returns the URI pointing at this server with that password: scheme,
   * driver, role and database name stay as the program wrote them.
   */
  async createDatabaseFor(uri: string, database?: string): Promise<string> {
    const local = new URL(uri);
    const role = identifier(decodeURIComponent(local.username), "role", uri);
    const name = identifier(
      database ?? decodeURIComponent(local.pathname.slice(1)),
      "database",
      uri,
    );
    let password = this.passwords.get(role);
    if (password === undefined) {
      password = randomBytes(18).toString("hex");
      await this.sql("postgres", `CREATE ROLE "${role}" LOGIN PASSWORD '${password}'`);
      this.passwords.set(role, password);
    }
    await this.sql("postgres", `CREATE DATABASE "${name}" OWNER "${role}"`);
    local.hostname = "127.0.0.1";
    local.port = String(this.port);
    local.password = password;
    local.pathname = `/${name}`;
    return local.href;
  }

  /** Runs SQL as the superuser in a database; returns the rows, one a line, columns split by `|`. */
  async sql(database: string, statement: string): Promise<string> {
    const { stdout } = await this.asServerUser("psql", [
      "--host",
      this.folder,
      "--port",
      String(this.port),
      "--dbname",
      database,
      "--no-psqlrc",
      "--tuples-only",
      "--no-align",
      "--set",
      "ON_ERROR_STOP=1",
      "--command",
      statement,
    ]);
    return stdout.trim();
  }

  /** The server's log, for a failed test's report. */
  get log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, "utf8") : "";
  }

  /** Stops the server (closing any client's connection) and deletes its folder. */
  async stop(): Promise<void> {
    try {
      if (existsSync(path.join(this.dataDir, "postmaster.pid"))) {
        await this.asServerUser("pg_ctl", [
          "stop",
          "--pgdata",
          this.dataDir,
          "--mode",
          "fast",
          "--wait",
          "--silent",
        ]);
      }
    } finally {
      rmSync(this.folder, { recursive: true, force: true });
    }
  }

  private get logFile(): string {
    return path.join(this.folder, "server.log");
  }

  private async asServerUser(
    program: string,
    args: string[],
  ): Promise<{ stdout: string; stderr: string }> {
    const command = path.join(this.bin, program);
    const [file, argv] =
      process.getuid?.() === 0
        ? ["runuser", ["-u", serverUser, "--", command, ...args]]
        : [command, args];
    try {
      return await run(file, argv, { cwd: this.folder, encoding: "utf8" });
    } catch (error) {
      const { stderr } = error as { stderr?: string };
      throw new Error(
        `${program} ${args.join(" ")} failed: ${stderr?.trim() || String(error)}\n${this.log}`,
      );
    }
  }
}

/** The newest server version's bin folder under Debian's /usr/lib/postgresql/<major>/bin. */
function serverBin(root = "/usr/lib/postgresql"): string {
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((major) => existsSync(path.join(root, major, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors[0] === undefined) {
    throw new Error(
      `No PostgreSQL server under ${root}. Run \`bash tests/e2e/setup.sh\` (it installs Debian's postgresql package).`,
    );
  }
  return path.join(root, majors[0], "bin");
}

function osUser(name: string): { uid: number; gid: number } {
  const entry = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .find((fields) => fields[0] === name);
  if (!entry) throw new Error(`no ${name} OS user; the postgresql package creates it`);
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

/** A name safe to put between double quotes in SQL. */
function identifier(name: string, what: string, uri: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`${uri}: unexpected ${what} name ${name}`);
  return name;
}
