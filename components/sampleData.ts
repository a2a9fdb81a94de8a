import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readyTimeoutAnnotation } from "./datastore";
import { amundsen, images } from "./versions";
import {
  labelsFor,
  restrictedContainer,
  restrictedPod,
  type Sizing,
  scratchVolume,
} from "./workload";

export interface SampleDataArgs {
  /** Namespace to deploy into; pass the AmundsenNamespace output so the objects wait for it. */
  namespace: pulumi.Input<string>;
  /** Elasticsearch host name (no scheme or port). */
  elasticsearchHost: pulumi.Input<string>;
  /** Neo4j host name (no scheme or port). */
  neo4jHost: pulumi.Input<string>;
  /** Secret holding the Neo4j password under `password`. */
  neo4jSecretName: string;
  /** CPU and memory requests and limits (components/sizing.ts has them per tier). */
  sizing: Sizing;
  /** Datastores to wait for. */
  dependsOn: pulumi.Resource[];
}

/** Where the loader's script and CSVs come from: the databuilder release tag's source archive. */
export const sampleSourceUrl = `https://codeload.github.com/amundsen-io/amundsen/tar.gz/refs/tags/databuilder-${amundsen.databuilder}`;

/**
 * The loader run by the Job. PyPI's databuilder package omits the example script and its CSVs, so
 * they come from the release's source archive. The script hard-codes the Neo4j password `test`;
 * the one line is swapped for the generated password, and the Job fails if that line has changed.
 */
const loaderScript = `set -eu
pip install --no-cache-dir --user "amundsen-databuilder==${amundsen.databuilder}"
python - <<'PY'
import io, tarfile, urllib.request
data = urllib.request.urlopen("${sampleSourceUrl}", timeout=120).read()
tarfile.open(fileobj=io.BytesIO(data)).extractall("/tmp/src")
PY
cd /tmp/src/amundsen-databuilder-${amundsen.databuilder}/databuilder
grep -qx "neo4j_password = 'test'" example/scripts/sample_data_loader.py
sed -i "s/^neo4j_password = 'test'$/neo4j_password = os.environ['NEO4J_PASSWORD']/" example/scripts/sample_data_loader.py
python example/scripts/sample_data_loader.py "$ELASTICSEARCH_HOST" "$NEO4J_HOST"
`;

/**
 * SampleData loads Amundsen's sample catalog (tables, columns, users, dashboards) into Neo4j and
 * Elasticsearch once, for demos and smoke tests. It needs egress to PyPI and GitHub over HTTPS.
 * The sample users' emails will not match anyone's Okta login.
 */
export class SampleData extends pulumi.ComponentResource {
  public readonly job: k8s.batch.v1.Job;

  constructor(name: string, args: SampleDataArgs, opts?: pulumi.ComponentResourceOptions) {
    super("amundsen-sso:index:SampleData", name, {}, opts);

    const labels = labelsFor("sample-data");
    this.job = new k8s.batch.v1.Job(
      name,
      {
        metadata: {
          name: `sample-data-${amundsen.databuilder.replace(/\./g, "-")}`,
          namespace: args.namespace,
          labels,
          // pip and the loader take several minutes on a small node.
          annotations: { [readyTimeoutAnnotation]: "1800" },
        },
        spec: {
          backoffLimit: 4,
          activeDeadlineSeconds: 1800,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: "OnFailure",
              securityContext: restrictedPod(10001),
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              containers: [
                {
                  name: "loader",
                  image: images.sampleDataPython,
                  command: ["sh", "-c", loaderScript],
                  env: [
                    { name: "HOME", value: "/tmp" },
                    { name: "PYTHONUSERBASE", value: "/tmp/.local" },
                    { name: "ELASTICSEARCH_HOST", value: args.elasticsearchHost },
                    { name: "NEO4J_HOST", value: args.neo4jHost },
                    {
                      name: "NEO4J_PASSWORD",
                      valueFrom: { secretKeyRef: { name: args.neo4jSecretName, key: "password" } },
                    },
                  ],
                  resources: args.sizing,
                  securityContext: restrictedContainer(true),
                  volumeMounts: [
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "var-tmp", mountPath: "/var/tmp" },
                  ],
                },
              ],
              // pip unpacks databuilder and its dependencies here.
              volumes: [scratchVolume("tmp", "2Gi"), scratchVolume("var-tmp")],
            },
          },
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );

    this.registerOutputs({ job: this.job.metadata.name });
  }
}
