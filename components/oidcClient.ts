import * as okta from "@pulumi/okta";
import * as pulumi from "@pulumi/pulumi";
import { groupSlug } from "./config";
import type { OktaIssuer, PublicEndpoints } from "./endpoints";

/** How Amundsen signs users out. */
export type LogoutMode = "local" | "idp";

/**
 * Scopes the frontend asks for and grants the Okta app allows, from one flag. Okta issues a refresh
 * token only when the app allows `refresh_token` and the request carries `offline_access`; with
 * one but not the other, sessions silently die when the first access token expires.
 */
export function oidcGrants(offlineAccess: boolean): { scopes: string[]; grantTypes: string[] } {
  return offlineAccess
    ? {
        scopes: ["openid", "email", "profile", "offline_access"],
        grantTypes: ["authorization_code", "refresh_token"],
      }
    : { scopes: ["openid", "email", "profile"], grantTypes: ["authorization_code"] };
}

/**
 * How the client authenticates at the token endpoint. Pinned: Okta regenerates the secret when it
 * changes, and the provider keeps the old one in state.
 */
export const tokenEndpointAuthMethod = "client_secret_basic";

export interface OidcClientArgs {
  /** The stack's public URLs; redirect, login and post-logout URIs come from here. */
  endpoints: PublicEndpoints;
  /** The authorization server the frontend trusts. */
  issuer: OktaIssuer;
  /** Ask for refresh tokens. @default true */
  offlineAccess?: boolean;
  /** `idp` registers the post-logout URI so Okta's end-session can return to Amundsen. @default "local" */
  logout?: LogoutMode;
  /** Okta group names whose members may sign in. @default [] (assign users in Okta) */
  groups?: string[];
  /** Label shown in the Okta dashboard. */
  label: string;
  /**
   * An OIDC client another team registered; both values must be secrets. When set, no Okta
   * resource is created. @default unset: create the app
   */
  existing?: { clientId: pulumi.Input<string>; clientSecret: pulumi.Input<string> };
}

/**
 * OidcClient is the Okta OIDC web app Amundsen signs users in with, or an existing client.
 *
 * The app uses the authorization code flow; its redirect URI is the frontend's callback URL from
 * the same helper that configures flaskoidc, so the two always agree.
 */
export class OidcClient extends pulumi.ComponentResource {
  public readonly app?: okta.app.OAuth;
  public readonly assignments: okta.app.GroupAssignment[] = [];
  public readonly clientId: pulumi.Output<string>;
  /** Secret. Fails the deployment if Okta returned none (an imported app has none in state). */
  public readonly clientSecret: pulumi.Output<string>;
  public readonly issuer: string;
  public readonly discoveryUrl: string;
  /** Space-separated, as FLASK_OIDC_SCOPES wants them. */
  public readonly scopes: string;

  constructor(name: string, args: OidcClientArgs, opts?: pulumi.ComponentResourceOptions) {
    super("amundsen-sso:index:OidcClient", name, {}, opts);

    const { scopes, grantTypes } = oidcGrants(args.offlineAccess ?? true);
    this.scopes = scopes.join(" ");
    this.issuer = args.issuer.issuer;
    this.discoveryUrl = args.issuer.discoveryUrl;

    if (args.existing) {
      // Limitation: an existing client's URIs and grants cannot be checked from here; see README "Configuration".
      this.clientId = pulumi.secret(args.existing.clientId);
      this.clientSecret = pulumi.secret(args.existing.clientSecret);
      this.registerOutputs({ clientId: this.clientId, issuer: this.issuer });
      return;
    }

    const { endpoints } = args;
    this.app = new okta.app.OAuth(
      name,
      {
        label: args.label,
        type: "web",
        grantTypes,
        responseTypes: ["code"],
        redirectUris: [endpoints.callbackUrl],
        postLogoutRedirectUris: args.logout === "idp" ? [endpoints.postLogoutUrl] : [],
        loginUri: endpoints.loginUrl,
        loginMode: "SPEC",
        loginScopes: scopes.filter((s) => s !== "offline_access"),
        tokenEndpointAuthMethod,
        pkceRequired: false,
      },
      // A new auth method means a new secret: replace the app so the Secret and pods roll with it.
      { parent: this, replaceOnChanges: ["tokenEndpointAuthMethod"] },
    );

    for (const group of args.groups ?? []) {
      const { id } = okta.group.getGroupOutput({ name: group }, { parent: this });
      this.assignments.push(
        new okta.app.GroupAssignment(
          `${name}-${groupSlug(group)}`,
          { appId: this.app.id, groupId: id },
          { parent: this },
        ),
      );
    }

    this.clientId = this.app.clientId;
    this.clientSecret = pulumi.secret(
      this.app.clientSecret.apply((secret) => {
        if (!secret) {
          throw new Error(
            `Okta app ${args.label} has no client secret in state (Okta returns it only when the app is created, so ` +
              "an imported app has none). Nothing that uses it was changed. Either let the program create the app, or set " +
              "oidcClientId and oidcClientSecret (--secret) to use the existing client.",
          );
        }
        return secret;
      }),
    );

    this.registerOutputs({ clientId: this.clientId, issuer: this.issuer });
  }
}
