import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterPreset } from "./config";

/** Per-cluster defaults for exposure and storage; every field can be overridden in stack config. */
/** The pre-IngressClass way to pick a controller; the API refuses it together with a class name. */
export const legacyIngressClassAnnotation = "kubernetes.io/ingress.class";

export interface ClusterDefaults {
  /** IngressClass the cluster's controller serves; undefined uses the cluster's default class. */
  readonly ingressClassName?: string;
  /** Annotations that controller needs on an Ingress. */
  readonly ingressAnnotations: Readonly<Record<string, string>>;
  /** StorageClass for datastore volumes; undefined uses the cluster's default class. */
  readonly storageClassName?: string;
  /** Annotations the frontend Service needs for that controller. */
  readonly serviceAnnotations?: Readonly<Record<string, string>>;
}

/**
 * What each flavour of cluster ships with. EKS assumes the AWS Load Balancer Controller (an ALB
 * terminates TLS with an ACM certificate, so add `alb.ingress.kubernetes.io/certificate-arn`);
 * GKE the built-in `gce` class; AKS the application routing add-on; kind and minikube
 * ingress-nginx; k3d the bundled Traefik. The GKE and AKS names are the documented defaults of
 * those add-ons; clusters that differ set `ingress.className` and `storageClassName`.
 */
export const clusterDefaults: Record<ClusterPreset, ClusterDefaults> = {
  generic: { ingressAnnotations: {} },
  eks: {
    ingressClassName: "alb",
    ingressAnnotations: {
      "alb.ingress.kubernetes.io/scheme": "internet-facing",
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
      "alb.ingress.kubernetes.io/healthcheck-path": "/healthcheck",
    },
    storageClassName: "gp2",
  },
  // GKE's controller still selects Ingresses by the legacy annotation, not by ingressClassName.
  gke: {
    ingressAnnotations: { [legacyIngressClassAnnotation]: "gce" },
    storageClassName: "standard-rwo",
    // Container-native load balancing lets the GCE Ingress use a ClusterIP Service; it is not the
    // default on clusters with GKE network policy, which this program's policies need.
    serviceAnnotations: { "cloud.google.com/neg": '{"ingress": true}' },
  },
  aks: {
    ingressClassName: "webapprouting.kubernetes.azure.com",
    ingressAnnotations: {},
    storageClassName: "managed-csi",
  },
  kind: { ingressClassName: "nginx", ingressAnnotations: {}, storageClassName: "standard" },
  k3d: { ingressClassName: "traefik", ingressAnnotations: {}, storageClassName: "local-path" },
  minikube: { ingressClassName: "nginx", ingressAnnotations: {}, storageClassName: "standard" },
};

/**
 * The Ingress class and annotations for a stack: the preset's, overridden by the stack's own. A
 * class name from the stack replaces a preset's legacy class annotation rather than joining it.
 */
export function resolveIngress(
  preset: ClusterPreset,
  overrides: { className?: string; annotations?: Record<string, string> },
): { className?: string; annotations: Record<string, string> } {
  const defaults = clusterDefaults[preset];
  const annotations = { ...defaults.ingressAnnotations };
  if (overrides.className !== undefined) delete annotations[legacyIngressClassAnnotation];
  return {
    className: overrides.className ?? defaults.ingressClassName,
    annotations: { ...annotations, ...overrides.annotations },
  };
}

export interface ClusterTargetArgs {
  /** Kubeconfig file contents, as a secret. Mutually exclusive with `kubeconfigPath`. @default unset */
  kubeconfig?: pulumi.Input<string>;
  /** Path to a kubeconfig file on the machine running `pulumi up`. @default unset */
  kubeconfigPath?: string;
  /** Context inside the kubeconfig. @default the kubeconfig's current context */
  context?: string;
  /**
   * Write manifests to this directory instead of applying them (the provider's
   * `renderYamlToDirectory`), for GitOps pipelines and offline review. @default unset: apply
   */
  renderYamlToDirectory?: string;
}

/**
 * ClusterTarget is the one Kubernetes provider a stack deploys through.
 *
 * Pulumi's default Kubernetes provider is disabled in Pulumi.yaml, so an object can only reach the
 * cluster named in the stack's config, never whatever `kubectl` happens to point at.
 */
export class ClusterTarget extends pulumi.ComponentResource {
  public readonly provider: k8s.Provider;

  constructor(name: string, args: ClusterTargetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("amundsen-sso:index:ClusterTarget", name, {}, opts);

    if (args.renderYamlToDirectory !== undefined) {
      pulumi.log.warn(
        `Kubernetes objects are written to ${args.renderYamlToDirectory} instead of a cluster, with Secret data (OIDC client secret, session key, passwords) in plain text: keep that directory out of version control.`,
        this,
      );
    }
    const kubeconfig =
      args.kubeconfig !== undefined ? pulumi.secret(args.kubeconfig) : args.kubeconfigPath;
    this.provider = new k8s.Provider(
      name,
      {
        kubeconfig,
        context: args.context,
        renderYamlToDirectory: args.renderYamlToDirectory,
        // Rotating cloud tokens change the kubeconfig; the cluster identity stays.
        clusterIdentifier: args.context ?? name,
        enableServerSideApply: true,
      },
      { parent: this },
    );

    this.registerOutputs({ provider: this.provider });
  }
}
