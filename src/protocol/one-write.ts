// Several commands to Redis in one write, each settling with its own reply, without an
// ioredis Pipeline on the paths every job takes.
//
// ioredis 6's Pipeline constructor defines a `length` getter on each instance, so every
// Pipeline gets a hidden class of its own, and V8's young-generation GC then keeps every
// Pipeline made since the previous one alive, with its commands, their replies and whatever
// their callbacks reach, and promotes it all to the old generation: in a runner, a large
// share of what it allocated survived each scavenge, and the old generation grew until a
// full GC (bench/RESULTS.md, session 4, has the figures). Moving that getter onto the
// prototype made it all go away, which is what pins the cause. The same one write, made by corking the
// socket around plain commands, leaves nothing behind.
import type { Writable } from "node:stream";
import { Command, type Pipeline, type Redis } from "ioredis";
import { isCluster } from "./connection.js";

/** A reply as ioredis's `Pipeline.exec` gives it: the error, or null and the value. */
export type Reply = [error: Error | null, value: unknown];

/** A command whose reply comes as strings (ioredis's built commands give Buffers). */
export function textCommand(name: string, ...args: (string | number)[]): Command {
  return new Command(name, args, { replyEncoding: "utf8" });
}

/**
 * Sends the commands, in order, on a connection to one server, in one write when it is
 * connected (queued for the reconnection otherwise, as every command is). The caller must
 * handle every command's promise: a rejection nobody awaits would be an unhandled one.
 */
export function writeTogether(redis: Redis, commands: readonly Command[]): void {
  const socket = (redis as unknown as { stream?: Writable }).stream;
  socket?.cork();
  try {
    for (const command of commands) void redis.sendCommand(command);
  } finally {
    // Every chunk written since cork() leaves in one writev.
    socket?.uncork();
  }
}

function settled(command: Command): Promise<Reply> {
  return command.promise.then(
    (value): Reply => [null, value],
    (error: Error): Reply => [error, null],
  );
}

/**
 * Sends the commands together and resolves with each one's reply or error, in order, once
 * all have answered. On a Cluster, an ioredis pipeline: it follows redirections (MOVED, ASK,
 * a failover) by sending the commands again, and only its own result sees the final replies.
 */
export async function sendTogether(redis: Redis, commands: readonly Command[]): Promise<Reply[]> {
  if (isCluster(redis)) {
    // A Pipeline at run time; its type leaves out sendCommand, which takes a built command.
    const pipeline = redis.pipeline() as unknown as Pipeline;
    for (const command of commands) pipeline.sendCommand(command);
    return ((await pipeline.exec()) ?? []) as Reply[];
  }
  const replies = commands.map(settled);
  writeTogether(redis, commands);
  return Promise.all(replies);
}
