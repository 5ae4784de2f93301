// Runs once before the suite: builds dist/ (integration tests start the real commands from
// there) and checks that Redis answers, so a missing service fails fast with a clear word.
import { Socket } from "node:net";
import { buildDist } from "./build-setup.js";

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, "127.0.0.1");
  });
}

export default async function setup(): Promise<void> {
  buildDist();
  if (!(await portAnswers(6379))) {
    throw new Error("Redis does not answer on 127.0.0.1:6379: run `npm test` (it starts it)");
  }
}
