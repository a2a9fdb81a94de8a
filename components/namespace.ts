import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface AmundsenNamespaceArgs {
  /** Namespace name. */
  name: string;
  /**
   * Keep the namespace when the stack is destroyed, because volumes that must outlive the stack
   * live in it (deleting a namespace deletes its claims). @default false
   */
  retain?: boolean;
}

/**
 * The namespace Amundsen runs in, enforcing the `restricted` Pod Security Standard: every pod the
 * program creates runs non-root, without privilege escalation or capabilities, so the cluster
 * itself refuses anything that would weaken that later.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
export class AmundsenNamespace extends pulumi.ComponentResource {
  public readonly namespace: k8s.core.v1.Namespace;
  /** The namespace name, known once the namespace exists; use it so children wait for it. */
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: AmundsenNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("amundsen-sso:index:AmundsenNamespace", name, {}, opts);

    const level = "restricted";
    this.namespace = new k8s.core.v1.Namespace(
      name,
      {
        metadata: {
          name: args.name,
          labels: {
            "app.kubernetes.io/part-of": "amundsen",
            "app.kubernetes.io/managed-by": "pulumi",
            "pod-security.kubernetes.io/enforce": level,
            "pod-security.kubernetes.io/audit": level,
            "pod-security.kubernetes.io/warn": level,
          },
        },
      },
      { parent: this, retainOnDelete: args.retain ?? false },
    );
    this.name = this.namespace.metadata.name;

    this.registerOutputs({ name: this.name });
  }
}
