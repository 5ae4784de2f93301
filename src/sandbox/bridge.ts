// The worker's end of the host bridge: a synchronous call into the main thread.
//
// The worker cannot await, so it posts the call and sleeps on the shared word until the
// main thread answers (see protocol.ts). The main thread may take as long as it likes; the
// pool's timeout terminates the worker even while it sleeps here.

import { type MessagePort, receiveMessageOnPort } from "node:worker_threads";
import type { ErrorKind } from "../job/index.js";
import { NO_POSITION, RhaiRuntimeError, type Value } from "../rhai/index.js";
import { coerceError } from "../util/index.js";
import { decodeValue, encodeValue } from "./codec.js";
import {
  BRIDGE_ANSWERED,
  BRIDGE_WAITING,
  type CallReply,
  type CallTarget,
  type FromWorker,
} from "./protocol.js";

/**
 * A host function failed. It is a Rhai runtime error, so a script can catch it (the caught
 * value is the message); an `errorKind` the function gave (e.g. `unauthorized`) travels
 * with it so an uncaught one still sets the job's error_kind.
 */
export class HostFunctionError extends RhaiRuntimeError {
  constructor(
    message: string,
    readonly errorKind?: ErrorKind,
  ) {
    super("ErrorRuntime", message, NO_POSITION, message);
  }
}

export class BridgeClient {
  private readonly word: Int32Array;
  private nextCallId = 1;

  constructor(
    bridgeState: SharedArrayBuffer,
    private readonly replyPort: MessagePort,
    private readonly post: (msg: FromWorker) => void,
  ) {
    this.word = new Int32Array(bridgeState);
  }

  /** Calls a main-side function for the run `runId` and blocks until it answers. */
  call(runId: number, target: CallTarget, args: readonly Value[]): Value {
    const callId = this.nextCallId++;
    let wireArgs: ReturnType<typeof encodeValue>[];
    try {
      wireArgs = args.map(encodeValue);
    } catch (e) {
      throw new HostFunctionError(`cannot pass the arguments: ${coerceError(e).message}`);
    }
    Atomics.store(this.word, 0, BRIDGE_WAITING);
    this.post({ type: "call", runId, callId, target, args: wireArgs });
    // Woken, the word is checked again: a wake-up can be the previous call's. The main
    // thread stores ANSWERED and then notifies; when the worker saw ANSWERED without
    // sleeping (a quick answer), that notify may come late, once this call sleeps.
    while (Atomics.load(this.word, 0) === BRIDGE_WAITING) {
      Atomics.wait(this.word, 0, BRIDGE_WAITING);
    }
    const received = receiveMessageOnPort(this.replyPort);
    const reply = received?.message as CallReply | undefined;
    // The main thread posts the reply before it flips the word, so it is always there.
    if (reply === undefined || reply.callId !== callId) {
      throw new Error(`host bridge out of step: expected the reply to call ${callId}`);
    }
    if (!reply.ok) throw new HostFunctionError(reply.message, reply.errorKind);
    return decodeValue(reply.value);
  }
}

/** The main thread's side of the wake-up: called after the reply has been posted. */
export function wakeWorker(bridgeState: SharedArrayBuffer): void {
  const word = new Int32Array(bridgeState);
  Atomics.store(word, 0, BRIDGE_ANSWERED);
  Atomics.notify(word, 0);
}
