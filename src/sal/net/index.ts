// The `net` host module: reachability checks and simple HTTP. Every call has a timeout (a
// default, or the optional last argument in seconds) and stops when the job ends, so an
// unreachable host costs a script at most that long.

import { Socket } from "node:net";
import {
  argInt,
  argNonEmpty,
  argSeconds,
  guard,
  type HostModule,
  hostError,
  type MainSideContext,
  mainFn,
  overloads,
} from "../../host/index.js";
import type { Value } from "../../rhai/index.js";
import { sshFunctions } from "./ssh.js";

const TCP_TIMEOUT_S = 3;
const HTTP_TIMEOUT_S = 10;
/** Bodies larger than this are refused by http_get (a script handles text, not bulk data). */
const MAX_BODY = 32 * 1024 * 1024;
/** Ports tcp_ping knocks on: any answer, even a refusal, proves the host is up. */
const PING_PORTS = [22, 80, 443];

type TcpOutcome = "open" | "refused" | "unreachable";

function timeoutArg(fn: string, args: readonly Value[], index: number, fallback: number): number {
  return args.length > index ? argSeconds(fn, args, index, "timeout") : fallback;
}

function portArg(fn: string, args: readonly Value[], index: number): number {
  const port = argInt(fn, args, index, "port");
  if (port < 1 || port > 65535)
    throw hostError(fn, `port must be between 1 and 65535, got ${port}`);
  return port;
}

/** Tries one TCP connection and says how the host answered. */
function tcpConnect(ctx: MainSideContext, host: string, port: number, seconds: number) {
  return new Promise<TcpOutcome>((resolve) => {
    const socket = new Socket();
    const done = (outcome: TcpOutcome) => {
      ctx.signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = () => done("unreachable");
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    socket.setTimeout(seconds * 1000, () => done("unreachable"));
    socket.once("connect", () => done("open"));
    socket.once("error", (e: NodeJS.ErrnoException) =>
      done(e.code === "ECONNREFUSED" ? "refused" : "unreachable"),
    );
    socket.connect(port, host);
  });
}

function parseHttpUrl(fn: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw hostError(fn, `not a valid URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw hostError(fn, `only http and https URLs are supported, not ${url.protocol}`);
  }
  return url;
}

/** Fetches a URL with the call's timeout, tied to the job; failures say which and why. */
async function request(ctx: MainSideContext, fn: string, args: readonly Value[]) {
  const url = parseHttpUrl(fn, argNonEmpty(fn, args, 0, "url"));
  const seconds = timeoutArg(fn, args, 1, HTTP_TIMEOUT_S);
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(seconds * 1000)]);
  try {
    return { response: await fetch(url, { signal, redirect: "follow" }), url, signal, seconds };
  } catch (e) {
    throw hostError(fn, failure(e, url, seconds));
  }
}

function failure(e: unknown, url: URL, seconds: number): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === "TimeoutError") return `${url.href} did not answer within ${seconds}s`;
  if (err.name === "AbortError") return `request to ${url.href} stopped: the job ended`;
  const cause = err.cause?.code ?? err.cause?.message ?? err.message;
  return `cannot reach ${url.href}: ${cause}`;
}

async function readBody(fn: string, res: Response, url: URL, seconds: number): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY)
    throw hostError(fn, `${url.href} sends ${declared} bytes, more than ${MAX_BODY}`);
  const reader = res.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY) {
        await reader.cancel();
        throw hostError(fn, `${url.href} sent more than ${MAX_BODY} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof Error && e.name === "RhaiRuntimeError") throw e;
    throw hostError(fn, failure(e, url, seconds));
  }
  return Buffer.concat(chunks).toString("utf8");
}

const netModule: HostModule = {
  name: "net",
  description: `Reachability checks and HTTP. Each function takes an optional last argument, a timeout in seconds (default ${TCP_TIMEOUT_S}s for TCP, ${HTTP_TIMEOUT_S}s for HTTP); checks answer false rather than fail, while http_status and http_get raise a catchable error that says what went wrong. The ssh_* functions go through the system's OpenSSH client with keys only (never a password prompt) and take an options map instead.`,
  functions: [
    ...overloads(
      mainFn({
        name: "tcp_check",
        params: ["string", "i64"],
        returns: "bool",
        doc: "Whether something accepts TCP connections on host:port.",
        example: 'if !tcp_check("127.0.0.1", 6379) { throw "redis is down"; }',
        run: (ctx, args) =>
          guard("tcp_check", async () => {
            const host = argNonEmpty("tcp_check", args, 0, "host");
            const port = portArg("tcp_check", args, 1);
            const seconds = timeoutArg("tcp_check", args, 2, TCP_TIMEOUT_S);
            return (await tcpConnect(ctx, host, port, seconds)) === "open";
          }),
      }),
      ["string", "i64", "i64"],
      ["string", "i64", "f64"],
    ),
    ...overloads(
      mainFn({
        name: "tcp_ping",
        params: ["string"],
        returns: "bool",
        doc: `Whether a host answers at all over TCP (ports ${PING_PORTS.join(", ")}: an accepted or refused connection both count); needs no ICMP rights.`,
        example: 'print(tcp_ping("example.org"));',
        run: (ctx, args) =>
          guard("tcp_ping", async () => {
            const host = argNonEmpty("tcp_ping", args, 0, "host");
            const seconds = timeoutArg("tcp_ping", args, 1, TCP_TIMEOUT_S);
            const outcomes = await Promise.all(
              PING_PORTS.map((port) => tcpConnect(ctx, host, port, seconds)),
            );
            return outcomes.some((o) => o !== "unreachable");
          }),
      }),
      ["string", "i64"],
      ["string", "f64"],
    ),
    ...overloads(
      mainFn({
        name: "http_check",
        params: ["string"],
        returns: "bool",
        doc: "Whether a URL answers with a status below 400.",
        example: 'if http_check("http://127.0.0.1:8080/health") { print("up"); }',
        run: async (ctx, args) => {
          // Bad input is an error; only an unreachable or failing URL is `false`.
          parseHttpUrl("http_check", argNonEmpty("http_check", args, 0, "url"));
          timeoutArg("http_check", args, 1, HTTP_TIMEOUT_S);
          try {
            const { response } = await request(ctx, "http_check", args);
            await response.body?.cancel();
            return response.status < 400;
          } catch {
            return false;
          }
        },
      }),
      ["string", "i64"],
      ["string", "f64"],
    ),
    ...overloads(
      mainFn({
        name: "http_status",
        params: ["string"],
        returns: "i64",
        doc: "The HTTP status code a URL answers with (after redirects); an error if it cannot be reached.",
        example: 'let code = http_status("https://example.org");',
        run: async (ctx, args) => {
          const { response } = await request(ctx, "http_status", args);
          await response.body?.cancel();
          return response.status;
        },
      }),
      ["string", "i64"],
      ["string", "f64"],
    ),
    ...overloads(
      mainFn({
        name: "http_get",
        params: ["string"],
        returns: "string",
        doc: "The body of a URL as text; an error if it cannot be reached or answers 400 or above.",
        example: 'let page = http_get("http://127.0.0.1:8080/");',
        run: async (ctx, args) => {
          const { response, url, seconds } = await request(ctx, "http_get", args);
          if (response.status >= 400) {
            await response.body?.cancel();
            throw hostError("http_get", `${url.href} answered HTTP ${response.status}`);
          }
          return readBody("http_get", response, url, seconds);
        },
      }),
      ["string", "i64"],
      ["string", "f64"],
    ),
    ...sshFunctions,
  ],
};

export default netModule;
