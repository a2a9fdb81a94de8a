/**
 * A local stand-in for the Kubernetes ingress in front of the frontend: it terminates TLS, passes
 * the browser's Host header, adds the X-Forwarded-* headers ingress-nginx adds, and redirects plain
 * HTTP to HTTPS. Which frontend process it forwards to can change mid-test, the way a Service moves
 * a user between replicas.
 */
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import type { Tls } from "./tls";

/** The first byte of a TLS ClientHello. */
const tlsHandshake = 0x16;

export class Ingress {
  private upstreamPort?: number;

  private constructor(
    private readonly server: net.Server,
    /** `https://localhost:<port>`: what users type. */
    public readonly origin: string,
  ) {}

  /**
   * Listens on one loopback port for both schemes. A URL the app builds with the wrong scheme
   * (`http://localhost:<port>/...`) therefore reaches the same port, where it gets the redirect
   * that port 80 of a real ingress would give.
   */
  static async start(tls: Tls, host = "localhost"): Promise<Ingress> {
    const secure = https.createServer({ key: tls.key, cert: tls.cert });
    const plain = http.createServer((req, res) => {
      res.writeHead(308, { location: `https://${req.headers.host}${req.url}` }).end();
    });
    const server = net.createServer((socket) => {
      socket.once("data", (first) => {
        socket.pause();
        socket.unshift(first);
        (first[0] === tlsHandshake ? secure : plain).emit("connection", socket);
        process.nextTick(() => socket.resume());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    const ingress = new Ingress(server, `https://${host}:${port}`);
    secure.on("request", (req, res) => ingress.forward(req, res));
    return ingress;
  }

  /** Sends all further requests to the frontend listening on `port`. */
  route(port: number): void {
    this.upstreamPort = port;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.upstreamPort === undefined) {
      res.writeHead(503).end("no frontend behind the ingress yet");
      return;
    }
    const host = req.headers.host ?? "";
    // Undefined once the browser has already dropped the connection; the answer goes nowhere then.
    const client = req.socket.remoteAddress ?? "127.0.0.1";
    const upstream = http.request(
      {
        host: "127.0.0.1",
        port: this.upstreamPort,
        // From another loopback address: gunicorn trusts X-Forwarded-* from 127.0.0.1 by default,
        // which would hide a frontend that does not trust the ingress the way it must in the cluster.
        localAddress: "127.0.0.2",
        // A new connection per request: gunicorn's sync workers close each one after answering,
        // and reusing one they are closing fails the request with ECONNRESET.
        agent: false,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          "x-forwarded-for": client,
          "x-forwarded-host": host,
          "x-forwarded-port": host.split(":")[1] ?? "443",
          "x-forwarded-proto": "https",
          "x-real-ip": client,
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(`ingress: ${error.message}`);
    });
    req.pipe(upstream);
  }
}
