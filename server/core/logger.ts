import pino, { type Logger } from "pino";

/** Paths that must never reach a log line, whatever object they ride on. */
const REDACT = [
  "password",
  "*.password",
  "*.currentPassword",
  "*.newPassword",
  "*.passwordHash",
  "*.totpSecret",
  "*.recoveryCodes",
  "*.initialPassword",
  "req.headers.cookie",
  "req.headers['x-csrf-token']",
  "res.headers['set-cookie']",
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: "[redacted]" } });
}
