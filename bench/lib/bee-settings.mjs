// bee-queue's settings for the benchmark, the same for the producer and the worker: the lean
// options its README recommends for throughput (no job storage in the producer, no events
// published or subscribed, a job's hash removed when it succeeds).
export function beeSettings(url, { isWorker }) {
  const { hostname, port } = new URL(url);
  return {
    redis: { host: hostname, port: Number(port) },
    isWorker,
    storeJobs: false,
    getEvents: false,
    sendEvents: false,
    removeOnSuccess: true,
  };
}
