import type { Part, Sizing } from "./workload";

/**
 * CPU and memory per container and tier. Development fits a single 2 CPU / 4 GiB node (a laptop
 * kind cluster) next to the control plane; production leaves room for real catalogs. Datastore
 * limits follow their JVM heaps: the JVM needs heap plus page cache and native memory.
 */
const table: Record<"development" | "production", Record<Part, Sizing>> = {
  development: {
    frontend: {
      requests: { cpu: "50m", memory: "192Mi" },
      limits: { cpu: "500m", memory: "384Mi" },
    },
    metadata: {
      requests: { cpu: "50m", memory: "192Mi" },
      limits: { cpu: "500m", memory: "384Mi" },
    },
    search: { requests: { cpu: "50m", memory: "160Mi" }, limits: { cpu: "500m", memory: "320Mi" } },
    // Neo4j 3.5's Java 8 sizes direct memory and thread pools from the host, not the container.
    neo4j: { requests: { cpu: "100m", memory: "1Gi" }, limits: { cpu: "1", memory: "1280Mi" } },
    elasticsearch: {
      requests: { cpu: "100m", memory: "1Gi" },
      limits: { cpu: "1", memory: "1Gi" },
    },
    "token-store": {
      requests: { cpu: "50m", memory: "128Mi" },
      limits: { cpu: "500m", memory: "256Mi" },
    },
    "sample-data": {
      requests: { cpu: "100m", memory: "256Mi" },
      limits: { cpu: "1", memory: "512Mi" },
    },
  },
  production: {
    frontend: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    metadata: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    search: { requests: { cpu: "250m", memory: "384Mi" }, limits: { cpu: "1", memory: "768Mi" } },
    neo4j: { requests: { cpu: "500m", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } },
    elasticsearch: {
      requests: { cpu: "500m", memory: "4Gi" },
      limits: { cpu: "2", memory: "4Gi" },
    },
    "token-store": {
      requests: { cpu: "100m", memory: "256Mi" },
      limits: { cpu: "1", memory: "512Mi" },
    },
    "sample-data": {
      requests: { cpu: "100m", memory: "256Mi" },
      limits: { cpu: "1", memory: "512Mi" },
    },
  },
};

export function sizingFor(tier: "development" | "production", part: Part): Sizing {
  return table[tier][part];
}

/** JVM heap sizes that fit the memory limits above (heap at most half the container). */
export const jvmHeap = {
  development: { neo4jHeap: "384m", neo4jPageCache: "128m", elasticsearchHeap: "384m" },
  production: { neo4jHeap: "1536m", neo4jPageCache: "1g", elasticsearchHeap: "2g" },
} as const;
