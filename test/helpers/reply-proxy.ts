// A TCP proxy in front of Redis that can swallow what Redis answers on one connection and
// then cut it: how a reply is lost with a dropped connection after Redis ran the command.
import { connect, createServer, type Server, type Socket } from "node:net";

export interface ProxiedConnection {
  readonly client: Socket;
  readonly upstream: Socket;
  /** While true, Redis's answers on this connection never reach the client. */
  dropReplies: boolean;
  /**
   * Answers holding this text never reach the client (the rest do): a blocking command that
   * times out now and then keeps being answered, the one that takes a given job is lost.
   */
  dropRepliesWith?: string;
}

export class ReplyProxy {
  readonly connections: ProxiedConnection[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static start(targetPort: number): Promise<ReplyProxy> {
    const server = createServer();
    return new Promise((resolve) => {
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        const proxy = new ReplyProxy(
          server,
          typeof address === "object" && address ? address.port : 0,
        );
        server.on("connection", (client) => proxy.accept(client, targetPort));
        resolve(proxy);
      });
    });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private accept(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, "127.0.0.1");
    const conn: ProxiedConnection = { client, upstream, dropReplies: false };
    this.connections.push(conn);
    client.on("data", (d) => upstream.write(d));
    upstream.on("data", (d: Buffer) => {
      if (conn.dropReplies) return;
      if (conn.dropRepliesWith !== undefined && d.includes(conn.dropRepliesWith)) return;
      client.write(d);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close);
    upstream.on("close", close);
    client.on("error", close);
    upstream.on("error", close);
  }

  /** The proxied connection whose upstream side uses this local port (see CLIENT LIST). */
  byUpstreamPort(port: number): ProxiedConnection | undefined {
    return this.connections.find((c) => c.upstream.localPort === port && !c.client.destroyed);
  }

  close(): Promise<void> {
    for (const c of this.connections) {
      c.client.destroy();
      c.upstream.destroy();
    }
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
