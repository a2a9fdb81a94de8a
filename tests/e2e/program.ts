/**
 * What the end-to-end test takes from the Pulumi program: a committed stack's frontend container,
 * the Okta app that container signs users in with, and the values the program puts in the Secrets
 * that container reads. Nothing here restates a value; it only picks resources out of what the
 * program registers.
 */
import { readStackConfig, stackFile } from "../../scripts/offline";
import { loadStack, type ProgramRun, type RegisteredResource } from "../harness/program";

/** How the frontend signs users out: locally only, or at the identity provider too. */
export type LogoutMode = "local" | "idp";

/** The committed stacks the test can run. */
export type StackName = "dev" | "prod";

/** Which stack to take the frontend from. */
export interface ProgramSource {
  stack: StackName;
  /** Replaces the stack's `oidc.logout`; the stack's own setting when absent. */
  logout?: LogoutMode;
}

/** A Kubernetes env entry, as the Deployment declares it. */
export type EnvVar =
  | { name: string; value: string }
  | { name: string; valueFrom: { secretKeyRef: SecretKeyRef } };

/** A key of a Secret, as an env entry references it. */
export interface SecretKeyRef {
  name: string;
  key: string;
}

/** The frontend container: its env, and the command when it overrides the image's. */
export interface FrontendContainer {
  env: EnvVar[];
  command?: string[];
  args?: string[];
}

/** The Okta app's settings that an authorization server enforces at sign-in and sign-out. */
export interface OktaClient {
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  tokenEndpointAuthMethod: string;
  pkceRequired: boolean;
}

/** The stack's `oidc` config object with only `logout` changed, or no change. */
function configChanges({ stack, logout }: ProgramSource): Record<string, unknown> {
  if (logout === undefined) return {};
  const key = "amundsen-sso:oidc";
  const oidc = JSON.parse(readStackConfig(stackFile(stack)).config[key] ?? "{}");
  return { [key]: { ...oidc, logout } };
}

/**
 * One offline run per source and test process: a run's result is plain data, and every catalog a
 * spec starts asks for the same few sources. Runs never overlap, because each caller awaits its
 * lookup before the next one starts.
 */
const runs = new Map<string, Promise<ProgramRun>>();

function run(source: ProgramSource): Promise<ProgramRun> {
  const key = `${source.stack}/${source.logout ?? "stack"}`;
  let found = runs.get(key);
  if (!found) {
    found = loadStack(source.stack, configChanges(source));
    runs.set(key, found);
  }
  return found;
}

/** The one resource of a type (and Pulumi name, or Kubernetes metadata.name) the stack registers. */
async function resource(
  source: ProgramSource,
  type: string,
  name?: { pulumi: string } | { kubernetes: string },
): Promise<RegisteredResource> {
  const { resources, error } = await run(source);
  if (error) throw error;
  const named = (r: RegisteredResource) =>
    name === undefined ||
    ("pulumi" in name
      ? r.name === name.pulumi
      : (r.rawInputs.metadata as { name?: string } | undefined)?.name === name.kubernetes);
  const found = resources.filter((r) => r.type === type && named(r));
  if (found.length !== 1) {
    const what = name ? ` named ${"pulumi" in name ? name.pulumi : name.kubernetes}` : "";
    throw new Error(
      `expected one ${type}${what} in the ${source.stack} stack, found ${found.length}`,
    );
  }
  // A copy, so that a test changing what it got cannot change what the next test gets.
  return structuredClone(found[0] as RegisteredResource);
}

type PodTemplate = { template: { spec: { containers: (FrontendContainer & { name: string })[] } } };

export async function programFrontend(source: ProgramSource): Promise<FrontendContainer> {
  const deployment = await resource(source, "kubernetes:apps/v1:Deployment", {
    pulumi: "frontend",
  });
  const container = (deployment.inputs.spec as PodTemplate).template.spec.containers.find(
    (c) => c.name === "frontend",
  );
  if (!container) throw new Error("the frontend Deployment has no container named frontend");
  return { env: container.env ?? [], command: container.command, args: container.args };
}

export async function programOktaClient(source: ProgramSource): Promise<OktaClient> {
  const app = (await resource(source, "okta:app/oAuth:OAuth")).inputs as Partial<OktaClient>;
  return {
    redirectUris: app.redirectUris ?? [],
    postLogoutRedirectUris: app.postLogoutRedirectUris ?? [],
    grantTypes: app.grantTypes ?? [],
    responseTypes: app.responseTypes ?? [],
    // Okta's default when the app leaves it unset.
    tokenEndpointAuthMethod: app.tokenEndpointAuthMethod ?? "client_secret_basic",
    pkceRequired: app.pkceRequired === true,
  };
}

/**
 * The value the program stores under a Secret key. Values a provider would generate (passwords)
 * are the offline run's deterministic fakes; everything around them is the program's own.
 */
export async function programSecretValue(
  source: ProgramSource,
  { name, key }: SecretKeyRef,
): Promise<string> {
  const secret = await resource(source, "kubernetes:core/v1:Secret", { kubernetes: name });
  const { stringData, data } = secret.rawInputs as {
    stringData?: Record<string, string>;
    data?: Record<string, string>;
  };
  const value =
    stringData?.[key] ?? (data?.[key] === undefined ? undefined : atob(data[key] as string));
  if (value === undefined)
    throw new Error(`Secret ${name} in the ${source.stack} stack has no ${key}`);
  return value;
}
