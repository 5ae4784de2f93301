// A small client for the Hetzner Cloud HTTP API (https://docs.hetzner.cloud): bearer token,
// JSON bodies, pagination, actions followed until done. Every request has a timeout and is
// aborted when the job ends. Errors carry Hetzner's own code and message; the token never
// appears in any message this file produces.

import { field } from "../../host/index.js";
import { coerceError } from "../../util/index.js";

export const DEFAULT_BASE_URL = "https://api.hetzner.cloud/v1";

export interface HetznerSettings {
  readonly token: string;
  /** The API root, e.g. https://api.hetzner.cloud/v1 (no trailing slash needed). */
  readonly baseUrl: string;
  /** Limit for one HTTP request. */
  readonly timeoutMs: number;
  /** Limit for following one action until it is done. */
  readonly actionTimeoutMs: number;
  /** Aborted when the job ends. */
  readonly signal: AbortSignal;
}

/** A failure the API reported (or a transport failure), in words fit for a script. */
export class HetznerError extends Error {
  override readonly name = "HetznerError";
}

type Json = Record<string, unknown>;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new HetznerError("the job ended"));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new HetznerError("the job ended"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** Hetzner's error object `{error: {code, message}}` as one line, with rate-limit facts. */
function apiFailure(status: number, body: unknown, headers: Headers): string {
  const error = field(body, "error");
  const code = field(error, "code");
  const message = field(error, "message");
  let text =
    typeof code === "string"
      ? `Hetzner API error ${code} (HTTP ${status}): ${typeof message === "string" ? message : "no message"}`
      : `Hetzner API answered HTTP ${status} without an error object`;
  if (status === 429 || code === "rate_limit_exceeded") {
    const limit = headers.get("ratelimit-limit");
    const remaining = headers.get("ratelimit-remaining");
    const reset = Number(headers.get("ratelimit-reset"));
    const parts: string[] = [];
    if (limit !== null) parts.push(`${remaining ?? "?"} of ${limit} requests left`);
    if (Number.isFinite(reset) && reset > 0)
      parts.push(`resets at ${new Date(reset * 1000).toISOString()}`);
    if (parts.length > 0) text += ` [rate limit: ${parts.join(", ")}]`;
  }
  return text;
}

export class HetznerApi {
  private readonly base: string;

  constructor(private readonly settings: HetznerSettings) {
    let url: URL;
    try {
      url = new URL(settings.baseUrl);
    } catch {
      throw new HetznerError(`the API base URL is not a URL: ${JSON.stringify(settings.baseUrl)}`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:")
      throw new HetznerError(`the API base URL must be http(s): ${url.protocol}`);
    if (url.username || url.password)
      throw new HetznerError("the API base URL must not carry credentials");
    this.base = url.href.replace(/\/+$/, "");
  }

  /** One request; resolves to the parsed JSON body (or null for an empty one). */
  async request(method: string, path: string, body?: unknown): Promise<Json> {
    const what = `${method} ${path.split("?")[0]}`;
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    const signal = AbortSignal.any([this.settings.signal, timeout]);
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.settings.token}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      text = await response.text();
    } catch (e) {
      if (timeout.aborted)
        throw new HetznerError(
          `no answer from the Hetzner API within ${this.settings.timeoutMs / 1000}s (${what})`,
        );
      if (this.settings.signal.aborted) throw new HetznerError(`the job ended during ${what}`);
      const cause = e instanceof Error && e.cause instanceof Error ? e.cause : undefined;
      const code = (cause as NodeJS.ErrnoException | undefined)?.code;
      throw new HetznerError(
        `cannot reach the Hetzner API at ${this.base} (${what}): ${code ?? cause?.message ?? coerceError(e).message}`,
      );
    }
    let parsed: unknown = null;
    if (text.trim() !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new HetznerError(
          `the Hetzner API answered ${what} with HTTP ${response.status} and a body that is not JSON`,
        );
      }
    }
    if (!response.ok) throw new HetznerError(apiFailure(response.status, parsed, response.headers));
    return (parsed ?? {}) as Json;
  }

  /** Every item of a paginated list (`key` is the array's name in the answer). */
  async listAll(path: string, key: string): Promise<unknown[]> {
    const items: unknown[] = [];
    const sep = path.includes("?") ? "&" : "?";
    let page: number | null = 1;
    while (page !== null && page <= 1000) {
      const answer = await this.request("GET", `${path}${sep}page=${page}&per_page=50`);
      const batch = answer[key];
      if (!Array.isArray(batch))
        throw new HetznerError(`the Hetzner API answer to GET ${path} has no "${key}" list`);
      items.push(...batch);
      const next = field(field(field(answer, "meta"), "pagination"), "next_page");
      page = typeof next === "number" && next > page ? next : null;
    }
    return items;
  }

  /** Follows an action (`{id, command, status}`) until it succeeds; fails on error or timeout. */
  async waitAction(action: unknown): Promise<Json> {
    let current = action as Json;
    const id = field(current, "id");
    if (typeof id !== "number")
      throw new HetznerError("the Hetzner API returned an action without an id");
    const deadline = Date.now() + this.settings.actionTimeoutMs;
    let pause = 250;
    for (;;) {
      const status = field(current, "status");
      if (status === "success") return current;
      if (status === "error") {
        const error = field(current, "error");
        throw new HetznerError(
          `action ${String(field(current, "command"))} ${id} failed: ${String(field(error, "code") ?? "error")}: ${String(field(error, "message") ?? "no message")}`,
        );
      }
      if (Date.now() + pause > deadline) {
        const progress = field(current, "progress");
        throw new HetznerError(
          `action ${String(field(current, "command"))} ${id} not done after ${this.settings.actionTimeoutMs / 1000}s (status ${String(status)}, progress ${String(progress ?? "?")}%)`,
        );
      }
      await sleep(pause, this.settings.signal);
      pause = Math.min(pause * 2, 2000);
      const answer = await this.request("GET", `/actions/${id}`);
      current = answer.action as Json;
      if (current === undefined) throw new HetznerError(`GET /actions/${id} returned no action`);
    }
  }
}
