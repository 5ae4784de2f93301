// The worker's end of the host bridge against a stray wake-up. The main thread answers a
// call by storing ANSWERED, then notifying; a worker that saw ANSWERED before it slept
// (a quick answer) goes on to its next call, and the late notify can then wake that next
// call's wait before its answer exists. Here a helper thread plays the main thread: a
// stray notify while the word still says WAITING, then the real answer. The call must
// return the answer (it used to fail with "host bridge out of step", as a loaded runner's
// jobs did now and then).
import { MessageChannel, Worker } from "node:worker_threads";
import { expect, test } from "vitest";
import { BridgeClient } from "../../src/sandbox/bridge.js";
import { encodeValue } from "../../src/sandbox/index.js";
import { BRIDGE_ANSWERED } from "../../src/sandbox/protocol.js";

const HELPER = `
const { workerData } = require("node:worker_threads");
const word = new Int32Array(workerData.state);
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
// Until the client sleeps on the word (it does at once; this is belt and braces).
sleep(100);
Atomics.notify(word, 0); // stray: nothing answered yet
sleep(100);
workerData.port.postMessage(workerData.reply);
Atomics.store(word, 0, workerData.answered);
Atomics.notify(word, 0);
`;

test("a stray wake-up does not end a call's wait before its answer", async () => {
  const state = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  const helper = new Worker(HELPER, {
    eval: true,
    workerData: {
      state,
      port: port1,
      reply: { callId: 1, ok: true, value: encodeValue(42) },
      answered: BRIDGE_ANSWERED,
    },
    transferList: [port1],
  });
  const posted: unknown[] = [];
  const client = new BridgeClient(state, port2, (msg) => posted.push(msg));
  // Blocks this thread until the helper's real answer.
  expect(client.call(7, { qualified: "m.f" }, [])).toBe(42);
  expect(posted).toEqual([
    { type: "call", runId: 7, callId: 1, target: { qualified: "m.f" }, args: [] },
  ]);
  port2.close();
  await helper.terminate();
});
