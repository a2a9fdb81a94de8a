import * as pulumi from "@pulumi/pulumi";
import { AmundsenApi, apiPorts, metadataEnv, searchEnv } from "./components/api";
import { ClusterTarget, clusterDefaults, resolveIngress } from "./components/cluster";
import { loadSettings, type SecretKey } from "./components/config";
import {
  Elasticsearch,
  elasticsearchCredentialsSecret,
  elasticsearchPort,
  urlPort,
} from "./components/elasticsearch";
import { oktaIssuer, publicEndpoints } from "./components/endpoints";
import { Frontend, frontendPort, oidcSecretName } from "./components/frontend";
import { FrontendImage, registryHost } from "./components/image";
import { AmundsenNamespace } from "./components/namespace";
import { boltPort, Neo4j, neo4jCredentialsSecret } from "./components/neo4j";
import { amundsenConnections, NetworkPolicies } from "./components/networkPolicies";
import { OidcClient } from "./components/oidcClient";
import { SampleData } from "./components/sampleData";
import { jvmHeap, sizingFor } from "./components/sizing";
import { postgresPort, TokenStore, tokenStoreCredentialsSecret } from "./components/tokenStore";
import { amundsen, images } from "./components/versions";

// Every key is validated before anything is registered; a bad stack creates nothing.
const settings = loadSettings();
const config = new pulumi.Config();
const secret = (key: SecretKey) =>
  settings.secretsSet[key] ? config.requireSecret(key) : undefined;

const production = settings.tier === "production";
const retainVolumes = settings.retainDatastoreVolumes ?? production;
const sizing = (part: Parameters<typeof sizingFor>[1]) => sizingFor(settings.tier, part);
const heap = jvmHeap[settings.tier];
const endpoints = publicEndpoints(settings.hostname, settings.tls, settings.oidc.callbackPath);
const issuer = oktaIssuer(
  settings.okta.orgName,
  settings.okta.baseUrl,
  settings.oidc.authorizationServerId,
);
const preset = clusterDefaults[settings.cluster.preset];

// Target cluster: the only Kubernetes provider any object may use.
const cluster = new ClusterTarget("cluster", {
  kubeconfig: secret("kubeconfig"),
  kubeconfigPath: settings.cluster.kubeconfigPath,
  context: settings.cluster.context,
  renderYamlToDirectory: settings.cluster.renderYamlToDirectory,
});
const onCluster = { providers: [cluster.provider] };

// Frontend image and Okta client.
const registryPassword = secret("registryPassword");
const image = new FrontendImage("frontend-image", {
  repository: settings.image.repository,
  tag: settings.image.tag,
  platform: settings.image.platform,
  existing: settings.image.existing,
  registry:
    settings.image.registryUsername !== undefined && registryPassword !== undefined
      ? { username: settings.image.registryUsername, password: registryPassword }
      : undefined,
});
const existingClientId = secret("oidcClientId");
const existingClientSecret = secret("oidcClientSecret");
const oidc = new OidcClient("amundsen", {
  label: settings.oidc.appLabel ?? `Amundsen (${settings.stack})`,
  endpoints,
  issuer,
  offlineAccess: settings.oidc.offlineAccess,
  logout: settings.oidc.logout,
  groups: settings.oidc.groups,
  existing:
    existingClientId !== undefined && existingClientSecret !== undefined
      ? { clientId: existingClientId, clientSecret: existingClientSecret }
      : undefined,
});

// Namespace and datastores.
const amundsenNamespace = new AmundsenNamespace(
  "namespace",
  { name: settings.namespace, retain: retainVolumes },
  onCluster,
);
const namespace = amundsenNamespace.name;
const storageClassName = settings.storageClassName ?? preset.storageClassName;
const neo4jPassword = secret("neo4jPassword");
const neo4j = new Neo4j(
  "neo4j",
  {
    namespace,
    version: settings.neo4j.version,
    boltTls: settings.neo4j.boltTls,
    storageSize: settings.neo4j.storageSize,
    storageClassName,
    retainVolume: retainVolumes,
    sizing: sizing("neo4j"),
    memory: { heap: heap.neo4jHeap, pageCache: heap.neo4jPageCache },
    password: settings.neo4j.externalHost === undefined ? neo4jPassword : undefined,
    external:
      settings.neo4j.externalHost !== undefined && neo4jPassword !== undefined
        ? {
            host: settings.neo4j.externalHost,
            port: settings.neo4j.port ?? boltPort,
            username: settings.neo4j.username ?? "neo4j",
            password: neo4jPassword,
          }
        : undefined,
  },
  onCluster,
);
const elasticsearchPassword = secret("elasticsearchPassword");
const elasticsearch = new Elasticsearch(
  "elasticsearch",
  {
    namespace,
    version: settings.elasticsearch.version,
    storageSize: settings.elasticsearch.storageSize,
    storageClassName,
    retainVolume: retainVolumes,
    sizing: sizing("elasticsearch"),
    heap: heap.elasticsearchHeap,
    external:
      settings.elasticsearch.externalEndpoint !== undefined
        ? {
            endpoint: settings.elasticsearch.externalEndpoint,
            username: settings.elasticsearch.username,
            password: elasticsearchPassword,
          }
        : undefined,
  },
  onCluster,
);
const tokenStore =
  settings.frontend.tokenStore === "postgres"
    ? new TokenStore(
        "token-store",
        // Sessions are disposable: the token store's volume is never kept.
        { namespace, storageClassName, sizing: sizing("token-store") },
        onCluster,
      )
    : undefined;

// Amundsen's services.
const metadata = new AmundsenApi(
  "metadata",
  {
    part: "metadata",
    namespace,
    image: images.metadata,
    wsgiModule: "metadata_service.metadata_wsgi",
    env: metadataEnv({
      proxyHost: neo4j.proxyHost,
      port: neo4j.port,
      username: neo4j.username,
      encrypted: neo4j.encrypted,
      secretName: neo4jCredentialsSecret,
    }),
    replicas: settings.metadata.replicas,
    sizing: sizing("metadata"),
    dependsOn: [neo4j],
  },
  onCluster,
);
const search = new AmundsenApi(
  "search",
  {
    part: "search",
    namespace,
    image: images.search,
    wsgiModule: "search_service.search_wsgi",
    env: searchEnv({
      endpoint: elasticsearch.endpoint,
      credentials: elasticsearch.credentials
        ? {
            username: settings.elasticsearch.username,
            secretName: elasticsearchCredentialsSecret,
            key: "password",
          }
        : undefined,
    }),
    replicas: settings.search.replicas,
    sizing: sizing("search"),
    dependsOn: [elasticsearch],
  },
  onCluster,
);
const tokenStoreUri = secret("tokenStoreUri");
const frontend = new Frontend(
  "frontend",
  {
    namespace,
    image: image.ref,
    registry:
      settings.image.registryUsername !== undefined && registryPassword !== undefined
        ? {
            host: registryHost(settings.image.repository ?? settings.image.existing ?? ""),
            username: settings.image.registryUsername,
            password: registryPassword,
          }
        : undefined,
    endpoints,
    discoveryUrl: oidc.discoveryUrl,
    scopes: oidc.scopes,
    logout: settings.oidc.logout,
    client: { clientId: oidc.clientId, clientSecret: oidc.clientSecret },
    tokenStore: tokenStore
      ? { kind: "shared", secretName: tokenStoreCredentialsSecret, key: "uri" }
      : tokenStoreUri !== undefined
        ? { kind: "shared", secretName: oidcSecretName, key: "token-store-uri" }
        : { kind: "sqlite" },
    tokenStoreUri,
    metadataUrl: metadata.url,
    searchUrl: search.url,
    extraEnv: settings.frontend.extraEnv,
    replicas: settings.frontend.replicas,
    sizing: sizing("frontend"),
    ingress: {
      ...resolveIngress(settings.cluster.preset, settings.ingress),
      tlsSecretName: settings.ingress.tlsSecretName,
    },
    serviceAnnotations: preset.serviceAnnotations,
    dependsOn: [metadata, search, ...(tokenStore ? [tokenStore] : [])],
  },
  onCluster,
);

// Network: deny by default, then exactly the connections Amundsen makes.
new NetworkPolicies(
  "network",
  {
    namespace,
    connections: amundsenConnections({
      ports: {
        frontend: frontendPort,
        metadata: apiPorts.metadata,
        search: apiPorts.search,
        neo4j: neo4j.port,
        elasticsearch: settings.elasticsearch.externalEndpoint
          ? urlPort(settings.elasticsearch.externalEndpoint)
          : elasticsearchPort,
        tokenStore: settings.frontend.tokenStorePort ?? postgresPort,
      },
      tokenStore: tokenStore ? "in-cluster" : tokenStoreUri !== undefined ? "external" : "sqlite",
      externalNeo4j: settings.neo4j.externalHost !== undefined,
      externalElasticsearch: settings.elasticsearch.externalEndpoint !== undefined,
      sampleData: settings.sampleData,
    }),
  },
  onCluster,
);

// Optional sample catalog.
if (settings.sampleData && neo4j.datastore && elasticsearch.datastore) {
  new SampleData(
    "sample-data",
    {
      namespace,
      elasticsearchHost: elasticsearch.datastore.host,
      neo4jHost: neo4j.datastore.host,
      neo4jSecretName: neo4jCredentialsSecret,
      sizing: sizing("sample-data"),
      dependsOn: [neo4j, elasticsearch],
    },
    onCluster,
  );
}

/** Where users open the catalog. */
export const catalogUrl = endpoints.baseUrl;
/** The tier's rules in force, and whether datastore volumes survive `pulumi destroy`. */
export const tier = settings.tier;
export const datastoreVolumesKept = retainVolumes;
/** The OIDC client id Amundsen signs in with (secret when it came from secret config). */
export const oidcClientId = oidc.clientId;
/** The authorization server Amundsen trusts, and its discovery document. */
export const oidcIssuer = issuer.issuer;
export const oidcDiscoveryUrl = issuer.discoveryUrl;
/** The URIs registered on the Okta app. */
export const oidcRedirectUris = [endpoints.callbackUrl];
export const oidcPostLogoutRedirectUris =
  settings.oidc.logout === "idp" ? [endpoints.postLogoutUrl] : [];
/** The frontend image the pods run, pinned by digest. */
export const frontendImage = image.ref;
export const amundsenVersions = amundsen;
/** Where the objects live, and how to look at them. */
export const kubernetesNamespace = namespace;
export const kubectl = pulumi.interpolate`kubectl${settings.cluster.context ? ` --context ${settings.cluster.context}` : ""} --namespace ${namespace} get deployments,statefulsets,services,ingresses,pods`;
export const frontendDeployment = frontend.deployment.metadata.name;
export const ingressHost = endpoints.host;
