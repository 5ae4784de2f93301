// A BullMQ worker process for the benchmark: one Worker on QUEUE with CONCURRENCY. Its
// processor does nothing, or with a trusted public key (the "BullMQ with our signing" row)
// checks the job's signatures first, as our runner does: the job (ours, signed by the
// producer with signJob) is BullMQ's job data, and its signatures are verified over its
// canonical bytes with the same libsecp256k1 binding (verifyJobSignatures). Prints "ready"
// once connected; closes on SIGTERM.
//   node bench/lib/bullmq-worker.mjs QUEUE CONCURRENCY REDIS_URL [TRUSTED_PUBLIC_KEY]
import { Worker } from "bullmq";
import { normalisePublicKey, verifyJobSignatures } from "../../dist/job/index.js";

const [queueName, concurrency, url, trustedKey] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const trusted = trustedKey ? normalisePublicKey(trustedKey) : undefined;

const processor = trusted
  ? async (job) => {
      const report = verifyJobSignatures(job.data);
      if (report.invalid.length > 0 || !report.valid.includes(trusted))
        throw new Error(`refused: ${report.invalid.join("; ") || "no trusted signature"}`);
    }
  : async () => {};
const worker = new Worker(queueName, processor, {
  connection: { host: hostname, port: Number(port), maxRetriesPerRequest: null },
  concurrency: Number(concurrency),
});
worker.on("error", (e) => process.stderr.write(`bullmq worker: ${e.message}\n`));
await worker.waitUntilReady();
process.stdout.write("ready\n");
process.on("SIGTERM", async () => {
  await worker.close();
  process.exit(0);
});
