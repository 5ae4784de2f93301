// Trusted public keys as the command line gives them: a runner's --trusted-keys, and horus's
// --trusted-keys and --runner-keys. A module of its own so horus loads it without the runner.
import { readFileSync } from "node:fs";
import { parseTrustedKeys } from "../job/index.js";

/** `HEX,HEX` or `@FILE` (one key per line or comma-separated; `#` starts a comment). */
export function readTrustedKeys(spec: string | undefined): Set<string> {
  if (spec === undefined || spec.trim() === "") return new Set();
  let text = spec;
  if (spec.startsWith("@")) {
    const path = spec.slice(1);
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new Error(`cannot read trusted keys from ${path}: ${(e as Error).message}`);
    }
  }
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, ""))
    .flatMap((line) => line.split(/[,\s]+/))
    .filter((key) => key !== "");
  // A private key given by mistake is not to be echoed, not even its first characters: it
  // ends up in terminals, logs and journals.
  const secret = keys.findIndex((key) => /^(0x)?[0-9a-fA-F]{64}$/.test(key));
  if (secret >= 0)
    throw new Error(
      `trusted key ${secret + 1} is 64 hex characters, the size of a private key: give public keys (public_key of \`horus keygen\`), and keep that private key secret`,
    );
  return parseTrustedKeys(keys);
}
