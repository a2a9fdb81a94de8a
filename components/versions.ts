/**
 * Every pinned version the program deploys or builds, in one place.
 *
 * The image build, the Kubernetes workloads, config validation and the end-to-end test all read
 * these values; nothing else in the repository spells a version out.
 */

/** Amundsen releases deployed together. Images are published by upstream per release tag. */
export const amundsen = {
  frontend: "4.3.0",
  metadata: "3.13.0",
  search: "4.2.0",
  /** Sample-data loader: the PyPI package and the git tag its example script and CSVs come from. */
  databuilder: "7.5.1",
} as const;

/** Upstream container images the program runs or builds on. */
export const images = {
  /** Base of the patched frontend: upstream's `release` stage, without flaskoidc. */
  frontendBase: `amundsendev/amundsen-frontend:${amundsen.frontend}`,
  metadata: `amundsendev/amundsen-metadata:${amundsen.metadata}`,
  search: `amundsendev/amundsen-search:${amundsen.search}`,
  /** Postgres for the shared OIDC token store. */
  postgres: "postgres:16.4",
  /** Runs the sample-data loader; databuilder 7.5.1 supports Python 3.8 to 3.10. */
  sampleDataPython: "python:3.10-slim",
} as const;

/**
 * Python packages added to the frontend image, with exact versions.
 *
 * The 4.3.0 frontend image runs Python 3.8 and pins Flask 2.2.5 and SQLAlchemy 1.3.23, which caps
 * Authlib at 1.3.x (the last for Python 3.8) and Flask-SQLAlchemy at 2.5.x (3.x needs SQLAlchemy
 * 1.4.18 or later). flaskoidc 1.1.x is the first release with refresh tokens and the 1.0.6+
 * `FLASK_OIDC_FORCE_SCHEME` variable.
 */
export const frontendPythonPins = {
  flaskoidc: "1.1.2",
  Authlib: "1.3.2",
  "Flask-SQLAlchemy": "2.5.1",
  "psycopg2-binary": "2.9.10",
} as const;

/** Datastore majors each pinned Amundsen release can talk to, and the default release deployed. */
export interface DatastoreSupport {
  /** Image repository on Docker Hub. */
  readonly repository: string;
  /** Tag deployed when the stack does not choose one. */
  readonly defaultVersion: string;
  /** `major.minor` prefixes the services' pinned drivers work with. */
  readonly supported: readonly string[];
  /** Why the table says so, for the error message. */
  readonly reason: string;
}

/**
 * The compatibility table. metadata 3.13.0 pins the neo4j 4.4 Python driver (Bolt 3 to 4.4), so
 * Neo4j 3.5 and 4.4 work; 3.3 and older speak only Bolt 1, and 5.x removed Cypher the metadata
 * queries use. search 4.2.0 pins the elasticsearch 7.13 client, and databuilder pins `<8`, which
 * work with Elasticsearch 7 and, with the compatibility the upstream compose file relies on, 8.x.
 */
export const datastoreSupport = {
  neo4j: {
    repository: "neo4j",
    defaultVersion: "3.5.26",
    supported: ["3.5", "4.4"],
    reason: `amundsen-metadata ${amundsen.metadata} pins the neo4j 4.4 Python driver`,
  },
  elasticsearch: {
    repository: "elasticsearch",
    defaultVersion: "8.0.0",
    supported: ["7.", "8."],
    reason: `amundsen-search ${amundsen.search} pins the elasticsearch 7.13 Python client`,
  },
} as const satisfies Record<string, DatastoreSupport>;

/** True when `version` is covered by one of the table's prefixes for that datastore. */
export function isSupportedVersion(support: DatastoreSupport, version: string): boolean {
  return support.supported.some((prefix) =>
    prefix.endsWith(".")
      ? version.startsWith(prefix)
      : version === prefix || version.startsWith(`${prefix}.`),
  );
}
