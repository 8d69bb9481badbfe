// kill -9 of the mail process while clients send: every message that got a 250
// is in its mailbox after the restart, and none is there twice, although the
// clients send again everything that did not get its 250 (as MTAs do).
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

/** 400 in CI (about 20 s); MAIL_CRASH_MESSAGES=10000 for the full run. */
const MESSAGES = Number(process.env.MAIL_CRASH_MESSAGES ?? 400);
const TEST_MS = Math.max(180_000, MESSAGES * 200);
const CLIENTS = 20;
const TO = "office.staff1@nanning.gov.cn";

let server: TestServer;
let dataDir: string;
let port: number;

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port: free } = probe.address() as { port: number };
  probe.close();
  return free;
}

/** `npm run mail` as a process of its own, on the test's database; resolves once it listens. */
async function startMail(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "mail/main.ts"], {
    env: {
      ...process.env,
      DATABASE_URL: server.db.url,
      DATA_DIR: dataDir,
      SMTP_PORT: String(port),
      SUBMISSION_PORT: "off",
      SMTPS_PORT: "off",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("is listening")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`mail process exited with ${code}: ${output}`)));
  });
  return child;
}

/** Message i, byte for byte the same each time it is sent (its Date and Message-ID are fixed). */
function raw(i: number): string {
  return [
    "From: sender@example.org",
    `To: ${TO}`,
    `Subject: crash test ${i}`,
    "Date: Fri, 27 Nov 2026 08:00:00 +0000",
    `Message-ID: <crash-${i}@example.org>`,
    "",
    `message ${i} `.repeat(50),
    "",
  ].join("\r\n");
}

/** Sends messages `ids` over CLIENTS connections; answers the ids that got a 250. */
async function send(ids: number[], onAck: () => void = () => undefined): Promise<Set<number>> {
  const acked = new Set<number>();
  const queue = [...ids];
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const transport = nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true });
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        try {
          const info = await transport.sendMail({ envelope: { from: "sender@example.org", to: [TO] }, raw: raw(i) });
          if (/^250 /.test(info.response)) {
            acked.add(i);
            onAck();
          }
        } catch {
          // The server went away: this one was not accepted, the MTA will try again.
        }
      }
      transport.close();
    }),
  );
  return acked;
}

/** How many times each subject is in the mailbox. */
async function subjects(): Promise<Map<string, number>> {
  const rows = await server.sequelize.query<{ subject: string; n: number }>(
    `SELECT m.subject AS subject, COUNT(*) AS n
       FROM mail_messages m JOIN mailboxes b ON b.id = m.mailboxId
      WHERE b.address = ?
      GROUP BY m.subject`,
    { replacements: [TO], type: QueryTypes.SELECT },
  );
  return new Map(rows.map((r) => [r.subject, Number(r.n)]));
}

beforeAll(async () => {
  server = await startTestServer();
  dataDir = mkdtempSync(join(tmpdir(), "yong-mail-crash-"));
  port = await freePort();
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the mail process killed while it receives", () => {
  it(
    "keeps every message it answered 250 to, each once, after kill -9 and the clients' retries",
    async () => {
      let mail = await startMail();
      const all = Array.from({ length: MESSAGES }, (_, i) => i);
      let acks = 0;
      let killed = false;
      const first = await send(all, () => {
        acks += 1;
        if (!killed && acks >= MESSAGES / 3) {
          killed = true;
          mail.kill("SIGKILL");
        }
      });
      expect(killed).toBe(true);
      expect(first.size).toBeGreaterThan(0);
      expect(first.size).toBeLessThan(MESSAGES);
      if (mail.exitCode === null && mail.signalCode === null) await once(mail, "exit");
      expect(mail.signalCode).toBe("SIGKILL");

      // Before anyone sends again: everything answered 250 is there (durable before the answer).
      const stored = await subjects();
      for (const i of first) expect(stored.get(`crash test ${i}`), `acknowledged message ${i}`).toBe(1);
      // Stored but not answered before the kill: the sender will send these again (and they must be kept once).
      const unanswered = [...stored.keys()].filter((subject) => !first.has(Number(subject.slice(11)))).length;

      mail = await startMail();
      try {
        const again = await send(all.filter((i) => !first.has(i)));
        expect(first.size + again.size).toBe(MESSAGES);
      } finally {
        const exited = once(mail, "exit");
        mail.kill("SIGTERM");
        await exited;
      }

      // Every message is there once: those stored but not answered before the kill were sent again, and kept once.
      const counts = await subjects();
      for (const i of all) expect(counts.get(`crash test ${i}`), `message ${i}`).toBe(1);
      expect(counts.size).toBe(MESSAGES);
      process.stdout.write(
        `crash test: ${MESSAGES} messages; ${first.size} answered 250 before kill -9, all of them stored; ` +
          `${unanswered} stored but unanswered, sent again and kept once; ${counts.size} in the mailbox, none twice\n`,
      );
    },
    TEST_MS,
  );
});
