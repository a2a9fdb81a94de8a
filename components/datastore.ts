import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  labelsFor,
  type Part,
  restrictedContainer,
  restrictedPod,
  type Sizing,
  selectorFor,
} from "./workload";

/** The Kubernetes provider's per-object readiness timeout, visible in the rendered manifest. */
export const readyTimeoutAnnotation = "pulumi.com/timeoutSeconds";

export interface DatastoreArgs {
  /** Which datastore; names the StatefulSet, its Service and its volume claim. */
  part: Part;
  /** Namespace to deploy into. */
  namespace: pulumi.Input<string>;
  /** Image reference. */
  image: string;
  /** Ports the Service exposes, by name. */
  ports: { name: string; port: number }[];
  /** Container environment; credentials only as `secretKeyRef`. */
  env: k8s.types.input.core.v1.EnvVar[];
  /** A non-root user id the image runs as (its own user, or one its files allow); owns the volume. */
  uid: number;
  /** CPU and memory. */
  sizing: Sizing;
  /** The data volume. `retain` keeps the claim, and so the data, when the stack is destroyed. */
  storage: { size: string; className?: string; mountPath: string; retain: boolean };
  /** Readiness, liveness and startup probes. */
  probes: Required<
    Pick<k8s.types.input.core.v1.Container, "readinessProbe" | "livenessProbe" | "startupProbe">
  >;
  /** Extra writable paths, as emptyDir volumes. @default none */
  scratchPaths?: Record<string, string>;
  /**
   * Seconds `pulumi up` waits for the StatefulSet to become ready. JVM datastores on a fresh volume
   * take minutes; Pulumi's 10-minute default fails slow clusters that would have converged.
   * @default 1200
   */
  readyTimeoutSeconds?: number;
  /** Resources to wait for before starting. @default none */
  dependsOn?: pulumi.Resource[];
}

/**
 * Datastore is a single-replica StatefulSet with its own volume claim and a ClusterIP Service.
 *
 * The claim is a separate object rather than a volumeClaimTemplate so that `pulumi destroy` can
 * leave it behind (`retainOnDelete`) when the data must survive the stack.
 */
export class Datastore extends pulumi.ComponentResource {
  public readonly volumeClaim: k8s.core.v1.PersistentVolumeClaim;
  public readonly statefulSet: k8s.apps.v1.StatefulSet;
  public readonly service: k8s.core.v1.Service;
  /** The Service's DNS name inside the cluster. */
  public readonly host: pulumi.Output<string>;

  constructor(name: string, args: DatastoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("amundsen-sso:index:Datastore", name, {}, opts);

    const labels = labelsFor(args.part);
    const metadata = (suffix = "") => ({
      name: `${args.part}${suffix}`,
      namespace: args.namespace,
      labels,
    });
    const scratch = Object.entries(args.scratchPaths ?? {});

    this.volumeClaim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-data`,
      {
        metadata: metadata("-data"),
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: args.storage.className,
          resources: { requests: { storage: args.storage.size } },
        },
      },
      // Claims bind only once a pod uses them on WaitForFirstConsumer classes, so do not wait here.
      { parent: this, retainOnDelete: args.storage.retain },
    );

    this.service = new k8s.core.v1.Service(
      name,
      {
        metadata: metadata(),
        spec: {
          selector: selectorFor(args.part),
          ports: args.ports.map(({ name: portName, port }) => ({
            name: portName,
            port,
            targetPort: portName,
          })),
        },
      },
      { parent: this },
    );

    this.statefulSet = new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata: {
          ...metadata(),
          annotations: { [readyTimeoutAnnotation]: String(args.readyTimeoutSeconds ?? 1200) },
        },
        spec: {
          serviceName: args.part,
          replicas: 1,
          selector: { matchLabels: selectorFor(args.part) },
          template: {
            metadata: { labels },
            spec: {
              securityContext: restrictedPod(args.uid),
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              terminationGracePeriodSeconds: 60,
              containers: [
                {
                  name: args.part,
                  image: args.image,
                  env: args.env,
                  ports: args.ports.map(({ name: portName, port }) => ({
                    name: portName,
                    containerPort: port,
                  })),
                  resources: args.sizing,
                  securityContext: restrictedContainer(false),
                  ...args.probes,
                  volumeMounts: [
                    { name: "data", mountPath: args.storage.mountPath },
                    ...scratch.map(([volume, mountPath]) => ({ name: volume, mountPath })),
                  ],
                },
              ],
              volumes: [
                {
                  name: "data",
                  persistentVolumeClaim: { claimName: this.volumeClaim.metadata.name },
                },
                ...scratch.map(([volume]) => ({ name: volume, emptyDir: { sizeLimit: "1Gi" } })),
              ],
            },
          },
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );

    this.host = pulumi.interpolate`${this.service.metadata.name}.${this.service.metadata.namespace}.svc`;
    this.registerOutputs({ host: this.host });
  }
}
