// JSON-RPC errors: the standard codes of the 2.0 specification and the supervisor's own in
// the implementation-defined range (-32000 to -32099), each with a readable message.
export const RPC_ERRORS = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** No key, or a key the supervisor does not know. */
  unauthenticated: -32001,
  /** A known key whose scope does not allow the method. */
  forbidden: -32002,
  /** The job is malformed (schema). */
  invalidJob: -32010,
  /** The job's signatures or age do not pass (docs/protocol.md). */
  jobRefused: -32011,
  /** A job with this id exists already. */
  jobExists: -32012,
  /** No such job. */
  jobNotFound: -32013,
  /** The job is in a state that does not allow this (started twice, deleted while running). */
  jobState: -32014,
  /** The job's runner has not been registered. */
  runnerNotRegistered: -32020,
  /** No such API key. */
  keyNotFound: -32030,
  /** job.run gave up waiting; the job goes on. */
  waitTimeout: -32040,
  /** A method that needs a WebSocket connection was called over HTTP. */
  needsWebSocket: -32050,
  /** A batch's answers passed the response limit: this call's answer was left out. */
  responseTooLarge: -32060,
  /** Redis refused the write: it has reached maxmemory. Nothing was stored. */
  redisOutOfMemory: -32070,
  /** A schedule with this name exists already. */
  scheduleExists: -32080,
  /** No such schedule. */
  scheduleNotFound: -32081,
  /** A flow with this id exists already. */
  flowExists: -32090,
  /** No such flow (or not one this key stored). */
  flowNotFound: -32091,
  /** The flow is in a state that does not allow this (started twice, cancelled once ended). */
  flowState: -32092,
} as const;

export class RpcError extends Error {
  override readonly name = "RpcError";

  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}
