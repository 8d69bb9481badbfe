import { generateKeyPairSync } from "node:crypto";
import { Readable } from "node:stream";
import { dkimSign } from "mailauth/lib/dkim/sign.js";
import { describe, expect, it } from "vitest";
import { traceHeaders, type Arrival, type Resolver } from "./authentication.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicKeyText = publicKey.export({ type: "spki", format: "der" }).toString("base64");

/** The zone of the sending organisation: its DKIM key, its SPF record (one server) and its DMARC policy. */
const zone: Record<string, string[][]> = {
  "s2026._domainkey.gxdl.example.cn": [["v=DKIM1; k=rsa; p=", publicKeyText]],
  "gxdl.example.cn": [["v=spf1 ip4:192.0.2.10 -all"]],
  "_dmarc.gxdl.example.cn": [["v=DMARC1; p=reject"]],
};
const resolver: Resolver = async (name, type) => {
  const found = type === "TXT" ? zone[name.toLowerCase()] : undefined;
  if (found) return found;
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
};

const MESSAGE = [
  "From: =?UTF-8?B?5bm/6KW/55S15Yqb572R?= <notice@gxdl.example.cn>",
  "To: office.staff1@nanning.gov.cn",
  "Subject: =?UTF-8?B?5YWz5LqO5oql6YCB5bel5L2c5oC757uT55qE6YCa55+l?=",
  "Date: Tue, 07 Mar 2006 09:30:00 +0800",
  "Message-ID: <20060307093000.1@gxdl.example.cn>",
  "MIME-Version: 1.0",
  "Content-Type: text/plain; charset=utf-8",
  "",
  "请各单位按时上报。",
  "",
].join("\r\n");

async function signed(message: string): Promise<string> {
  const { signatures } = await dkimSign(message, {
    signatureData: [
      {
        signingDomain: "gxdl.example.cn",
        selector: "s2026",
        privateKey: privateKey.export({ type: "pkcs8", format: "pem" }),
      },
    ],
  });
  return signatures + message;
}

const arrival = (over: Partial<Arrival> = {}): Arrival => ({
  ip: "192.0.2.10",
  helo: "mail.gxdl.example.cn",
  sender: "notice@gxdl.example.cn",
  recipients: ["office.staff1@nanning.gov.cn"],
  queueId: "0123456789ABCDEF",
  at: new Date("2026-11-27T08:00:00Z"),
  ...over,
});

describe("the trace headers of a received message", () => {
  it("record a signed message from the sender's own server as passing DKIM, SPF and DMARC, then a Received line", async () => {
    const headers = await traceHeaders(Readable.from([await signed(MESSAGE)]), arrival(), {
      mta: "nanning.gov.cn",
      resolver,
    });
    expect(headers).toMatch(/^Received-SPF: pass /);
    expect(headers).toMatch(/Authentication-Results: nanning\.gov\.cn;/);
    expect(headers).toMatch(/dkim=pass header\.i=@gxdl\.example\.cn header\.s=s2026/);
    expect(headers).toMatch(/spf=pass .* smtp\.mailfrom=notice@gxdl\.example\.cn/);
    expect(headers).toMatch(/dmarc=pass/);
    expect(headers).toContain(
      "Received: from mail.gxdl.example.cn ([192.0.2.10])\r\n\tby nanning.gov.cn (Yong Office) with ESMTP id 0123456789ABCDEF\r\n\tfor <office.staff1@nanning.gov.cn>;\r\n\tFri, 27 Nov 2026 08:00:00 +0000\r\n",
    );
    // Header lines only: every line ends in CRLF, continuation lines start with white space.
    for (const line of headers.slice(0, -2).split("\r\n")) expect(line).toMatch(/^([A-Za-z-]+: |[ \t])/);
  });

  it("record a changed message from another server as failing, and keep it (nothing is refused here)", async () => {
    const forged = (await signed(MESSAGE)).replace("请各单位按时上报。", "请把款项转到以下账户。");
    const headers = await traceHeaders(Readable.from([forged]), arrival({ ip: "203.0.113.66" }), {
      mta: "nanning.gov.cn",
      resolver,
    });
    expect(headers).toMatch(/dkim=(fail|neutral)/);
    expect(headers).toMatch(/spf=fail/);
    expect(headers).toMatch(/dmarc=fail/);
  });

  it("write what the client said on one line, whatever line breaks it put in its HELO", async () => {
    const headers = await traceHeaders(
      Readable.from([MESSAGE]),
      arrival({ helo: "evil\r\nX-Injected: yes", ip: "198.51.100.7", sender: "" }),
      { mta: "nanning.gov.cn", resolver },
    );
    expect(headers).not.toMatch(/^X-Injected/m);
    expect(headers).toContain("Received: from evil X-Injected: yes ([198.51.100.7])");
  });
});
