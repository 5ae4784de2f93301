// The hetzner module against a loopback Hetzner API (fake-hetzner.ts): what the client sends
// (paths, methods, bodies, bearer token), what scripts get back, and every failure mode.

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { RhaiMap, Value } from "../../src/rhai/index.js";
import hetznerModule, { type HetznerClient } from "../../src/sal/hetzner/index.js";
import { FakeHetzner } from "./fake-hetzner.js";
import { callMain, callWorker, mainContext, rejection, workerContext } from "./helpers.js";

const TOKEN = "hc-test-token-0123456789abcdef";
let api: FakeHetzner;

beforeAll(async () => {
  api = new FakeHetzner(TOKEN);
  await api.start();
});
afterAll(() => api.stop());
beforeEach(() => {
  api.requests.length = 0;
  api.rateLimited = false;
  api.hangPath = undefined;
  api.actionPolls = 1;
});

function settings(extra: Record<string, Value> = {}): RhaiMap {
  return new Map<string, Value>([
    ["token", ""],
    ["timeout", 5],
    ["action_timeout", 10],
    ...Object.entries(extra),
  ]);
}

/** A job whose env holds the token and points at the fake API. */
function ctx(env: Record<string, string> = {}) {
  return mainContext({ envVars: { HCLOUD_TOKEN: TOKEN, HETZNER_API_URL: api.url, ...env } });
}

function call(op: string, args: Value[] = [], s = settings(), c = ctx()) {
  return callMain(hetznerModule, c, "hetzner_call", op, s, args);
}

const get = (v: Value, k: string) => (v as RhaiMap).get(k);

describe("hetzner: requests as the API documents them", () => {
  test("server_create posts the body, follows both actions, and returns the running server", async () => {
    const server = await call("server_create", [
      "web-1",
      "cx22",
      "debian-12",
      "nbg1",
      ["me", 42],
      "#cloud-config\n",
    ]);
    const post = api.requests.find((r) => r.method === "POST" && r.path === "/v1/servers");
    expect(post?.body).toEqual({
      name: "web-1",
      server_type: "cx22",
      image: "debian-12",
      location: "nbg1",
      ssh_keys: ["me", 42],
      user_data: "#cloud-config\n",
      start_after_create: true,
    });
    expect(post?.contentType).toBe("application/json");
    const polls = api.requests.filter((r) => r.path.startsWith("/v1/actions/"));
    expect(polls.length).toBeGreaterThanOrEqual(2); // each action polled until success
    expect(get(server, "name")).toBe("web-1");
    expect(get(server, "status")).toBe("running");
    expect(get(server, "location")).toBe("nbg1");
    expect(get(server, "server_type")).toBe("cx22");
    expect(get(server, "ipv4")).toBe("192.0.2.10");
    // the root password Hetzner sends back is a credential: not in the result
    expect(JSON.stringify([...(server as RhaiMap).entries()])).not.toContain("s3cret");
    for (const r of api.requests) expect(r.authorization).toBe(`Bearer ${TOKEN}`);
  });

  test("empty location and user data are left out of the body", async () => {
    await call("server_create", ["web-2", "cx22", "debian-12", "", [], ""]);
    const post = api.requests.find((r) => r.method === "POST" && r.path === "/v1/servers");
    expect(post?.body).toEqual({
      name: "web-2",
      server_type: "cx22",
      image: "debian-12",
      start_after_create: true,
    });
  });

  test("servers by name and id, actions, delete", async () => {
    const list = (await call("servers_list")) as RhaiMap[];
    const names = list.map((s) => s.get("name"));
    expect(names).toEqual(expect.arrayContaining(["web-1", "web-2"]));
    const id = list.find((s) => s.get("name") === "web-1")?.get("id") as number;
    expect(get(await call("server_get", [id]), "name")).toBe("web-1");
    expect(get(await call("server_get", ["web-1"]), "id")).toBe(id);
    expect(
      api.requests.some((r) => r.path === "/v1/servers" && r.query.get("name") === "web-1"),
    ).toBe(true);

    const off = await call("server_poweroff", ["web-1"]);
    expect(get(off, "command")).toBe("poweroff_server");
    expect(get(off, "status")).toBe("success");
    expect(
      api.requests.some(
        (r) => r.method === "POST" && r.path === `/v1/servers/${id}/actions/poweroff`,
      ),
    ).toBe(true);
    expect(get(await call("server_get", [id]), "status")).toBe("off");
    expect(get(await call("server_poweron", [id]), "command")).toBe("poweron_server");
    expect(get(await call("server_reboot", [id]), "command")).toBe("reboot_server");

    expect(await call("server_delete", ["web-2"])).toBe(true);
    expect(
      api.requests.some((r) => r.method === "DELETE" && /^\/v1\/servers\/\d+$/.test(r.path)),
    ).toBe(true);
    const after = ((await call("servers_list")) as RhaiMap[]).map((s) => s.get("name"));
    expect(after).not.toContain("web-2");
  });

  test("ssh keys, images (all and by type), server types over three pages", async () => {
    const key = await call("ssh_key_create", ["me", "ssh-ed25519 AAAAC3Nz me@host"]);
    expect(get(key, "name")).toBe("me");
    expect(api.requests.at(-1)?.body).toEqual({
      name: "me",
      public_key: "ssh-ed25519 AAAAC3Nz me@host",
    });
    expect(((await call("ssh_keys_list")) as RhaiMap[]).map((k) => k.get("name"))).toContain("me");

    expect(((await call("images_list")) as RhaiMap[]).length).toBe(3);
    const systems = (await call("images_list", ["system"])) as RhaiMap[];
    expect(systems.map((i) => i.get("name"))).toEqual(["debian-12", "ubuntu-24.04"]);
    expect(api.requests.at(-1)?.query.get("type")).toBe("system");

    api.requests.length = 0;
    const types = (await call("server_types_list")) as RhaiMap[];
    expect(types.length).toBe(120);
    expect(api.requests.map((r) => r.query.get("page"))).toEqual(["1", "2", "3"]);
    expect(types[0]?.get("cores")).toBe(2);
  });
});

describe("hetzner: failures are catchable errors with Hetzner's code and message", () => {
  test("a 4xx: the API's code and message, named after the function", async () => {
    const e = await rejection(call("server_create", ["web-1", "cx22", "debian-12", "", [], ""]));
    expect(e.message).toBe(
      "server_create: Hetzner API error uniqueness_error (HTTP 409): server name is already used",
    );
    const bad = await rejection(call("ssh_key_create", ["k", "not a key"]));
    expect(bad.message).toContain("invalid_input (HTTP 422): invalid public key");
    const missing = await rejection(call("server_get", [999999]));
    expect(missing.message).toContain("not_found (HTTP 404)");
    expect((await rejection(call("server_get", ["nobody"]))).message).toBe(
      'server_get: no server named "nobody"',
    );
  });

  test("a wrong token is the API's unauthorized error, and the token is in no message", async () => {
    const wrong = "hc-wrong-token-should-not-leak";
    const e = await rejection(call("servers_list", [], settings({ token: wrong })));
    expect(e.message).toBe(
      "servers_list: Hetzner API error unauthorized (HTTP 401): unable to authenticate",
    );
    expect(api.requests.at(-1)?.authorization).toBe(`Bearer ${wrong}`);
    expect(e.message).not.toContain(wrong);
  });

  test("no token anywhere", async () => {
    const e = await rejection(
      call("servers_list", [], settings(), mainContext({ envVars: { HETZNER_API_URL: api.url } })),
    );
    expect(e.message).toContain("no API token");
  });

  test("a rate limit reports Hetzner's code, message and the limit's reset", async () => {
    api.rateLimited = true;
    const e = await rejection(call("servers_list"));
    expect(e.message).toBe(
      "servers_list: Hetzner API error rate_limit_exceeded (HTTP 429): limit of 3600 requests per hour reached [rate limit: 0 of 3600 requests left, resets at 2027-01-01T00:00:00.000Z]",
    );
  });

  test("an action that fails, and one that does not finish in time", async () => {
    const id = get(await call("server_get", ["web-1"]), "id") as number;
    api.failCommand = "reboot_server";
    const failed = await rejection(call("server_reboot", [id]));
    expect(failed.message).toMatch(
      /^server_reboot: action reboot_server \d+ failed: action_failed: Action failed$/,
    );
    api.actionPolls = 1000;
    const started = Date.now();
    const slow = await rejection(call("server_poweron", [id], settings({ action_timeout: 1 })));
    expect(slow.message).toMatch(
      /action poweron_server \d+ not done after 1s \(status running, progress 50%\)/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test("a request with no answer times out", async () => {
    api.hangPath = "/v1/servers";
    const started = Date.now();
    const e = await rejection(call("servers_list", [], settings({ timeout: 1 })));
    expect(e.message).toBe("servers_list: no answer from the Hetzner API within 1s (GET /servers)");
    expect(Date.now() - started).toBeLessThan(4000);
  });

  test("an unreachable API", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const e = await rejection(
      call("servers_list", [], settings(), ctx({ HETZNER_API_URL: `http://127.0.0.1:${port}/v1` })),
    );
    expect(e.message).toBe(
      `servers_list: cannot reach the Hetzner API at http://127.0.0.1:${port}/v1 (GET /servers): ECONNREFUSED`,
    );
  });

  test("a job that ends stops the call", async () => {
    api.hangPath = "/v1/servers";
    const c = ctx();
    const pending = call("servers_list", [], settings({ timeout: 20 }), c);
    setTimeout(() => void c.end(), 200);
    expect((await rejection(pending)).message).toBe(
      "servers_list: the job ended during GET /servers",
    );
  });
});

describe("hetzner: the worker-side client", () => {
  test("hetzner(token) keeps the token out of its printed form and sends it with each call", () => {
    const w = workerContext(() => new Map());
    const client = callWorker(hetznerModule, w, "hetzner", TOKEN) as unknown as HetznerClient;
    expect(String(client)).toBe("HetznerClient");
    const tuned = callWorker(
      hetznerModule,
      w,
      "timeout",
      client as unknown as Value,
      7,
    ) as unknown as HetznerClient;
    callWorker(hetznerModule, w, "server_get", tuned as unknown as Value, "web-1");
    expect(w.calls[0]?.name).toBe("hetzner.hetzner_call");
    expect(w.calls[0]?.args[0]).toBe("server_get");
    const sent = w.calls[0]?.args[1] as RhaiMap;
    expect(sent.get("token")).toBe(TOKEN);
    expect(sent.get("timeout")).toBe(7);
    expect(w.calls[0]?.args[2]).toEqual(["web-1"]);
  });
});
