import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Datastore } from "./datastore";
import { images } from "./versions";
import { labelsFor, type Sizing, tcpProbe } from "./workload";

export const postgresPort = 5432;
/** The Secret holding `password` and `uri`. */
export const tokenStoreCredentialsSecret = "token-store-credentials";

export interface TokenStoreArgs {
  /** Namespace to deploy into; pass the AmundsenNamespace output so the objects wait for it. */
  namespace: pulumi.Input<string>;
  /** Volume size. @default "1Gi" */
  storageSize?: string;
  /** StorageClass. @default the cluster default */
  storageClassName?: string;
  /** Keep the volume when the stack is destroyed. @default false */
  retainVolume?: boolean;
  /** CPU and memory requests and limits (components/sizing.ts has them per tier). */
  sizing: Sizing;
}

/**
 * TokenStore is a small Postgres that every frontend replica shares for flaskoidc's OAuth tokens.
 *
 * flaskoidc keeps tokens in a SQL table, by default an SQLite file inside each pod; with more than
 * one replica, a request that lands on another pod finds no token and the user is sent back to
 * login. The connection URI carries the password, so it lives only in a Secret.
 */
export class TokenStore extends pulumi.ComponentResource {
  public readonly datastore: Datastore;
  /** Holds `password` (for Postgres) and `uri` (SQLALCHEMY_DATABASE_URI for the frontend). */
  public readonly credentials: k8s.core.v1.Secret;

  constructor(name: string, args: TokenStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("amundsen-sso:index:TokenStore", name, {}, opts);

    const password = new random.RandomPassword(
      `${name}-password`,
      { length: 32, special: false },
      { parent: this },
    ).result;
    const host = pulumi.interpolate`token-store.${args.namespace}.svc`;
    this.credentials = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: {
          name: tokenStoreCredentialsSecret,
          namespace: args.namespace,
          labels: labelsFor("token-store"),
        },
        type: "Opaque",
        stringData: {
          password: pulumi.secret(password),
          uri: pulumi.secret(
            pulumi.interpolate`postgresql+psycopg2://flaskoidc:${password}@${host}:${postgresPort}/flaskoidc`,
          ),
        },
      },
      { parent: this },
    );

    this.datastore = new Datastore(
      name,
      {
        part: "token-store",
        namespace: args.namespace,
        image: images.postgres,
        ports: [{ name: "postgres", port: postgresPort }],
        env: [
          { name: "POSTGRES_USER", value: "flaskoidc" },
          { name: "POSTGRES_DB", value: "flaskoidc" },
          {
            name: "POSTGRES_PASSWORD",
            valueFrom: { secretKeyRef: { name: tokenStoreCredentialsSecret, key: "password" } },
          },
          { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
        ],
        uid: 999,
        sizing: args.sizing,
        storage: {
          size: args.storageSize ?? "1Gi",
          className: args.storageClassName,
          mountPath: "/var/lib/postgresql/data",
          retain: args.retainVolume ?? false,
        },
        scratchPaths: { run: "/var/run/postgresql" },
        probes: {
          startupProbe: tcpProbe(postgresPort, 5, 60),
          readinessProbe: tcpProbe(postgresPort, 10),
          livenessProbe: tcpProbe(postgresPort, 20, 6),
        },
        readyTimeoutSeconds: 600,
        dependsOn: [this.credentials],
      },
      { parent: this },
    );

    this.registerOutputs({ host });
  }
}
