/**
 * What the end-to-end test takes from the Pulumi program: the frontend container of the dev stack
 * and the Okta app that container signs users in with. Nothing here restates a value; it only
 * picks resources out of what the program registers.
 */
import { readStackConfig, stackFile } from "../../scripts/offline";
import { loadStack, type RegisteredResource } from "../harness/program";

/** How the frontend signs users out: locally only, or at the identity provider too. */
export type LogoutMode = "local" | "idp";

/** A Kubernetes env entry, as the Deployment declares it. */
export type EnvVar =
  | { name: string; value: string }
  | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } };

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

/** The dev stack's `oidc` config object with only `logout` changed. */
function logoutOverride(logout: LogoutMode): Record<string, unknown> {
  const key = "amundsen-sso:oidc";
  const oidc = JSON.parse(readStackConfig(stackFile("dev")).config[key] ?? "{}");
  return { [key]: { ...oidc, logout } };
}

async function resource(
  logout: LogoutMode,
  type: string,
  name?: string,
): Promise<RegisteredResource> {
  const { resources, error } = await loadStack("dev", logoutOverride(logout));
  if (error) throw error;
  const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type}${name ? ` named ${name}` : ""} in the dev stack, found ${found.length}`,
    );
  }
  return found[0] as RegisteredResource;
}

type PodTemplate = { template: { spec: { containers: (FrontendContainer & { name: string })[] } } };

export async function programFrontend(logout: LogoutMode): Promise<FrontendContainer> {
  const deployment = await resource(logout, "kubernetes:apps/v1:Deployment", "frontend");
  const container = (deployment.inputs.spec as PodTemplate).template.spec.containers.find(
    (c) => c.name === "frontend",
  );
  if (!container) throw new Error("the frontend Deployment has no container named frontend");
  return { env: container.env ?? [], command: container.command, args: container.args };
}

export async function programFrontendEnv(logout: LogoutMode): Promise<EnvVar[]> {
  return (await programFrontend(logout)).env;
}

export async function programOktaClient(logout: LogoutMode): Promise<OktaClient> {
  const app = (await resource(logout, "okta:app/oAuth:OAuth")).inputs as Partial<OktaClient>;
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
