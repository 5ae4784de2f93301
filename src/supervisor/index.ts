// The supervisor: JSON-RPC over HTTP and WebSocket in front of the runners, and a web
// console, on one port.
export * from "./auth.js";
export * from "./errors.js";
export { METHODS } from "./methods.js";
export * from "./openrpc.js";
export * from "./schemas.js";
export * from "./server.js";
