import * as pulumi from "@pulumi/pulumi";
import { closest as closestMatch, distance } from "fastest-levenshtein";
import { z } from "zod";
import { legacyIngressClassAnnotation, resolveIngress } from "./cluster";
import { datastoreSupport, isSupportedVersion } from "./versions";

/** The Pulumi project name, which is also the namespace of every config key the program reads. */
export const project = "amundsen-sso";

/** Cluster flavours with presets for ingress class, annotations and storage class. */
export const clusterPresets = ["generic", "eks", "gke", "aks", "kind", "k3d", "minikube"] as const;
export type ClusterPreset = (typeof clusterPresets)[number];

/**
 * Env names that flaskoidc 1.x and Amundsen ignore or that the program must own. Old guides still
 * use the first group; setting them does nothing, so a login that looks configured never works.
 */
const legacyEnvNames: Record<string, string> = {
  OIDC_CALLBACK_ROUTE: "the callback path is oidc.callbackPath (FLASK_OIDC_REDIRECT_URI)",
  OIDC_CLIENT_SECRETS: "client credentials come from the Okta app or oidcClientId/oidcClientSecret",
  FLASK_OIDC_CLIENT_SECRETS:
    "client credentials come from the Okta app or oidcClientId/oidcClientSecret",
  OVERWRITE_REDIRECT_URI:
    "the post-login page is set by the program (FLASK_OIDC_OVERWRITE_REDIRECT_URI)",
  FLASK_OIDC_FORCE_SCHEMA: "flaskoidc 1.0.6 renamed it FLASK_OIDC_FORCE_SCHEME, derived from tls",
  FLASK_OIDC_SCHEME: "the variable is FLASK_OIDC_FORCE_SCHEME, derived from tls",
  FLASK_OIDC_SQLALCHEMY_DATABASE_URI: "the token store is frontend.tokenStore",
  OIDC_CLIENT_ID: "client credentials come from the Okta app or oidcClientId/oidcClientSecret",
  OIDC_ORG_URL:
    "the issuer is derived from okta:orgName, okta:baseUrl and oidc.authorizationServerId",
  APP_WRAPPER: "the wrapper is set by the program (FLASK_APP_MODULE_NAME)",
  APP_WRAPPER_CLASS: "the wrapper is set by the program (FLASK_APP_CLASS_NAME)",
  APP_WRAPPER_ARGS: "the wrapper takes no arguments (FLASK_APP_KWARGS_DICT is set by the program)",
  ES_HOST: "the search service reads PROXY_ENDPOINT, which the program sets",
};

/** Prefixes of env names the program derives; an override would split the source of truth. */
const ownedEnvPrefixes = ["FLASK_OIDC_", "FLASK_APP_", "SQLALCHEMY_", "FRONTEND_", "AMUNDSEN_SSO_"];
const ownedEnvNames = ["METADATASERVICE_BASE", "SEARCHSERVICE_BASE", "PYTHONPATH"];

/** Env names whose values are credentials and therefore may never be literal values. */
export const sensitiveEnvName = /SECRET|KEY|PASS(WORD|WD)?|PWD|TOKEN|CREDENTIAL|PRIVATE|AUTH/i;

/** The part of an Okta group name used in resource names; two groups may not share one. */
export function groupSlug(group: string): string {
  return group
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** Secret config keys: read only with getSecret, and refused when stored in plaintext. */
export const secretKeys = [
  "kubeconfig",
  "registryPassword",
  "oidcClientId",
  "oidcClientSecret",
  "tokenStoreUri",
  "neo4jPassword",
  "elasticsearchPassword",
] as const;
export type SecretKey = (typeof secretKeys)[number];

const dnsLabel = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    "must be a DNS label: lower-case letters, digits and '-', at most 63",
  );

/** A DNS subdomain, as Kubernetes object names, class names and Ingress hosts must be. */
const dnsSubdomainPattern =
  /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
const dnsSubdomain = z
  .string()
  .regex(dnsSubdomainPattern, "must be a DNS subdomain: lower-case letters, digits, '-' and '.'");

const hostname = z
  .string()
  .regex(
    dnsSubdomainPattern,
    "must be a bare lower-case host name such as amundsen.example.com: no scheme, port, path or '*'",
  )
  .refine((h) => !/^[0-9.]+$/.test(h), {
    error: "must be a DNS name, not an IP address: Ingress hosts and Okta redirect URIs need one",
  });

/** Annotation keys: an optional DNS-subdomain prefix and a name of at most 63 characters. */
const annotationKey = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    "must be an annotation key such as alb.ingress.kubernetes.io/scheme",
  );

const quantity = z
  .string()
  .regex(
    /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti)$/,
    "must be a storage size such as 10Gi (units Ki, Mi, Gi, Ti)",
  );

const replicas = z
  .number()
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(20, "must be at most 20");

const versionOf = (store: "neo4j" | "elasticsearch") => {
  const support = datastoreSupport[store];
  return z
    .string()
    .regex(
      /^[0-9]+\.[0-9]+\.[0-9]+$/,
      `must be a full release such as ${support.defaultVersion}, the image tag to run`,
    )
    .default(support.defaultVersion)
    .refine((v) => isSupportedVersion(support, v), {
      error: `is not supported: ${support.reason}; supported: ${support.supported
        .map((p) => (p.endsWith(".") ? `${p}x` : `${p}.x`))
        .join(", ")}`,
    });
};

/** Paths the frontend serves itself: flaskoidc's routes, the API, and the catalog's own pages. */
const ownRoutes =
  /^\/(login|logout|healthcheck|api|static|search|browse|announcements|dashboard|table_detail|user|lineage|feature|404|opensearch\.xml)?(\/|$)/;

const callbackPath = z
  .string()
  .regex(
    /^\/[A-Za-z0-9._~\-/]*$/,
    "must be an absolute path starting with '/', such as /auth, with no query or fragment",
  )
  .refine((p) => !["/oidc_callback", "/oidc/callback", "/oidc/callback/"].includes(p), {
    error:
      "is the callback of pre-1.0 flask-oidc guides; flaskoidc 1.x serves FLASK_OIDC_REDIRECT_URI, use /auth",
  })
  .refine((p) => !p.slice(1).replace(/\/$/, "").split("/").includes(""), {
    error: "must not contain empty segments (//); Okta registers the URI literally",
  })
  .refine((p) => !p.includes("."), {
    // flaskoidc also lets through any request whose Flask endpoint name equals the callback path
    // without slashes, and blueprint endpoints are dotted (search.search): a dotted path would
    // switch the login off for that endpoint.
    error: "must not contain '.', which flaskoidc would match against the app's endpoint names",
  })
  .refine((p) => !["index", "static"].includes(p.replace(/^\/+|\/+$/g, "")), {
    error:
      "names one of the frontend's own endpoints (index, static), which flaskoidc would let through",
  })
  .refine((p) => !ownRoutes.test(p), {
    error:
      "collides with a route Amundsen or flaskoidc already serves (/, /login, /logout, /healthcheck, /api, /static, or a catalog page such as /search or /user)",
  });

const extraEnv = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"),
    z.string(),
  )
  .superRefine((env, ctx) => {
    for (const name of Object.keys(env)) {
      const fail = (message: string) => ctx.addIssue({ code: "custom", path: [name], message });
      if (legacyEnvNames[name])
        fail(`is not read by flaskoidc 1.x or Amundsen: ${legacyEnvNames[name]}`);
      else if (ownedEnvNames.includes(name) || ownedEnvPrefixes.some((p) => name.startsWith(p)))
        fail("is derived by the program from other keys and cannot be overridden");
      else if (sensitiveEnvName.test(name))
        fail(
          "looks like a credential; literal env values are visible to anyone who can read the Deployment",
        );
    }
  });

export const settingsSchema = z
  .strictObject({
    tier: z.enum(["development", "production"]).default("development"),
    hostname,
    tls: z.boolean().default(true),
    namespace: dnsLabel
      .refine((n) => !["default", "kube-system", "kube-public", "kube-node-lease"].includes(n), {
        error:
          "is shared with the cluster itself; the program labels its namespace and denies all traffic in it",
      })
      .default("amundsen"),
    cluster: z
      .strictObject({
        preset: z.enum(clusterPresets).default("generic"),
        kubeconfigPath: z.string().min(1).optional(),
        context: z.string().min(1).optional(),
        renderYamlToDirectory: z.string().min(1).optional(),
      })
      .prefault({}),
    ingress: z
      .strictObject({
        className: z
          .string()
          .min(1, "must not be empty; leave it out to use the preset's")
          .pipe(dnsSubdomain)
          .optional(),
        annotations: z.record(annotationKey, z.string()).optional(),
        tlsSecretName: dnsSubdomain.optional(),
      })
      .prefault({}),
    storageClassName: dnsSubdomain.optional(),
    image: z
      .strictObject({
        repository: z.string().optional(),
        tag: z
          .string()
          .regex(
            /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
            "must be a Docker tag: letters, digits, '_', '.', '-'",
          )
          .optional(),
        platform: z.enum(["linux/amd64", "linux/arm64"]).default("linux/amd64"),
        registryUsername: z.string().min(1).optional(),
        existing: z.string().optional(),
      })
      .prefault({}),
    oidc: z
      .strictObject({
        authorizationServerId: z
          .string()
          .regex(
            /^[A-Za-z0-9]+$/,
            "must be an Okta authorization server id such as default or aus1a2b3c4d",
          )
          .default("default"),
        callbackPath: callbackPath.default("/auth"),
        logout: z.enum(["local", "idp"]).default("local"),
        offlineAccess: z.boolean().default(true),
        groups: z.array(z.string().min(1, "must not be empty")).default([]),
        appLabel: z.string().min(1).max(100).optional(),
      })
      .prefault({}),
    frontend: z
      .strictObject({
        replicas: replicas.default(1),
        tokenStore: z.enum(["sqlite", "postgres", "external"]).default("sqlite"),
        tokenStorePort: z.number().int().min(1).max(65535).optional(),
        extraEnv: extraEnv.default({}),
      })
      .prefault({}),
    metadata: z.strictObject({ replicas: replicas.default(1) }).prefault({}),
    search: z.strictObject({ replicas: replicas.default(1) }).prefault({}),
    neo4j: z
      .strictObject({
        version: versionOf("neo4j"),
        storageSize: quantity.default("10Gi"),
        boltTls: z.boolean().default(false),
        externalHost: z
          .string()
          .regex(
            /^(bolt|neo4j)(\+s|\+ssc)?:\/\/[^:/]+$/,
            "must be bolt://HOST (scheme and host, no port or path)",
          )
          .optional(),
        port: z.number().int().min(1).max(65535).optional(),
        username: z.string().min(1).optional(),
      })
      .prefault({}),
    elasticsearch: z
      .strictObject({
        version: versionOf("elasticsearch"),
        storageSize: quantity.default("10Gi"),
        externalEndpoint: z
          .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
          .refine((u) => !/^https?:\/\/[^/]*@/.test(u), {
            error:
              "must not carry credentials; set elasticsearch.username and elasticsearchPassword (--secret)",
          })
          .optional(),
        username: z.string().min(1).default("elastic"),
      })
      .prefault({}),
    sampleData: z.boolean().default(false),
    retainDatastoreVolumes: z.boolean().optional(),
  })
  .superRefine((c, ctx) => {
    const fail = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: "custom", path, message });
    const production = c.tier === "production";

    if (production && !c.tls)
      fail(["tls"], "must be true when tier is production: Okta callbacks and cookies need https");
    if (production && /(^|\.)localhost$|^127\.|^0\.0\.0\.0$/.test(c.hostname))
      fail(["hostname"], "must be a public host when tier is production, not a loopback name");
    if (c.frontend.replicas > 1 && c.frontend.tokenStore === "sqlite")
      fail(
        ["frontend", "replicas"],
        "is more than 1 with frontend.tokenStore sqlite: each pod would keep its own tokens; set frontend.tokenStore to postgres or external",
      );
    if (c.oidc.groups.length !== new Set(c.oidc.groups.map(groupSlug)).size)
      fail(
        ["oidc", "groups"],
        "lists a group twice (names that differ only in case or punctuation count as the same)",
      );
    if (c.frontend.tokenStorePort !== undefined && c.frontend.tokenStore !== "external")
      fail(["frontend", "tokenStorePort"], "only applies to frontend.tokenStore external");
    if (c.neo4j.boltTls && c.sampleData)
      fail(
        ["sampleData"],
        "cannot be used with neo4j.boltTls: the sample loader connects without TLS",
      );
    if (c.neo4j.boltTls && !c.neo4j.externalHost && !c.neo4j.version.startsWith("3.5"))
      fail(
        ["neo4j", "boltTls"],
        `needs Neo4j 3.5, which generates its own certificate; Neo4j ${c.neo4j.version} needs certificates this program does not manage`,
      );
  });

/** Validated stack settings, with every default applied. */
export type Settings = z.infer<typeof settingsSchema> & {
  /** Whether each secret key is set; secret values themselves are read only as Outputs. */
  readonly secretsSet: Readonly<Record<SecretKey, boolean>>;
  /** The Okta org, from the provider's own `okta:orgName` and `okta:baseUrl` keys. */
  readonly okta: { readonly orgName: string; readonly baseUrl: string };
  /** The stack name, used in labels and the Okta app label. */
  readonly stack: string;
};

/** A stack configuration problem, reported before any resource is registered. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      `Invalid stack configuration (nothing was created or changed):\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
        `Set values with \`pulumi config set [--path] ${project}:<key> <value>\` (secrets with --secret); ` +
        "every key is listed in the README.",
    );
    this.name = "ConfigError";
  }
}

const objectKeys = Object.keys(settingsSchema.shape);
/** Keys whose value is text; the CLI hands every value over as a string, so only others are JSON. */
const textKeys = new Set(
  objectKeys.filter((key) =>
    isTextSchema(settingsSchema.shape[key as keyof typeof settingsSchema.shape]),
  ),
);
/** The Okta provider's credentials, which must never sit in a stack file in plaintext. */
const oktaCredentialKeys = ["okta:apiToken", "okta:privateKey", "okta:accessToken"];

/**
 * Reads every `amundsen-sso:*` key (plus `okta:orgName`/`okta:baseUrl`), validates them all and
 * returns the settings, or throws one ConfigError listing every problem. Registers no resources.
 */
export function loadSettings(): Settings {
  const all = pulumi.runtime.allConfig();
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  const secretsSet = Object.fromEntries(secretKeys.map((k) => [k, false])) as Record<
    SecretKey,
    boolean
  >;

  for (const [fullKey, value] of Object.entries(all)) {
    const [namespace, key = ""] = splitKey(fullKey);
    if (oktaCredentialKeys.includes(`${namespace}:${key}`) && !isStoredAsSecret(fullKey))
      problems.push(
        `${fullKey}: is stored in plaintext; set it with \`pulumi config set --secret ${fullKey} …\``,
      );
    if (namespace !== project) {
      problems.push(...foreignKeyProblems(fullKey, namespace, key));
      continue;
    }
    if ((secretKeys as readonly string[]).includes(key)) {
      if (!isStoredAsSecret(fullKey))
        problems.push(
          `${fullKey}: is stored in plaintext; set it with \`pulumi config set --secret ${fullKey} …\``,
        );
      else if (value === "") problems.push(`${fullKey}: is empty`);
      secretsSet[key as SecretKey] = true;
    } else if (objectKeys.includes(key)) {
      raw[key] = textKeys.has(key) ? value : parseValue(value);
    } else if (key.includes(".") && objectKeys.includes(key.split(".")[0] ?? "")) {
      problems.push(
        `${fullKey}: is not a key of its own; set nested keys with --path: \`pulumi config set --path ${fullKey} …\``,
      );
    } else {
      const hint = closest(key, [...objectKeys, ...secretKeys]);
      problems.push(
        `${fullKey}: is not a known key${hint ? `; did you mean ${project}:${hint}?` : ""}`,
      );
    }
  }

  const result = settingsSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(describeIssue(issue, raw));
  }

  const orgName = all["okta:orgName"] ?? "";
  const baseUrl = all["okta:baseUrl"] ?? "okta.com";
  if (!/^[a-z0-9][a-z0-9-]*$/.test(orgName))
    problems.push(
      `okta:orgName: got ${JSON.stringify(orgName)}; must be the Okta org subdomain, such as dev-123456 for https://dev-123456.okta.com`,
    );
  if (
    !["okta.com", "oktapreview.com", "okta-emea.com", "okta-gov.com", "okta.mil"].includes(baseUrl)
  )
    problems.push(
      `okta:baseUrl: got ${JSON.stringify(baseUrl)}; must be okta.com, oktapreview.com, okta-emea.com, okta-gov.com or okta.mil`,
    );

  if (result.success) problems.push(...crossChecks(result.data, secretsSet));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);

  return {
    ...result.data,
    secretsSet,
    okta: { orgName, baseUrl },
    stack: pulumi.getStack(),
  };
}

/** Settings of the Okta provider (pulumi-okta), which reads them itself. */
const oktaProviderKeys = [
  "orgName",
  "baseUrl",
  "apiToken",
  "accessToken",
  "clientId",
  "privateKey",
  "privateKeyId",
  "scopes",
  "httpProxy",
  "backoff",
  "maxRetries",
  "minWaitSeconds",
  "maxWaitSeconds",
  "requestTimeout",
  "maxApiCapacity",
  "parallelism",
  "logLevel",
];
/** Namespaces of providers and of Pulumi itself that a stack may legitimately configure. */
const otherNamespaces = ["okta", "kubernetes", "pulumi", "docker-build", "docker", "random"];

/**
 * Keys outside this project's namespace: misspelt Okta settings (which the provider would ignore)
 * and keys in a namespace that looks like a slip for this project's, which nothing would read.
 */
function foreignKeyProblems(fullKey: string, namespace: string, key: string): string[] {
  if (namespace === "okta" && !oktaProviderKeys.includes(key)) {
    const hint =
      closest(key, oktaProviderKeys) ??
      oktaProviderKeys.find((k) => k.toLowerCase() === key.toLowerCase());
    return [
      `${fullKey}: is not an Okta provider setting${hint ? `; did you mean okta:${hint}?` : ""}`,
    ];
  }
  if (
    !otherNamespaces.includes(namespace) &&
    (namespace.startsWith("amundsen") || distance(namespace, project) <= 3)
  )
    return [
      `${fullKey}: is in namespace ${namespace}, which nothing reads; did you mean ${project}:${key}?`,
    ];
  return [];
}

/** Rules that involve secret keys, whose values the program never reads in plaintext. */
function crossChecks(
  c: z.infer<typeof settingsSchema>,
  secrets: Record<SecretKey, boolean>,
): string[] {
  const problems: string[] = [];
  const key = (k: string) => `${project}:${k}`;

  if (secrets.oidcClientId !== secrets.oidcClientSecret)
    problems.push(
      `${key(secrets.oidcClientId ? "oidcClientSecret" : "oidcClientId")}: is missing; an existing client needs both oidcClientId and oidcClientSecret`,
    );
  if (secrets.oidcClientId && c.oidc.groups.length > 0)
    problems.push(
      `${key("oidc.groups")}: got ${JSON.stringify(c.oidc.groups)}; group assignment needs the Okta app this program creates, so leave it empty when oidcClientId is set`,
    );

  if ((c.frontend.tokenStore === "external") !== secrets.tokenStoreUri)
    problems.push(
      c.frontend.tokenStore === "external"
        ? `${key("tokenStoreUri")}: is missing; frontend.tokenStore external needs a postgresql:// URI set with --secret`
        : `${key("tokenStoreUri")}: is set but frontend.tokenStore is ${JSON.stringify(c.frontend.tokenStore)}; set frontend.tokenStore to external or remove it`,
    );
  if (!c.neo4j.externalHost && (c.neo4j.port !== undefined || c.neo4j.username !== undefined))
    problems.push(
      `${key(c.neo4j.port !== undefined ? "neo4j.port" : "neo4j.username")}: only applies with neo4j.externalHost; the deployed Neo4j listens on 7687 for user neo4j`,
    );
  if (!c.elasticsearch.externalEndpoint && secrets.elasticsearchPassword)
    problems.push(
      `${key("elasticsearchPassword")}: is set but the deployed Elasticsearch has no authentication; it only applies with elasticsearch.externalEndpoint`,
    );
  if (c.neo4j.externalHost && !secrets.neo4jPassword)
    problems.push(
      `${key("neo4jPassword")}: is missing; neo4j.externalHost needs the password set with --secret`,
    );
  if (c.sampleData && (c.neo4j.externalHost || c.elasticsearch.externalEndpoint))
    problems.push(
      `${key("sampleData")}: got true; the sample loader only targets the datastores this program deploys`,
    );

  if (secrets.kubeconfig && c.cluster.kubeconfigPath)
    problems.push(
      `${key("cluster.kubeconfigPath")}: is set together with ${key("kubeconfig")}; choose one`,
    );
  if (!secrets.kubeconfig && !c.cluster.kubeconfigPath && !c.cluster.renderYamlToDirectory)
    problems.push(
      `${key("kubeconfig")}: is missing; set ${key("kubeconfig")} (--secret, file contents), ${key("cluster.kubeconfigPath")} or ${key("cluster.renderYamlToDirectory")} so the target cluster is explicit`,
    );

  const ingress = resolveIngress(c.cluster.preset, c.ingress);
  if (ingress.className !== undefined && ingress.annotations[legacyIngressClassAnnotation])
    problems.push(
      `${key("ingress.annotations")}: sets ${legacyIngressClassAnnotation} while the Ingress class is ${JSON.stringify(ingress.className)}; the API refuses both together, so set ingress.className or the annotation, not both`,
    );

  problems.push(...imageChecks(c, secrets));
  return problems;
}

/** A registry host: has a dot or a port, or is localhost (otherwise it is a Docker Hub namespace). */
const registryHostPattern =
  "(?:[a-z0-9-]+(?:\\.[a-z0-9-]+)+|[a-z0-9-]+:[0-9]+|localhost)(?::[0-9]+)?";
const repositoryPattern = new RegExp(`^${registryHostPattern}(?:/[a-z0-9._-]+)+$`);
const digestReferencePattern = new RegExp(
  `^${registryHostPattern}(?:/[a-z0-9._-]+)+(?::[A-Za-z0-9_.-]+)?@sha256:[a-f0-9]{64}$`,
);

function imageChecks(
  c: z.infer<typeof settingsSchema>,
  secrets: Record<SecretKey, boolean>,
): string[] {
  const key = (k: string) => `${project}:${k}`;
  const { existing, repository } = c.image;
  const problems: string[] = [];
  if (secrets.registryPassword !== (c.image.registryUsername !== undefined))
    problems.push(
      `${key(secrets.registryPassword ? "image.registryUsername" : "registryPassword")}: is missing; registry credentials need both image.registryUsername and registryPassword (--secret), or neither to use the builder's stored login and the nodes' own pull credentials`,
    );
  if (existing !== undefined) {
    if (repository !== undefined || c.image.tag !== undefined)
      problems.push(
        `${key(repository !== undefined ? "image.repository" : "image.tag")}: is set together with image.existing; choose building or an existing image`,
      );
    else if (!digestReferencePattern.test(existing))
      problems.push(
        `${key("image.existing")}: got ${JSON.stringify(existing)}; must be a registry-qualified reference pinned by digest, such as registry.example.com/data/amundsen-frontend@sha256:<64 hex> (Docker Hub: docker.io/<team>/<name>@sha256:…)`,
      );
    else if (/\/amundsendev\/amundsen-frontend(-oidc)?[:@]/.test(existing))
      problems.push(
        `${key("image.existing")}: got ${JSON.stringify(existing)}; upstream's frontend images lack this program's hardened flaskoidc wrapper (and the stock one flaskoidc itself), so login would crash or could be bypassed. Build the image (image.repository) or use one built from image/`,
      );
    return problems;
  }
  if (repository === undefined)
    problems.push(
      `${key("image.repository")}: is missing; set the registry repository to push the frontend image to (such as registry.example.com/data/amundsen-frontend), or image.existing`,
    );
  else if (!repositoryPattern.test(repository))
    problems.push(
      `${key("image.repository")}: got ${JSON.stringify(repository)}; must start with the registry host (such as registry.example.com/data/amundsen-frontend or docker.io/team/amundsen-frontend) and have no tag; a bare name is pushed to Docker Hub's library/`,
    );
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const path = issue.path.map(String);
  if (issue.code === "invalid_key") {
    const reasons = issue.issues.map((inner) => inner.message).join("; ");
    return `${project}:${path.join(".")}: is not a valid key: ${reasons}`;
  }
  if (issue.code === "unrecognized_keys") {
    return issue.keys
      .map((k) => {
        const hint = closest(k, Object.keys(shapeAt(path) ?? {}));
        return `${project}:${[...path, k].join(".")}: is not a known key${hint ? `; did you mean ${[...path, hint].join(".")}?` : ""}`;
      })
      .join("\n  - ");
  }
  const value = path.reduce<unknown>(
    (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
    raw,
  );
  const got = value === undefined ? "is missing" : `got ${JSON.stringify(value)}`;
  return `${project}:${path.join(".")}: ${got}; ${issue.message.replace(/^Invalid (input|option): expected (one of )?/, "must be $2").replace(/, received \w+$/, "")}`;
}

function shapeAt(path: string[]): Record<string, unknown> | undefined {
  let node: unknown = settingsSchema.shape;
  for (const k of path) {
    const child = (
      node as Record<string, { def?: { innerType?: { shape?: unknown }; shape?: unknown } }>
    )[k];
    node = child?.def?.innerType?.shape ?? child?.def?.shape;
  }
  return node as Record<string, unknown> | undefined;
}

/** Whether a schema, under its defaults, optionals and pipes, takes a string or a string enum. */
function isTextSchema(schema: z.ZodType): boolean {
  type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType };
  const def = schema.def as unknown as Def;
  const inner = def.innerType ?? def.in;
  return inner ? isTextSchema(inner) : def.type === "string" || def.type === "enum";
}

function splitKey(fullKey: string): [string, string] {
  // Stored keys look like "project:key"; older SDKs used "project:config:key".
  const parts = fullKey.split(":");
  return [parts[0] ?? "", parts[parts.length - 1] ?? ""];
}

function parseValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function isStoredAsSecret(fullKey: string): boolean {
  // The SDK keeps the list of secret keys but exports no typed accessor for it.
  const runtimeConfig = require("@pulumi/pulumi/runtime/config") as {
    isConfigSecret?: (k: string) => boolean;
  };
  return runtimeConfig.isConfigSecret?.(fullKey) ?? true;
}

/** The known key nearest to a typo, if it is close enough to be a likely slip. */
function closest(key: string, candidates: readonly string[]): string | undefined {
  const best = closestMatch(key, [...candidates]);
  return best !== undefined && distance(key, best) <= Math.max(2, Math.floor(key.length / 3))
    ? best
    : undefined;
}
