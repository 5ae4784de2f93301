// Structured logs: JSON lines when the output is not a terminal (for machines), readable
// lines on a terminal (for people).
import { type Logger, pino } from "pino";

export type { Logger };

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function createLogger(level: LogLevel, base: Record<string, unknown>): Logger {
  const pretty = process.stdout.isTTY === true && process.env.HORUS_LOG_JSON !== "1";
  if (pretty) {
    return pino({
      level,
      base,
      transport: {
        target: "pino-pretty",
        options: {
          colorize: true,
          translateTime: "SYS:HH:MM:ss.l",
          singleLine: true,
          ignore: "pid,hostname",
        },
      },
    });
  }
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime });
}
