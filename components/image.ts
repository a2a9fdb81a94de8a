import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as dockerbuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { amundsen, frontendPythonPins, images } from "./versions";

/** The build context shipped in this repository: Dockerfile, idp-logout module, build check. */
export const imageContext = path.join(__dirname, "..", "image");
const contextFiles = ["Dockerfile", "amundsen_sso.py", "check_image.py"];

/** Build arguments of image/Dockerfile, all from versions.ts. */
export function imageBuildArgs(): Record<string, string> {
  return {
    FRONTEND_BASE: images.frontendBase,
    OIDC_REQUIREMENTS: Object.entries(frontendPythonPins)
      .map(([name, version]) => `${name}==${version}`)
      .join(" "),
  };
}

/**
 * The default tag: the Amundsen release plus a hash of the build inputs this repository controls
 * (Dockerfile, modules, pins), so the tag changes whenever they do. The upstream base tag and the
 * pins' own dependencies can still move, so workloads run the pushed digest, never the tag.
 */
export function defaultImageTag(): string {
  const hash = createHash("sha256");
  for (const file of contextFiles)
    hash.update(file).update(readFileSync(path.join(imageContext, file)));
  hash.update(JSON.stringify(imageBuildArgs()));
  return `${amundsen.frontend}-sso.${hash.digest("hex").slice(0, 12)}`;
}

/** The registry host of a fully qualified repository, as credentials and pull secrets need it. */
export function registryHost(repository: string): string {
  return repository.split("/")[0] ?? repository;
}

export interface FrontendImageArgs {
  /**
   * Registry repository to push to, including the registry host, without tag
   * (`registry.example.com/data/amundsen-frontend`). Required unless `existing` is set.
   */
  repository?: string;
  /** Tag to push. @default `<amundsen release>-sso.<hash of the build inputs>` */
  tag?: string;
  /** Target platform of the build. @default "linux/amd64" */
  platform?: "linux/amd64" | "linux/arm64";
  /** Registry login; the password must be a secret. @default the builder's stored credentials */
  registry?: { username: string; password: pulumi.Input<string> };
  /**
   * Use this digest-pinned reference instead of building, for teams whose CI builds images.
   * @default unset: build and push
   */
  existing?: string;
}

/**
 * FrontendImage is the Amundsen frontend image with flaskoidc, built and pushed with BuildKit, or an
 * image a team's own CI built from image/Dockerfile. Workloads use `ref`, which carries the
 * digest, so a new image rolls the pods and an unchanged one never does.
 */
export class FrontendImage extends pulumi.ComponentResource {
  /** `repository:tag@sha256:…`, or the existing reference. */
  public readonly ref: pulumi.Output<string>;
  /** The pushed tag, fully qualified; undefined for an existing image. */
  public readonly tag?: string;
  public readonly image?: dockerbuild.Image;

  constructor(name: string, args: FrontendImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("amundsen-sso:index:FrontendImage", name, {}, opts);

    if (args.existing !== undefined) {
      this.ref = pulumi.output(args.existing);
    } else {
      if (args.repository === undefined)
        throw new Error("FrontendImage needs repository or existing");
      this.tag = `${args.repository}:${args.tag ?? defaultImageTag()}`;
      this.image = new dockerbuild.Image(
        name,
        {
          tags: [this.tag],
          context: { location: imageContext },
          dockerfile: { location: path.join(imageContext, "Dockerfile") },
          buildArgs: imageBuildArgs(),
          platforms: [args.platform ?? "linux/amd64"],
          push: true,
          registries: args.registry
            ? [
                {
                  address: registryHost(args.repository),
                  username: args.registry.username,
                  password: pulumi.secret(args.registry.password),
                },
              ]
            : undefined,
        },
        // Keep pushed images when the resource is replaced, so a rollback's digest can still be pulled.
        { parent: this, retainOnDelete: true },
      );
      this.ref = this.image.ref;
    }

    this.registerOutputs({ ref: this.ref });
  }
}
