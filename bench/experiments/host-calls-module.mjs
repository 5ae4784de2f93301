// A host module for bench/experiments/host-calls.mjs: one main-side function that answers
// at once, so a call's cost is the host-call path's own (bridge, session, tracing check).
export default {
  name: "bench",
  description: "A main-side function that returns its argument.",
  functions: [
    {
      side: "main",
      name: "bench_echo",
      params: ["i64"],
      returns: "i64",
      doc: "Returns its argument from the main thread.",
      example: "bench_echo(1)",
      run: (_ctx, [n]) => n,
    },
  ],
};
