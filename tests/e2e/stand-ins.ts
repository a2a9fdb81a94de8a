/**
 * Tiny local stand-ins for Amundsen's metadata and search services. They answer the calls the
 * frontend makes for a signed-in user and record each request, so a test can see what the frontend
 * forwarded (for instance the bearer token flaskoidc attaches).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
}

export class StandIn {
  readonly requests: RecordedRequest[] = [];

  private constructor(
    private readonly server: http.Server,
    /** `http://127.0.0.1:<port>`. */
    public readonly origin: string,
  ) {}

  static async start(
    answer: (path: string) => { status: number; body: unknown },
  ): Promise<StandIn> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const standIn = new StandIn(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    );
    server.on("request", (req, res) => {
      const path = req.url ?? "/";
      standIn.requests.push({
        method: req.method ?? "",
        path,
        authorization: req.headers.authorization,
      });
      const { status, body } = answer(path);
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    return standIn;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * Metadata knows every user it is asked about, as Neo4j does once the user is loaded. GET
 * /user/<id> is what the frontend's /api/auth_user calls after sign-in.
 */
export function startMetadata(): Promise<StandIn> {
  return StandIn.start((path) => {
    const user = /^\/user\/([^/?]+)$/.exec(path);
    if (!user?.[1]) return { status: 404, body: { message: `no stand-in for ${path}` } };
    const id = decodeURIComponent(user[1]);
    return { status: 200, body: { user_id: id, email: id, display_name: id, is_active: true } };
  });
}

/** Search finds nothing, successfully. */
export function startSearch(): Promise<StandIn> {
  return StandIn.start(() => ({ status: 200, body: { total_results: 0, results: [] } }));
}
