/**
 * A committed stack (the dev stack unless a test picks another) on loopback: an ingress stand-in
 * at https://localhost:<port>, an OpenID provider where Okta would be, metadata and search
 * stand-ins, and as many frontend processes as a test starts. Everything comes from the program's
 * frontend container and Okta app; tests change one thing at a time through the hooks below.
 */
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { FrontendProcess, frontendArgv } from "./frontend";
import { imageContext, imageRuntime } from "./image";
import { Ingress } from "./ingress";
import { localEnv, localUrl } from "./local-env";
import {
  type EnvVar,
  type FrontendContainer,
  type LogoutMode,
  type OktaClient,
  type ProgramSource,
  programFrontend,
  programOktaClient,
  programSecretValue,
  type StackName,
} from "./program";
import { IdentityProvider, type TestUser } from "./provider";
import { type StandIn, startMetadata, startSearch } from "./stand-ins";
import { type Tls, throwawayTls } from "./tls";

const discoverySuffix = "/.well-known/openid-configuration";

export interface CatalogOptions {
  /** The stack whose frontend container and Okta app are run. @default "dev" */
  stack?: StackName;
  /** Replaces the stack's `oidc.logout`; the stack's own setting when absent. */
  logout?: LogoutMode;
  /** Changes the Okta app before the provider registers it. */
  oktaClient?: (client: OktaClient) => OktaClient;
}

export interface FrontendOverrides {
  /** Changes the container's env before it is made local. */
  env?: (env: EnvVar[]) => EnvVar[];
  /**
   * Local values for secret entries, replacing the catalog's. A token store the container reads
   * from a Secret (SQLALCHEMY_DATABASE_URI in the prod stack) has no default and must be given here.
   */
  secrets?: Record<string, string>;
  /**
   * Folder of a sqlite token store (the dev stack's); frontends given the same one share it like
   * replicas sharing a database.
   */
  tokenStore?: string;
}

interface CatalogParts {
  source: ProgramSource;
  workDir: string;
  tls: Tls;
  container: FrontendContainer;
  user: TestUser;
  secrets: Record<string, string>;
  ingress: Ingress;
  provider: IdentityProvider;
  metadata: StandIn;
  search: StandIn;
  origins: Record<string, string>;
}

export class LocalCatalog {
  readonly user: TestUser;
  /** Local values of the Deployment's secretKeyRef entries. */
  readonly secrets: Record<string, string>;
  readonly ingress: Ingress;
  readonly provider: IdentityProvider;
  readonly metadata: StandIn;
  readonly search: StandIn;
  private readonly frontends: FrontendProcess[] = [];

  private constructor(private readonly parts: CatalogParts) {
    this.user = parts.user;
    this.secrets = parts.secrets;
    this.ingress = parts.ingress;
    this.provider = parts.provider;
    this.metadata = parts.metadata;
    this.search = parts.search;
  }

  static async start(options: CatalogOptions): Promise<LocalCatalog> {
    const workDir = mkdtempSync(path.join(tmpdir(), "amundsen-e2e-"));
    const tls = throwawayTls(workDir);
    const source: ProgramSource = { stack: options.stack ?? "dev", logout: options.logout };
    const container = await programFrontend(source);
    const plain = plainEnv(container.env);
    const discoveryUrl = new URL(required(plain, "FLASK_OIDC_CONFIG_URL"));
    if (!discoveryUrl.pathname.endsWith(discoverySuffix)) {
      throw new Error(`FLASK_OIDC_CONFIG_URL ${discoveryUrl} is not a discovery document URL`);
    }
    const secrets = {
      FLASK_OIDC_CLIENT_ID: "e2e-frontend",
      FLASK_OIDC_CLIENT_SECRET: randomBytes(24).toString("hex"),
      FLASK_OIDC_SECRET_KEY: randomBytes(24).toString("hex"),
    };
    const user = testUser();

    const ingress = await Ingress.start(tls);
    const origins: Record<string, string> = {
      [new URL(required(plain, "FRONTEND_BASE")).hostname]: ingress.origin,
    };
    const okta = localOktaClient(await programOktaClient(source), origins);
    const provider = await IdentityProvider.start({
      tls,
      issuerPath: discoveryUrl.pathname.slice(0, -discoverySuffix.length),
      clientId: secrets.FLASK_OIDC_CLIENT_ID,
      clientSecret: secrets.FLASK_OIDC_CLIENT_SECRET,
      client: options.oktaClient ? options.oktaClient(okta) : okta,
      user,
    });
    const [metadata, search] = await Promise.all([startMetadata(), startSearch()]);
    origins[discoveryUrl.hostname] = provider.origin;
    origins[new URL(required(plain, "METADATASERVICE_BASE")).hostname] = metadata.origin;
    origins[new URL(required(plain, "SEARCHSERVICE_BASE")).hostname] = search.origin;
    return new LocalCatalog({
      source,
      workDir,
      tls,
      container,
      user,
      secrets,
      ingress,
      provider,
      metadata,
      search,
      origins,
    });
  }

  /** Starts a frontend process; the first one started also gets the ingress's traffic. */
  async startFrontend(label: string, overrides: FrontendOverrides = {}): Promise<FrontendProcess> {
    const image = imageRuntime();
    const { container, origins, tls } = this.parts;
    const declared = new Set(container.env.map((e) => e.name));
    const imageEnv = Object.entries(image.env)
      .filter(([name]) => !declared.has(name))
      .map(([name, value]) => ({ name, value }));
    const env = (overrides.env ?? ((e) => e))([...imageEnv, ...container.env]);
    const tokenStore = overrides.tokenStore ?? this.newTokenStore();
    const local = localEnv(env, {
      origins,
      secrets: { ...this.secrets, ...overrides.secrets },
      paths: {
        ...sqliteFile(env, tokenStore),
        ...Object.fromEntries(image.contextCopies.map((folder) => [folder, this.imageFiles])),
      },
    });
    // The one addition: trust for the throwaway certificate, where the image trusts Okta's public CA.
    local.REQUESTS_CA_BUNDLE = tls.certFile;
    const frontend = await FrontendProcess.start({
      label,
      argv: frontendArgv(container),
      env: local,
      cwd: tokenStore,
    });
    this.frontends.push(frontend);
    if (this.frontends.length === 1) this.ingress.route(frontend.port);
    return frontend;
  }

  /**
   * A copy of image/, the files the Dockerfile copies into the image, so that Python's bytecode
   * cache lands in the scratch folder rather than in the repository.
   */
  private get imageFiles(): string {
    const copy = path.join(this.parts.workDir, "image");
    if (!existsSync(copy)) cpSync(imageContext, copy, { recursive: true });
    return copy;
  }

  /**
   * The value the program puts in the Secret key that one of the container's env entries reads,
   * such as the prod stack's token store URI; throws when the entry is not a secretKeyRef.
   */
  async declaredSecret(name: string): Promise<string> {
    const entry = this.parts.container.env.find((e) => e.name === name);
    if (!entry || !("valueFrom" in entry)) {
      throw new Error(
        `the ${this.parts.source.stack} stack's frontend container does not read ${name} from a Secret`,
      );
    }
    return programSecretValue(this.parts.source, entry.valueFrom.secretKeyRef);
  }

  /** An empty token store folder. */
  newTokenStore(): string {
    return mkdtempSync(path.join(this.parts.workDir, "token-store-"));
  }

  /** The end of every frontend's log, for a failed test's report. */
  logTails(lines = 40): string {
    return this.frontends
      .map(
        (f) => `--- ${f.label} (port ${f.port}) ---\n${f.log.split("\n").slice(-lines).join("\n")}`,
      )
      .join("\n");
  }

  async close(): Promise<void> {
    await Promise.all(this.frontends.map((f) => f.stop()));
    await Promise.all([
      this.ingress.close(),
      this.provider.close(),
      this.metadata.close(),
      this.search.close(),
    ]);
    rmSync(this.parts.workDir, { recursive: true, force: true });
  }
}

function testUser(): TestUser {
  const email = "ada.lovelace@example.com";
  return {
    login: email,
    password: randomBytes(12).toString("hex"),
    claims: { sub: "00u1ada", email, email_verified: true, name: "Ada Lovelace" },
  };
}

function plainEnv(env: EnvVar[]): Record<string, string> {
  return Object.fromEntries(env.flatMap((e) => ("value" in e ? [[e.name, e.value]] : [])));
}

function required(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`the frontend container declares no ${name}`);
  return value;
}

/** The Okta app with every URI pointing at the local ingress instead of the public host. */
function localOktaClient(okta: OktaClient, origins: Record<string, string>): OktaClient {
  const local = (uris: string[], what: string) => uris.map((uri) => localUrl(uri, origins, what));
  return {
    ...okta,
    redirectUris: local(okta.redirectUris, "Okta redirectUris"),
    postLogoutRedirectUris: local(okta.postLogoutRedirectUris, "Okta postLogoutRedirectUris"),
  };
}

/** The container path of a plain sqlite token store → the same file name in the local folder. */
function sqliteFile(env: EnvVar[], tokenStore: string): Record<string, string> {
  const uri = env.find((e) => e.name === "SQLALCHEMY_DATABASE_URI");
  const file = uri && "value" in uri ? /^sqlite:\/\/\/(\/.+)$/.exec(uri.value)?.[1] : undefined;
  return file ? { [file]: path.join(tokenStore, path.basename(file)) } : {};
}
