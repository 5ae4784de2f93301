// A client for QEMU's machine protocol (QMP) over its unix socket: greeting, capability
// negotiation, then one command at a time. Asynchronous events are skipped. Every step has a
// deadline so a wedged QEMU is an error, not a hang.

import { createConnection, type Socket } from "node:net";

export class QmpError extends Error {
  override readonly name = "QmpError";
}

type Reply = Record<string, unknown>;

export class QmpClient {
  private buffer = "";
  private waiting: ((reply: Reply | Error) => void) | undefined;
  private failure: Error | undefined;
  private readonly replies: Reply[] = [];

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new QmpError("QEMU closed the QMP connection")));
  }

  /** Connects to the socket and negotiates capabilities. */
  static async connect(path: string, timeoutMs = 5000): Promise<QmpClient> {
    const socket = createConnection(path);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new QmpError(`no QMP connection within ${timeoutMs / 1000}s`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new QmpError(`cannot connect to QMP: ${e.code ?? e.message}`));
      });
    });
    const client = new QmpClient(socket, timeoutMs);
    try {
      const greeting = await client.next();
      if (!("QMP" in greeting)) throw new QmpError("the socket did not greet as QMP");
      await client.execute("qmp_capabilities");
    } catch (e) {
      client.close();
      throw e;
    }
    return client;
  }

  /** Runs a command; resolves to its `return` value, rejects with QEMU's error description. */
  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    this.socket.write(
      `${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`,
    );
    const reply = await this.next();
    if ("error" in reply) {
      const error = reply.error as { class?: string; desc?: string };
      throw new QmpError(`${command}: ${error.desc ?? error.class ?? "failed"}`);
    }
    return reply.return;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf("\n"); nl >= 0; nl = this.buffer.indexOf("\n")) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line === "") continue;
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        this.fail(new QmpError("QEMU sent a line that is not JSON"));
        return;
      }
      if ("event" in reply) continue; // asynchronous notification, not an answer
      this.replies.push(reply);
      this.flush();
    }
  }

  private fail(e: Error): void {
    this.failure ??= e instanceof QmpError ? e : new QmpError(`QMP connection: ${e.message}`);
    this.flush();
  }

  private flush(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    const reply = this.replies.shift();
    if (reply) {
      this.waiting = undefined;
      waiting(reply);
    } else if (this.failure) {
      this.waiting = undefined;
      waiting(this.failure);
    }
  }

  private next(): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new QmpError(`no answer from QMP within ${this.timeoutMs / 1000}s`));
      }, this.timeoutMs);
      this.waiting = (reply) => {
        clearTimeout(timer);
        if (reply instanceof Error) reject(reply);
        else resolve(reply);
      };
      this.flush();
    });
  }
}

/** Connects, runs one command, disconnects. */
export async function qmpOnce(
  path: string,
  command: string,
  args?: Record<string, unknown>,
  timeoutMs = 5000,
): Promise<unknown> {
  const client = await QmpClient.connect(path, timeoutMs);
  try {
    return await client.execute(command, args);
  } finally {
    client.close();
  }
}
