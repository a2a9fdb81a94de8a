/**
 * A certified OpenID provider (the `oidc-provider` package) shaped like an Okta custom
 * authorization server: HTTPS issuer under `/oauth2/<id>`, Okta's `/v1/...` endpoint paths, the
 * requested profile and email claims inside the ID token, no consent screen for the app, and a
 * sign-out that needs no confirmation click. Its one client is the Okta app the program declares.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import type * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import Provider, {
  type ClientMetadata,
  type Configuration,
  type KoaContextWithOIDC,
} from "oidc-provider";
import type { OktaClient } from "./program";
import type { Tls } from "./tls";

export interface TestUser {
  login: string;
  password: string;
  claims: { sub: string; email: string; email_verified: boolean; name: string };
}

export interface ProviderOptions {
  tls: Tls;
  /** The issuer's path, e.g. `/oauth2/default`, as in the program's discovery URL. */
  issuerPath: string;
  clientId: string;
  clientSecret: string;
  /** The Okta app's settings with its URLs already pointing at local hosts. */
  client: OktaClient;
  user: TestUser;
}

/** Something the provider refused or completed, for tests to assert on. */
export interface ProviderEvent {
  name: string;
  /** The OAuth error code when there is one, e.g. `invalid_client`. */
  error?: string;
}

const oktaRoutes = {
  authorization: "/v1/authorize",
  token: "/v1/token",
  userinfo: "/v1/userinfo",
  jwks: "/v1/keys",
  end_session: "/v1/logout",
  revocation: "/v1/revoke",
  introspection: "/v1/introspect",
};

export class IdentityProvider {
  readonly events: ProviderEvent[] = [];
  /** How often the sign-in form was shown, i.e. how often someone was asked for credentials. */
  loginFormsShown = 0;
  /** Nonces of authorization requests that asked for offline_access (see offlineAccess). */
  private readonly offlineNonces = new Set<string>();
  private provider!: Provider;

  private constructor(
    private readonly server: https.Server,
    private readonly options: ProviderOptions,
    public readonly issuer: string,
  ) {}

  static async start(options: ProviderOptions): Promise<IdentityProvider> {
    const server = https.createServer({ key: options.tls.key, cert: options.tls.cert });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}${options.issuerPath}`;
    const idp = new IdentityProvider(server, options, issuer);
    idp.provider = new Provider(issuer, idp.configuration());
    idp.provider.use(async (ctx, next) => {
      const { scope, nonce } = ctx.query;
      const offline = typeof scope === "string" && scope.split(" ").includes("offline_access");
      if (ctx.path === oktaRoutes.authorization && offline && typeof nonce === "string") {
        idp.offlineNonces.add(nonce);
      }
      await next();
    });
    const record = (name: string) => (_ctx: unknown, error?: Error & { error?: string }) => {
      idp.events.push({ name, error: error?.error ?? error?.message });
    };
    idp.provider.on("authorization.error", record("authorization.error"));
    idp.provider.on("grant.error", record("grant.error"));
    idp.provider.on("end_session.error", record("end_session.error"));
    idp.provider.on("end_session.success", record("end_session.success"));
    idp.provider.on("server_error", record("server_error"));
    server.on("request", (req, res) => idp.handle(req, res));
    return idp;
  }

  get origin(): string {
    return new URL(this.issuer).origin;
  }

  get authorizationUrl(): string {
    return `${this.issuer}${oktaRoutes.authorization}`;
  }

  get endSessionUrl(): string {
    return `${this.issuer}${oktaRoutes.end_session}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private configuration(): Configuration {
    const { client, clientId, clientSecret, user, issuerPath } = this.options;
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    return {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: client.redirectUris,
          post_logout_redirect_uris: client.postLogoutRedirectUris,
          grant_types: client.grantTypes,
          response_types: client.responseTypes as ClientMetadata["response_types"],
          token_endpoint_auth_method:
            client.tokenEndpointAuthMethod as ClientMetadata["token_endpoint_auth_method"],
        },
      ],
      jwks: {
        keys: [{ ...privateKey.export({ format: "jwk" }), kid: "e2e", alg: "RS256", use: "sig" }],
      },
      cookies: { keys: [randomBytes(32).toString("hex")] },
      scopes: ["openid", "email", "profile", "offline_access"],
      claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
      // Okta puts the claims of the granted scopes into the ID token; flaskoidc reads only that.
      conformIdTokenClaims: false,
      findAccount: (_ctx, sub) =>
        sub === user.claims.sub
          ? { accountId: sub, claims: () => ({ ...user.claims }) }
          : undefined,
      interactions: { url: (_ctx, interaction) => `${issuerPath}/interaction/${interaction.uid}` },
      loadExistingGrant: grantWithoutConsent,
      // Okta issues a refresh token when the app allows the grant and the request asked for
      // offline_access. oidc-provider also wants prompt=consent, which flaskoidc never sends, so
      // it drops the scope before the token endpoint; the nonce remembers that it was asked for.
      issueRefreshToken: (_ctx, client, code) =>
        client.grantTypeAllowed("refresh_token") &&
        "nonce" in code &&
        this.offlineNonces.has(String(code.nonce)),
      pkce: { required: () => client.pkceRequired },
      routes: oktaRoutes,
      features: {
        devInteractions: { enabled: false },
        rpInitiatedLogout: { enabled: true, logoutSource: signOutWithoutConfirmation },
      },
      renderError: (ctx, out) => {
        ctx.type = "html";
        ctx.body =
          `<!DOCTYPE html><title>Sign-in error</title><h1>Sign-in error</h1>` +
          `<p id="error">${escapeHtml(out.error)}</p><p id="error_description">${escapeHtml(out.error_description ?? "")}</p>`;
      },
      ttl: {
        AccessToken: 3600,
        IdToken: 3600,
        RefreshToken: 86400,
        Interaction: 600,
        Session: 86400,
        Grant: 86400,
      },
    };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const { issuerPath } = this.options;
    const url = req.url ?? "/";
    if (url.startsWith(`${issuerPath}/interaction/`)) {
      this.interaction(req, res).catch((error: Error) => res.writeHead(500).end(error.message));
      return;
    }
    if (!url.startsWith(`${issuerPath}/`)) {
      res.writeHead(404).end();
      return;
    }
    // Mounted under the issuer path: oidc-provider derives its mount point from originalUrl.
    Object.assign(req, { originalUrl: url, url: url.slice(issuerPath.length) });
    this.provider.callback()(req, res);
  }

  /** The sign-in form; consent never appears (see grantWithoutConsent). */
  private async interaction(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const details = await this.provider.interactionDetails(req, res);
    if (details.prompt.name !== "login")
      throw new Error(`unexpected prompt ${details.prompt.name}`);
    const { user } = this.options;
    let problem = "";
    if (req.method === "POST") {
      const form = new URLSearchParams(await readBody(req));
      if (form.get("login") === user.login && form.get("password") === user.password) {
        await this.provider.interactionFinished(req, res, {
          login: { accountId: user.claims.sub },
        });
        return;
      }
      problem = "Wrong user name or password.";
    }
    this.loginFormsShown += 1;
    res
      .writeHead(200, { "content-type": "text/html" })
      .end(
        `<!DOCTYPE html><title>Sign In</title><h1>Sign In</h1><p id="problem">${problem}</p>` +
          `<form method="post"><input name="login" autocomplete="username">` +
          `<input name="password" type="password"><button type="submit">Sign in</button></form>`,
      );
  }
}

/** The app is first-party, so scopes are granted without asking, as Okta does without consent. */
async function grantWithoutConsent(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const clientId = oidc.client?.clientId ?? "";
  const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(clientId);
  if (grantId) return oidc.provider.Grant.find(grantId);
  const grant = new oidc.provider.Grant({ clientId, accountId: oidc.session?.accountId });
  grant.addOIDCScope(oidc.requestParamOIDCScopes);
  await grant.save();
  return grant;
}

/** Okta signs out without a confirmation page; submit oidc-provider's form at once. */
function signOutWithoutConfirmation(ctx: KoaContextWithOIDC, form: string): void {
  ctx.body =
    `<!DOCTYPE html><title>Signing out</title>${form}` +
    `<script>const f = document.forms[0]; const yes = document.createElement("input");` +
    `yes.type = "hidden"; yes.name = "logout"; yes.value = "yes"; f.appendChild(yes); f.submit();</script>`;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
