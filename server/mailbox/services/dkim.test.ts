// Outbound DKIM signatures, checked with mailauth's verifier against the TXT record the domain publishes.
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Sequelize } from "sequelize";
import { authenticate } from "mailauth";
import { parseEnv } from "../../env.js";
import { createLogger } from "../../core/logger.js";
import { prepareDatabase } from "../../server.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { MailDomain } from "../models/index.js";
import { dkimDnsRecord, dkimSignature } from "./dkim.js";

const MESSAGE = [
  "From: office.staff1@nanning.gov.cn",
  "To: someone@example.org",
  "Subject: =?UTF-8?B?5YWz5LqO5oql6YCB?=",
  "Date: Sat, 28 Nov 2026 09:30:00 +0800",
  "Message-ID: <dkim-test@nanning.gov.cn>",
  "",
  "请按时上报。",
  "",
].join("\r\n");

let db: TestDatabase;
let sequelize: Sequelize;

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(parseEnv({ DATABASE_URL: db.url, SEED_DEMO: "false" }), createLogger("silent"));
  await MailDomain.findOrCreate({ where: { name: "nanning.gov.cn" } });
});

afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

async function verify(signature: string): Promise<string> {
  const domain = await MailDomain.findOne({ where: { name: "nanning.gov.cn" } });
  const record = await dkimDnsRecord(domain!);
  const result = await authenticate(Buffer.from(signature + MESSAGE), {
    disableArc: true,
    disableDmarc: true,
    disableBimi: true,
    resolver: async (name: string, type: string) => {
      if (type === "TXT" && name === record.name) return [[record.value]];
      throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
    },
  });
  return result.dkim.results[0]!.status.result;
}

describe("DKIM signatures of our domains", () => {
  it("verify against the published key", async () => {
    expect(await verify(await dkimSignature("nanning.gov.cn", Readable.from([MESSAGE])))).toBe("pass");
  });

  it("still verify when the clock moves on while the message is signed (one t= for what is signed and written)", async () => {
    // Every reading of the clock is a second later: a signer that read it twice would sign one t= and write another.
    let now = Date.now();
    const clock = vi.spyOn(Date, "now").mockImplementation(() => (now += 1000));
    let signature: string;
    try {
      signature = await dkimSignature("nanning.gov.cn", Readable.from([MESSAGE]));
    } finally {
      clock.mockRestore();
    }
    expect(signature).toMatch(/t=\d+;/);
    expect(await verify(signature)).toBe("pass");
  });

  it("are not made for a domain that is not ours", async () => {
    expect(await dkimSignature("example.org", Readable.from([MESSAGE]))).toBe("");
  });
});
