// The supervisor while its Redis is away: calls fail soon with a readable error instead of
// hanging, and work again once Redis is back, without a restart.
import { afterAll, beforeAll, expect, test } from "vitest";
import { OwnRedis } from "../helpers/redis-server.js";
import { httpCall, type RunningSupervisor, startSupervisor } from "./helpers.js";

let redis: OwnRedis;
let sup: RunningSupervisor;

beforeAll(async () => {
  redis = await OwnRedis.start();
  sup = await startSupervisor("outage", undefined, redis.url);
});

afterAll(async () => {
  await sup?.proc.stop();
  await redis?.destroy();
});

test("a call during an outage fails with an internal error, and works after it", async () => {
  const userKey = (
    await httpCall<{ key: string }>(
      sup.url,
      "auth.create_key",
      { name: "u", scope: "user" },
      sup.adminKey,
    )
  ).result?.key as string;
  expect((await httpCall(sup.url, "list_runners", {}, userKey)).result).toEqual({ runners: [] });

  await redis.stop();
  const started = Date.now();
  const during = await httpCall(sup.url, "list_runners", {}, sup.adminKey);
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(during.error?.code).toBe(-32603);
  expect(during.error?.message).toMatch(/internal error in list_runners/);
  // The OpenRPC document needs no Redis.
  expect((await httpCall(sup.url, "rpc.discover")).error).toBeUndefined();

  // This Redis keeps nothing across a restart, so the user key is gone; the admin key lives
  // in its file and still works.
  await redis.start();
  await expect
    .poll(async () => (await httpCall(sup.url, "list_runners", {}, sup.adminKey)).result, {
      timeout: 15_000,
      interval: 250,
    })
    .toEqual({ runners: [] });
});
