/**
 * A throwaway self-signed certificate for the local ingress and the local identity provider, made
 * with the openssl CLI at test time and valid for one day. It is its own CA: the Python side trusts
 * it through REQUESTS_CA_BUNDLE, Chromium through --ignore-certificate-errors.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";

export interface Tls {
  key: string;
  cert: string;
  /** PEM file of the certificate, for clients that take a CA bundle path. */
  certFile: string;
}

/** Names every local HTTPS server answers to. */
export const tlsNames = ["localhost", "127.0.0.1"];

export function throwawayTls(dir: string): Tls {
  const keyFile = path.join(dir, "tls.key");
  const certFile = path.join(dir, "tls.crt");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=amundsen-e2e",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    { stdio: "pipe" },
  );
  return { key: readFileSync(keyFile, "utf8"), cert: readFileSync(certFile, "utf8"), certFile };
}
