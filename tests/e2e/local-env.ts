/**
 * Turns the container environment the program declares into one that runs on this machine, changing
 * only what cannot be the same here: hosts, secret values and container paths. Every other name
 * and value reaches the frontend exactly as the Deployment declares it.
 */
import type { EnvVar } from "./program";

export interface LocalPlaces {
  /** Each host the program names (public host, Okta org, in-cluster services) → a local origin. */
  origins: Record<string, string>;
  /** Env name of each secretKeyRef entry → the local test value. */
  secrets: Record<string, string>;
  /** Absolute container paths → local paths. */
  paths: Record<string, string>;
}

/** The local environment; throws on a host, secret or path it has no local stand-in for. */
export function localEnv(env: EnvVar[], places: LocalPlaces): Record<string, string> {
  const local: Record<string, string> = {};
  for (const entry of env) {
    if ("valueFrom" in entry) {
      const value = places.secrets[entry.name];
      if (value === undefined) {
        const { name, key } = entry.valueFrom.secretKeyRef;
        throw new Error(
          `${entry.name} comes from Secret ${name}/${key}, and the e2e test has no local value for it`,
        );
      }
      local[entry.name] = value;
    } else {
      local[entry.name] = localValue(entry.name, entry.value, places);
    }
  }
  return local;
}

/** The same URL with its scheme, host and port replaced by the local origin for its host. */
export function localUrl(url: string, origins: Record<string, string>, what = "a URL"): string {
  const { hostname } = new URL(url);
  const origin = origins[hostname];
  if (!origin)
    throw new Error(`${what} (${url}): the e2e test has no local stand-in for ${hostname}`);
  return url.replace(/^https?:\/\/[^/?#]+/, origin);
}

function localValue(name: string, value: string, places: LocalPlaces): string {
  if (/^https?:\/\//.test(value)) return localUrl(value, places.origins, name);
  let result = value;
  for (const [containerPath, localPath] of Object.entries(places.paths)) {
    const boundary = new RegExp(`${escapeRegExp(containerPath.replace(/\/$/, ""))}(?=/|:|$)`, "g");
    result = result.replace(boundary, localPath);
  }
  return result;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
