import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { MESSAGE, resolver, signed } from "../../../tests/fixtures/senderZone.js";
import { cachingResolver, traceHeaders, type Arrival } from "./authentication.js";

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
    const { headers, junk } = await traceHeaders(Readable.from([await signed(MESSAGE)]), arrival(), {
      mta: "nanning.gov.cn",
      resolver,
    });
    expect(junk).toBe(false);
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

  it("record a changed message from another server as failing, and keep it for Junk (nothing is refused here)", async () => {
    const forged = (await signed(MESSAGE)).replace("请各单位按时上报。", "请把款项转到以下账户。");
    const { headers, junk } = await traceHeaders(Readable.from([forged]), arrival({ ip: "203.0.113.66" }), {
      mta: "nanning.gov.cn",
      resolver,
    });
    expect(headers).toMatch(/dkim=(fail|neutral)/);
    expect(headers).toMatch(/spf=fail/);
    expect(headers).toMatch(/dmarc=fail/);
    // Its domain asks for rejection of what fails DMARC: it goes to Junk, not the INBOX.
    expect(junk).toBe(true);
  });

  it("write what the client said on one line, whatever line breaks it put in its HELO", async () => {
    const { headers } = await traceHeaders(
      Readable.from([MESSAGE]),
      arrival({ helo: "evil\r\nX-Injected: yes", ip: "198.51.100.7", sender: "" }),
      { mta: "nanning.gov.cn", resolver },
    );
    expect(headers).not.toMatch(/^X-Injected/m);
    expect(headers).toContain("Received: from evil X-Injected: yes ([198.51.100.7])");
  });
});

describe("the DNS cache of the sender checks", () => {
  it("asks once for questions asked together or again soon, failures included, and again once they expire", async () => {
    const asked: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const cached = cachingResolver(
      async (name, type) => {
        asked.push(`${type} ${name}`);
        await gate;
        if (name.startsWith("missing")) throw Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" });
        return [["v=spf1 -all"]];
      },
      { answerMs: 60_000, failureMs: 50, entries: 2 },
    );
    const together = [cached("gxdl.example.cn", "TXT"), cached("GXDL.example.cn", "TXT")];
    const failing = [cached("missing.example.cn", "TXT"), cached("missing.example.cn", "TXT")];
    release();
    expect(await Promise.all(together)).toEqual([[["v=spf1 -all"]], [["v=spf1 -all"]]]);
    for (const lookup of failing) await expect(lookup).rejects.toThrow("ENOTFOUND");
    await expect(cached("missing.example.cn", "TXT")).rejects.toThrow("ENOTFOUND");
    expect(asked).toEqual(["TXT gxdl.example.cn", "TXT missing.example.cn"]);
    // A failure is kept briefly; an answer longer (but the cache holds two entries: the oldest goes).
    await new Promise((resolve) => setTimeout(resolve, 80));
    await expect(cached("missing.example.cn", "TXT")).rejects.toThrow("ENOTFOUND");
    await cached("gxdl.example.cn", "TXT");
    expect(asked).toEqual(["TXT gxdl.example.cn", "TXT missing.example.cn", "TXT missing.example.cn"]);
    await cached("third.example.cn", "TXT");
    await cached("gxdl.example.cn", "TXT");
    expect(asked.at(-1)).toBe("TXT gxdl.example.cn");
  });
});
