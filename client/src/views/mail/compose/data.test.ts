import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleParser, type AddressObject } from "mailparser";
import { describe, expect, it } from "vitest";
import {
  clockTime,
  defaultFrom,
  emptyForm,
  fieldOfPath,
  formSnapshot,
  isValidAddress,
  mergeAddresses,
  parseAddresses,
  sendableMailboxes,
} from "./data";

const CORPUS = join(import.meta.dirname, "../../../../../../shared/corpus/eml");

/** Every From/To/Cc/Reply-To line of the e-mail corpus: its text as a reader sees it, and the addresses in it. */
async function corpusAddressLines(): Promise<{ file: string; text: string; addresses: string[] }[]> {
  const files = (await readdir(CORPUS)).filter((f) => f.endsWith(".eml")).sort();
  const lines = [];
  for (const file of files) {
    const mail = await simpleParser(await readFile(join(CORPUS, file)));
    const fields: (AddressObject | AddressObject[] | undefined)[] = [mail.from, mail.to, mail.cc, mail.replyTo];
    for (const field of fields.flatMap((f) => (f ? [f].flat() : []))) {
      const addresses = field.value
        .flatMap((a) => (a.group ? a.group : [a]))
        .flatMap((a) => (a.address ? [a.address.toLowerCase()] : []));
      if (addresses.length) lines.push({ file, text: field.text, addresses });
    }
  }
  return lines;
}

describe("addresses typed or pasted into To, Cc and Bcc", () => {
  it("reads every address line of the e-mail corpus as mailparser does", async () => {
    const lines = await corpusAddressLines();
    expect(lines.length).toBeGreaterThan(100);
    for (const line of lines) {
      expect(
        parseAddresses(line.text).map((e) => e.address),
        `${line.file}: ${line.text}`,
      ).toEqual(line.addresses);
    }
    // Pasted one after another with the separators Chinese text uses, they are the same addresses in order.
    const pasted = lines.map((l) => l.text).join("；");
    expect(parseAddresses(pasted).map((e) => e.address)).toEqual(lines.flatMap((l) => l.addresses));
    // The names come through decoded (the corpus writes them in ISO-8859-1, UTF-7 and encoded words).
    const named = lines.flatMap((l) => parseAddresses(l.text)).find((e) => e.address === "mueller@example.com");
    expect(named?.name).toMatch(/^Heinz M/);
  });

  it("keeps names, lower-cases addresses and keeps a word without @ as typed, to be marked", () => {
    expect(parseAddresses("张三 <ZhangSan@Nanning.gov.cn>，li.si@example.com、 王五")).toEqual([
      { address: "zhangsan@nanning.gov.cn", name: "张三" },
      { address: "li.si@example.com", name: "" },
      { address: "王五", name: "" },
    ]);
    expect(parseAddresses('"Doe, John" <john@example.com>; x@y.cn')).toEqual([
      { address: "john@example.com", name: "Doe, John" },
      { address: "x@y.cn", name: "" },
    ]);
    expect(parseAddresses("  ,; ")).toEqual([]);
  });

  it("accepts addresses that can be sent to and refuses the rest", () => {
    for (const good of [
      "office.staff1@nanning.gov.cn",
      "jyj@nanning.gov.cn",
      "a+tag@example.co.uk",
      "用户@例子.中国",
      "x_y-z@sub-domain.example.org",
    ])
      expect(isValidAddress(good), good).toBe(true);
    for (const bad of [
      "王五",
      "a@b",
      "a b@example.com",
      "a@@example.com",
      ".a@example.com",
      "a..b@example.com",
      "a.@example.com",
      "a@example..com",
      "a@-example.com",
      "a@192.168.0.1",
      "<a@example.com>",
      `${"a".repeat(65)}@example.com`,
    ])
      expect(isValidAddress(bad), bad).toBe(false);
  });

  it("adds each address once, whatever its case", () => {
    expect(
      mergeAddresses(
        ["a@x.cn"],
        [
          { address: "A@x.cn", name: "" },
          { address: "b@x.cn", name: "" },
          { address: "b@x.cn", name: "" },
        ],
      ),
    ).toEqual(["a@x.cn", "b@x.cn"]);
  });
});

describe("the mailbox a message is written from", () => {
  const own = { id: 1, access: { as: "owner" as const, canSendAs: true } };
  const readOnly = { id: 2, access: { as: "member" as const, canSendAs: false } };
  const sendAs = { id: 3, access: { as: "member" as const, canSendAs: true } };
  const all = [own, readOnly, sendAs];

  it("lists one's own mailbox and the unit mailboxes one may send as", () => {
    expect(sendableMailboxes(all).map((m) => m.id)).toEqual([1, 3]);
  });

  it("starts from the mailbox one came from if one may send as it, else one's own", () => {
    expect(defaultFrom(all, 3)?.id).toBe(3);
    expect(defaultFrom(all, 2)?.id).toBe(1);
    expect(defaultFrom(all, null)?.id).toBe(1);
    expect(defaultFrom([readOnly, sendAs], 2)?.id).toBe(3);
    expect(defaultFrom([readOnly], null)).toBeNull();
  });
});

describe("the form's state", () => {
  it("changes its snapshot with any field, the sender included, and not otherwise", () => {
    const form = { ...emptyForm(), to: ["a@x.cn"], subject: "通知" };
    const base = formSnapshot(form, 1);
    expect(formSnapshot({ ...form, to: ["a@x.cn"] }, 1)).toBe(base);
    expect(formSnapshot(form, 2)).not.toBe(base);
    expect(formSnapshot({ ...form, text: "x" }, 1)).not.toBe(base);
    expect(formSnapshot({ ...form, uploads: [7] }, 1)).not.toBe(base);
    expect(formSnapshot({ ...form, forwardParts: [{ messageId: 1, index: 0 }] }, 1)).not.toBe(base);
    expect(formSnapshot({ ...form, bcc: ["b@x.cn"] }, 1)).not.toBe(base);
  });

  it("finds the field a validation error names", () => {
    expect(fieldOfPath("body.form.to.1")).toEqual({ field: "to", index: 1 });
    expect(fieldOfPath("form.subject")).toEqual({ field: "subject", index: null });
    expect(fieldOfPath("body.form.uploads.0")).toBeNull();
    expect(fieldOfPath("params.mailboxId")).toBeNull();
  });

  it("shows the time a draft was saved", () => {
    const at = new Date(2026, 0, 5, 9, 7);
    expect(clockTime(at.toISOString())).toBe("09:07");
    expect(clockTime("not a date")).toBe("");
  });
});
