import type * as k8s from "@pulumi/kubernetes";

/** Amundsen's parts, used as the `app.kubernetes.io/component` label and as object names. */
export type Part =
  | "frontend"
  | "metadata"
  | "search"
  | "neo4j"
  | "elasticsearch"
  | "token-store"
  | "sample-data";

/** Labels shared by every object of a part; the first two also select its pods. */
export function labelsFor(part: Part): Record<string, string> {
  return {
    "app.kubernetes.io/name": part,
    "app.kubernetes.io/part-of": "amundsen",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** The subset of labels that selects a part's pods; stable across upgrades. */
export function selectorFor(part: Part): Record<string, string> {
  return { "app.kubernetes.io/name": part, "app.kubernetes.io/part-of": "amundsen" };
}

/** CPU and memory for one container. */
export interface Sizing {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/**
 * Pod and container security that passes the `restricted` Pod Security Standard: non-root,
 * no privilege escalation, no capabilities, the runtime's seccomp profile.
 */
export function restrictedPod(uid: number): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    // Re-owning a large volume on every start is slow; only do it when its root is not ours yet.
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function restrictedContainer(
  readOnlyRootFilesystem: boolean,
): k8s.types.input.core.v1.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem,
    capabilities: { drop: ["ALL"] },
  };
}

/** An HTTP GET probe. */
export function httpProbe(
  path: string,
  port: number,
  periodSeconds: number,
  failureThreshold = 3,
): k8s.types.input.core.v1.Probe {
  return { httpGet: { path, port }, periodSeconds, timeoutSeconds: 5, failureThreshold };
}

/** A TCP connect probe, for ports that speak no HTTP (Bolt, Postgres). */
export function tcpProbe(
  port: number,
  periodSeconds: number,
  failureThreshold = 3,
): k8s.types.input.core.v1.Probe {
  return { tcpSocket: { port }, periodSeconds, timeoutSeconds: 5, failureThreshold };
}

/** An `emptyDir` volume for paths the app writes while the root filesystem stays read-only. */
export function scratchVolume(name: string, sizeLimit = "256Mi"): k8s.types.input.core.v1.Volume {
  return { name, emptyDir: { sizeLimit } };
}
