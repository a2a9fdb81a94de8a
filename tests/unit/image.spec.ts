import * as assert from "node:assert/strict";
import {
  defaultImageTag,
  FrontendImage,
  imageBuildArgs,
  imageContext,
} from "../../components/image";
import { amundsen, frontendPythonPins, images } from "../../components/versions";
import { all, find, runComponents } from "../harness/program";

describe("FrontendImage", () => {
  it("builds image/ with the pinned versions and pushes a fully qualified tag", async () => {
    const run = await runComponents(() => {
      const image = new FrontendImage("img", {
        repository: "ghcr.io/acme/amundsen-frontend",
        tag: "v1",
        platform: "linux/arm64",
      });
      return { ref: image.ref };
    });
    const build = find(run, "docker-build:index:Image", "img").rawInputs;
    assert.deepEqual(build.tags, ["ghcr.io/acme/amundsen-frontend:v1"]);
    assert.deepEqual(build.platforms, ["linux/arm64"]);
    assert.equal(build.push, true);
    assert.deepEqual(build.context, { location: imageContext });
    assert.equal(build.registries, undefined, "no credentials: the builder's stored login is used");
    assert.match(
      run.outputs.ref as string,
      /^ghcr\.io\/acme\/amundsen-frontend:v1@sha256:[0-9a-f]{64}$/,
    );
    assert.equal(find(run, "docker-build:index:Image", "img").options.retainOnDelete, true);
  });

  it("passes every Python pin and the base image as build arguments", () => {
    const args = imageBuildArgs();
    assert.equal(args.FRONTEND_BASE, images.frontendBase);
    for (const [name, version] of Object.entries(frontendPythonPins)) {
      assert.ok(args.OIDC_REQUIREMENTS?.split(" ").includes(`${name}==${version}`), name);
    }
  });

  it("derives a stable default tag from the Amundsen release and the build inputs", () => {
    assert.equal(defaultImageTag(), defaultImageTag());
    assert.match(
      defaultImageTag(),
      new RegExp(`^${amundsen.frontend.replace(/\./g, "\\.")}-sso\\.[0-9a-f]{12}$`),
    );
  });

  it("uses an existing digest-pinned image without building anything", async () => {
    const existing = `registry.example.com/amundsen-frontend@sha256:${"b".repeat(64)}`;
    const run = await runComponents(() => ({ ref: new FrontendImage("img", { existing }).ref }));
    assert.deepEqual(all(run, "docker-build:index:Image"), []);
    assert.equal(run.outputs.ref, existing);
  });
});
