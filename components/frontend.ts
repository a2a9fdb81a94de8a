import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PublicEndpoints } from "./endpoints";
import type { LogoutMode } from "./oidcClient";
import {
  httpProbe,
  labelsFor,
  restrictedContainer,
  restrictedPod,
  type Sizing,
  scratchVolume,
  selectorFor,
} from "./workload";

export const frontendPort = 5000;
/** The frontend's health endpoint; flaskoidc lets it through without a login. */
export const healthPath = "/healthcheck";
/** Paths flaskoidc serves without a login: probes, and logout so a signed-out user can always leave. */
export const whitelistedEndpoints = ["status", "healthcheck", "health", "logout"];
/** Where the image installs the idp-logout module (image/Dockerfile). */
const ssoModulePath = "/opt/amundsen-sso";
/** The Secret holding the OIDC client, the session key and an external token store URI. */
export const oidcSecretName = "frontend-oidc";

/** Where flaskoidc keeps OAuth tokens. */
export type TokenStoreRef =
  /** A per-pod SQLite file: one replica only. */
  | { kind: "sqlite" }
  /** A shared database whose SQLAlchemy URI sits in a Secret key. */
  | { kind: "shared"; secretName: string; key: string };

/** What the frontend's environment is derived from. */
export interface FrontendEnvSettings {
  endpoints: PublicEndpoints;
  /** FLASK_OIDC_CONFIG_URL: the authorization server's discovery document. */
  discoveryUrl: string;
  /** Space-separated scopes. */
  scopes: string;
  logout: LogoutMode;
  tokenStore: TokenStoreRef;
  metadataUrl: pulumi.Input<string>;
  searchUrl: pulumi.Input<string>;
  /** Extra plain variables, already validated against the names the program owns. */
  extraEnv?: Record<string, string>;
}

/**
 * The frontend container's environment. Every flaskoidc setting is explicit, because its defaults
 * are wrong behind an ingress (scheme `http`), public (session key) or per pod (token store).
 * Credentials are only ever `secretKeyRef`s.
 */
export function frontendEnv(s: FrontendEnvSettings): k8s.types.input.core.v1.EnvVar[] {
  const plain = (name: string, value: pulumi.Input<string>) => ({ name, value });
  const secret = (name: string, secretName: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: secretName, key } },
  });
  const { endpoints } = s;
  return [
    plain("FRONTEND_SVC_CONFIG_MODULE_CLASS", "amundsen_application.oidc_config.OidcConfig"),
    // flaskoidc hardened for browsers (image/amundsen_sso.py): no request-supplied tokens.
    plain("FLASK_APP_MODULE_NAME", "amundsen_sso"),
    plain("FLASK_APP_CLASS_NAME", "FlaskOIDC"),
    plain("FLASK_OIDC_PROVIDER_NAME", "okta"),
    plain("FLASK_OIDC_CONFIG_URL", s.discoveryUrl),
    secret("FLASK_OIDC_CLIENT_ID", oidcSecretName, "client-id"),
    secret("FLASK_OIDC_CLIENT_SECRET", oidcSecretName, "client-secret"),
    secret("FLASK_OIDC_SECRET_KEY", oidcSecretName, "session-key"),
    plain("FLASK_OIDC_SCOPES", s.scopes),
    plain("FLASK_OIDC_USER_ID_FIELD", "email"),
    plain("FLASK_OIDC_REDIRECT_URI", endpoints.callbackPath),
    plain("FLASK_OIDC_OVERWRITE_REDIRECT_URI", endpoints.landingPath),
    plain("FLASK_OIDC_FORCE_SCHEME", endpoints.scheme),
    plain("FLASK_OIDC_WHITELISTED_ENDPOINTS", whitelistedEndpoints.join(",")),
    s.tokenStore.kind === "sqlite"
      ? plain("SQLALCHEMY_DATABASE_URI", "sqlite:////tmp/flaskoidc-tokens.db")
      : secret("SQLALCHEMY_DATABASE_URI", s.tokenStore.secretName, s.tokenStore.key),
    plain("FRONTEND_BASE", endpoints.baseUrl),
    plain("METADATASERVICE_BASE", s.metadataUrl),
    plain("SEARCHSERVICE_BASE", s.searchUrl),
    plain("PYTHONPATH", ssoModulePath),
    plain("AMUNDSEN_SSO_LOGOUT", s.logout),
    ...(s.logout === "idp"
      ? [plain("AMUNDSEN_SSO_POST_LOGOUT_REDIRECT_URI", endpoints.postLogoutUrl)]
      : []),
    ...Object.entries(s.extraEnv ?? {}).map(([name, value]) => plain(name, value)),
  ];
}

export interface FrontendArgs extends FrontendEnvSettings {
  /** Namespace to deploy into; pass the AmundsenNamespace output so the objects wait for it. */
  namespace: pulumi.Input<string>;
  /** Image reference with digest, from FrontendImage. */
  image: pulumi.Input<string>;
  /** The OIDC client's credentials; both must be secrets. */
  client: { clientId: pulumi.Input<string>; clientSecret: pulumi.Input<string> };
  /** Credentials for a private registry, turned into an image pull Secret. @default none */
  registry?: { host: string; username: string; password: pulumi.Input<string> };
  /** A secret SQLAlchemy URI stored with the OIDC credentials, for an external token store. @default none */
  tokenStoreUri?: pulumi.Input<string>;
  /** @default 1 */
  replicas?: number;
  /** CPU and memory requests and limits (components/sizing.ts has them per tier). */
  sizing: Sizing;
  /** Ingress class (@default cluster default), annotations (@default none) and TLS secret name. */
  ingress: { className?: string; annotations: Record<string, string>; tlsSecretName?: string };
  /** Annotations on the frontend Service, for the ingress controller. @default none */
  serviceAnnotations?: Record<string, string>;
  /** Objects to create first (the API services and token store). @default none */
  dependsOn?: pulumi.Resource[];
}

/**
 * Frontend is Amundsen's web UI behind flaskoidc: its credentials Secret (OIDC client and a
 * generated session-signing key shared by every replica), Deployment, Service, Ingress and,
 * with more than one replica, a PodDisruptionBudget.
 */
export class Frontend extends pulumi.ComponentResource {
  public readonly sessionKey: random.RandomPassword;
  public readonly credentials: k8s.core.v1.Secret;
  public readonly pullSecret?: k8s.core.v1.Secret;
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly service: k8s.core.v1.Service;
  public readonly ingress: k8s.networking.v1.Ingress;
  public readonly podDisruptionBudget?: k8s.policy.v1.PodDisruptionBudget;

  constructor(name: string, args: FrontendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("amundsen-sso:index:Frontend", name, {}, opts);

    const labels = labelsFor("frontend");
    const metadata = { name: "frontend", namespace: args.namespace, labels };
    const replicas = args.replicas ?? 1;
    if (args.endpoints.scheme === "http") {
      pulumi.log.warn(
        `The catalog is served over plain http (${args.endpoints.baseUrl}): session cookies and OIDC callbacks travel unencrypted. Development only.`,
        this,
      );
    }

    // Credentials: flaskoidc's built-in session key is public, so every stack gets its own.
    this.sessionKey = new random.RandomPassword(
      `${name}-session-key`,
      { length: 64, special: false },
      { parent: this },
    );
    const credentials: Record<string, pulumi.Input<string>> = {
      "client-id": pulumi.secret(args.client.clientId),
      "client-secret": pulumi.secret(args.client.clientSecret),
      "session-key": pulumi.secret(this.sessionKey.result),
      ...(args.tokenStoreUri !== undefined
        ? { "token-store-uri": pulumi.secret(args.tokenStoreUri) }
        : {}),
    };
    this.credentials = new k8s.core.v1.Secret(
      `${name}-oidc`,
      { metadata: { ...metadata, name: oidcSecretName }, type: "Opaque", stringData: credentials },
      { parent: this },
    );
    if (args.registry) {
      this.pullSecret = new k8s.core.v1.Secret(
        `${name}-pull`,
        {
          metadata: { ...metadata, name: "frontend-registry" },
          type: "kubernetes.io/dockerconfigjson",
          stringData: { ".dockerconfigjson": pulumi.secret(dockerConfigJson(args.registry)) },
        },
        { parent: this },
      );
    }

    // Workload: pods roll when a credential changes, because env from a Secret is read only at start.
    // A one-way hash reveals nothing, so it need not be a secret (which would hide the whole template).
    const checksum = pulumi.unsecret(
      pulumi
        .all(Object.values(credentials))
        .apply((values) => createHash("sha256").update(values.join("\0")).digest("hex")),
    );
    this.deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata,
        spec: {
          replicas,
          selector: { matchLabels: selectorFor("frontend") },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels, annotations: { "amundsen-sso/credentials-checksum": checksum } },
            spec: {
              securityContext: restrictedPod(10001),
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              imagePullSecrets: this.pullSecret ? [{ name: "frontend-registry" }] : undefined,
              topologySpreadConstraints:
                replicas > 1
                  ? [
                      {
                        maxSkew: 1,
                        topologyKey: "kubernetes.io/hostname",
                        whenUnsatisfiable: "ScheduleAnyway",
                        labelSelector: { matchLabels: selectorFor("frontend") },
                      },
                    ]
                  : undefined,
              containers: [
                {
                  name: "frontend",
                  image: args.image,
                  command: [
                    // One process with threads: each gunicorn worker would build the app and
                    // create flaskoidc's token table, and a worker that fails stops the pod.
                    "gunicorn",
                    "--workers",
                    "1",
                    "--threads",
                    "4",
                    "--bind",
                    `:${frontendPort}`,
                    "--forwarded-allow-ips",
                    "*",
                    "amundsen_application.wsgi",
                  ],
                  env: frontendEnv(args),
                  ports: [{ name: "http", containerPort: frontendPort }],
                  resources: args.sizing,
                  securityContext: restrictedContainer(true),
                  readinessProbe: httpProbe(healthPath, frontendPort, 10),
                  livenessProbe: httpProbe(healthPath, frontendPort, 20, 6),
                  startupProbe: httpProbe(healthPath, frontendPort, 5, 60),
                  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                },
              ],
              volumes: [scratchVolume("tmp")],
            },
          },
        },
      },
      { parent: this, dependsOn: [this.credentials, ...(args.dependsOn ?? [])] },
    );

    // Exposure: the Ingress host is the public host the OIDC redirect URIs were derived from.
    this.service = new k8s.core.v1.Service(
      name,
      {
        metadata: { ...metadata, annotations: args.serviceAnnotations },
        spec: {
          selector: selectorFor("frontend"),
          ports: [{ name: "http", port: frontendPort, targetPort: "http" }],
        },
      },
      { parent: this },
    );
    const { endpoints } = args;
    this.ingress = new k8s.networking.v1.Ingress(
      name,
      {
        metadata: { ...metadata, annotations: args.ingress.annotations },
        spec: {
          ingressClassName: args.ingress.className,
          tls:
            endpoints.scheme === "https"
              ? [
                  {
                    hosts: [endpoints.host],
                    secretName: args.ingress.tlsSecretName ?? "frontend-tls",
                  },
                ]
              : undefined,
          rules: [
            {
              host: endpoints.host,
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: "frontend", port: { name: "http" } } },
                  },
                ],
              },
            },
          ],
        },
      },
      { parent: this, dependsOn: [this.service] },
    );

    if (replicas > 1) {
      this.podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
        name,
        {
          metadata,
          spec: { maxUnavailable: 1, selector: { matchLabels: selectorFor("frontend") } },
        },
        { parent: this },
      );
    }

    this.registerOutputs({ deployment: this.deployment.metadata.name });
  }
}

function dockerConfigJson(registry: {
  host: string;
  username: string;
  password: pulumi.Input<string>;
}) {
  return pulumi.output(registry.password).apply((password) =>
    JSON.stringify({
      auths: {
        [registry.host]: {
          username: registry.username,
          password,
          auth: Buffer.from(`${registry.username}:${password}`).toString("base64"),
        },
      },
    }),
  );
}
