import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { basicCredentials } from "../services/basicAuth.js";
import { el, feed } from "./opds.js";

/** Whether xmllint reads the text as well-formed XML. */
function wellFormed(xml: string): boolean {
  try {
    execFileSync("xmllint", ["--noout", "-"], { input: xml, stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

describe("el", () => {
  it("escapes text and attributes so a title of any characters stays well-formed XML", () => {
    // A title as a librarian might type it, with markup characters, a control character, a lone surrogate and a CJK extension character.
    const title = '《史記》卷一 <注> & "集解"\u0007\uD800 𠀀';
    const xml = el("entry", { label: title }, el("title", {}, title)).markup;
    expect(xml).toBe(
      '<entry label="《史記》卷一 &lt;注&gt; &amp; &quot;集解&quot; 𠀀"><title>《史記》卷一 &lt;注&gt; &amp; &quot;集解&quot; 𠀀</title></entry>',
    );
    expect(wellFormed(xml)).toBe(true);
  });

  it("leaves out absent attributes and children", () => {
    expect(el("link", { rel: "next", type: undefined, title: null }, null, false, undefined).markup).toBe(
      '<link rel="next"/>',
    );
  });

  it("writes a feed xmllint reads, with its namespaces declared once on the root", () => {
    const xml = feed({
      id: "http://127.0.0.1/api/library/opds",
      title: "邕政通",
      updated: new Date("2026-01-06T00:00:00Z"),
      author: "邕政通",
      links: [{ rel: "self", href: "/api/library/opds?x=1&y=2", type: "application/atom+xml" }],
      entries: [],
    });
    expect(wellFormed(xml)).toBe(true);
    expect(xml).toContain('href="/api/library/opds?x=1&amp;y=2"');
    expect(xml.match(/xmlns:dc=/g)).toHaveLength(1);
  });
});

describe("basicCredentials", () => {
  const header = (pair: string) => `Basic ${Buffer.from(pair, "utf8").toString("base64")}`;

  it("reads a UTF-8 name and a password that holds colons", () => {
    expect(basicCredentials(header("读者@example.cn:Yong#Office:2026"))).toEqual({
      username: "读者@example.cn",
      password: "Yong#Office:2026",
    });
  });

  it("answers null for what is not Basic credentials", () => {
    expect(basicCredentials(undefined)).toBeNull();
    expect(basicCredentials("Bearer abc")).toBeNull();
    expect(basicCredentials(header("no-colon"))).toBeNull();
    expect(basicCredentials(header(":password-without-name"))).toBeNull();
  });
});
