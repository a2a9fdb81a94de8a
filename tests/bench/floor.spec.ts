/**
 * The unit suite's floor for `npm run bench`: mocha, the same loader and the same Pulumi SDKs as
 * the real suite, and one mocked resource. Outside the default spec glob, so `npm run unit` skips it.
 */
import * as assert from "node:assert/strict";
import "@pulumi/docker-build";
import * as k8s from "@pulumi/kubernetes";
import "@pulumi/okta";
import * as pulumi from "@pulumi/pulumi";
import "@pulumi/random";

describe("the floor of a mocked suite", () => {
  it("registers one resource under mocks and reads its name back", async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
        call: (args) => args.inputs,
      },
      "floor",
      "bench",
    );
    const config = new k8s.core.v1.ConfigMap("floor", { metadata: { name: "floor" } });
    const name = await new Promise((resolve) => config.metadata.name.apply(resolve));
    assert.equal(name, "floor");
  });
});
