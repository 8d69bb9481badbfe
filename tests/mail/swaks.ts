// swaks (Debian's "Swiss Army Knife for SMTP"): a real SMTP client, not the
// project's own code, for the tests that must show other software gets along
// with our servers.
import { execFile } from "node:child_process";

export interface SwaksResult {
  /** swaks's exit status: 0 when the message went through; 23 sender refused, 24 no recipient accepted, 25 DATA refused, 28 AUTH failed, 29 TLS failed. */
  status: number;
  /** The session as swaks prints it: "->" what it sent, "<-" the answers, "<**" an error answer ("~" inside TLS). */
  transcript: string;
}

/** Runs swaks with the given arguments (e.g. --server 127.0.0.1:2525 --to …); never rejects on a refusal. */
export function swaks(args: readonly string[], timeoutMs = 30_000): Promise<SwaksResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "swaks",
      [...args, "--timeout", "20"],
      { timeout: timeoutMs, env: { ...process.env, LANG: "C" } },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        if (status === -1) {
          reject(new Error(`swaks did not run: ${String(error)}\n${stderr}`));
          return;
        }
        resolve({ status, transcript: stdout + stderr });
      },
    );
  });
}

/** The answers the server gave in a swaks transcript ("250 …", "550 5.7.1 …"), in order. */
export function answers(transcript: string): string[] {
  return transcript
    .split("\n")
    .filter((line) => /^<[-~*]+ +\d{3} /.test(line))
    .map((line) => line.replace(/^<[-~*]+ +/, "").trimEnd());
}
