/**
 * The public URLs of a stack and of its Okta org, derived in one place.
 *
 * The Okta app's redirect URIs and the frontend's flaskoidc settings both come from here, so the
 * URL flaskoidc sends to Okta and the URL registered in Okta cannot drift apart (an `http://`
 * callback behind a TLS ingress is the classic symptom when they do).
 */

/** Where users reach the catalog, and the OIDC URLs hanging off it. */
export interface PublicEndpoints {
  /** `https` when the ingress terminates TLS, else `http`; flaskoidc's FLASK_OIDC_FORCE_SCHEME. */
  readonly scheme: "https" | "http";
  /** The host users type, without scheme. */
  readonly host: string;
  /** `scheme://host`, no trailing slash: FRONTEND_BASE. */
  readonly baseUrl: string;
  /** The callback path flaskoidc serves: FLASK_OIDC_REDIRECT_URI. */
  readonly callbackPath: string;
  /** The absolute callback registered in Okta: baseUrl + callbackPath, exactly. */
  readonly callbackUrl: string;
  /** Okta's "initiate login URI". flaskoidc serves /login. */
  readonly loginUrl: string;
  /** Where the IdP sends the browser after signing out; the landing page `/`. */
  readonly postLogoutUrl: string;
  /** The page flaskoidc redirects to after a successful callback: FLASK_OIDC_OVERWRITE_REDIRECT_URI. */
  readonly landingPath: string;
}

export function publicEndpoints(host: string, tls: boolean, callbackPath: string): PublicEndpoints {
  const scheme = tls ? "https" : "http";
  const baseUrl = `${scheme}://${host}`;
  return {
    scheme,
    host,
    baseUrl,
    callbackPath,
    callbackUrl: `${baseUrl}${callbackPath}`,
    loginUrl: `${baseUrl}/login`,
    postLogoutUrl: `${baseUrl}/`,
    landingPath: "/",
  };
}

/** An Okta authorization server's issuer and discovery document. */
export interface OktaIssuer {
  readonly orgUrl: string;
  readonly issuer: string;
  /** FLASK_OIDC_CONFIG_URL. */
  readonly discoveryUrl: string;
}

/**
 * The issuer of an Okta authorization server. `org` names the org authorization server (issuer is
 * the org URL itself); anything else is a custom server under `/oauth2/<id>`, `default` included.
 */
export function oktaIssuer(
  orgName: string,
  baseUrl: string,
  authorizationServerId: string,
): OktaIssuer {
  const orgUrl = `https://${orgName}.${baseUrl}`;
  const issuer =
    authorizationServerId === "org" ? orgUrl : `${orgUrl}/oauth2/${authorizationServerId}`;
  return { orgUrl, issuer, discoveryUrl: `${issuer}/.well-known/openid-configuration` };
}
