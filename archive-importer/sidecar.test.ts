import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractText } from "./extract.js";
import { encodeGb18030 } from "./gb18030.testing.js";
import { metadataFromText } from "./metadata.js";
import { readSidecar, type Sidecar } from "./sidecar.js";
import type { DocumentMetadata } from "./types.js";

const LAWS = fileURLToPath(new URL("../../shared/corpus/laws/", import.meta.url));

interface LawRow {
  name: string;
  level: string;
  filename: string | null;
  subtitle: string | null;
  publish: string | null;
  valid_from: string | null;
  expired: boolean;
  category: string;
  folder: string;
}

interface LawFile {
  path: string;
  text: string;
  fromText: DocumentMetadata;
  /** The row the test itself matches by folder, file name and the date in it. */
  row: LawRow | undefined;
}

let rows: LawRow[];
let files: LawFile[];
let sidecar: Sidecar;

beforeAll(async () => {
  rows = JSON.parse(await readFile(join(LAWS, "metadata.json"), "utf8")) as LawRow[];
  sidecar = await readSidecar(join(LAWS, "metadata.json"));
  const paths = (await readdir(LAWS, { recursive: true }))
    .filter((p) => p.endsWith(".md") && basename(p) !== "_index.md")
    .map((p) => join(LAWS, p));
  files = await Promise.all(
    paths.map(async (path) => {
      const { text } = await extractText(path);
      const folder = relative(LAWS, dirname(path));
      const stem = basename(path, ".md").replace(/\(\d{4}-\d{2}-\d{2}\)$/u, "");
      const date = /\((\d{4}-\d{2}-\d{2})\)\.md$/u.exec(path)?.[1];
      const candidates = rows.filter((r) => r.folder === folder && [r.filename, r.name, r.subtitle].includes(stem));
      // An undated file is the row without a date when the law also has a dated one.
      const row = date
        ? candidates.find((r) => r.publish === date)
        : candidates.length === 1
          ? candidates[0]
          : candidates.find((r) => !r.publish);
      return { path, text, fromText: metadataFromText(text, basename(path)), row };
    }),
  );
});

const share = (part: number, whole: number) => Math.round((part / whole) * 1000) / 10;

describe("the laws corpus with its metadata.json", () => {
  it("matches ≥ 95% of metadata.json's rows to a file, and the merged values are the rows' values", () => {
    const listed = files.filter((f) => f.row);
    const matched = listed.filter((f) => sidecar.lookup(f.path, f.fromText.title));
    const rowsMatched = new Set(matched.map((f) => f.row));
    let issuedOn = 0;
    let validity = 0;
    let effectiveOn = 0;
    let category = 0;
    const misses: string[] = [];
    for (const f of matched) {
      const row = f.row!;
      const merged = { ...f.fromText, ...sidecar.lookup(f.path, f.fromText.title) };
      if (merged.issuedOn === (row.publish ?? f.fromText.issuedOn)) issuedOn++;
      else misses.push(`${f.path}: issuedOn ${merged.issuedOn} ≠ ${row.publish}`);
      if ((merged.validity !== "有效") === row.expired) validity++;
      else misses.push(`${f.path}: ${merged.validity}, expired ${row.expired}`);
      if (merged.effectiveOn === (row.valid_from || f.fromText.effectiveOn)) effectiveOn++;
      if (merged.category === row.category) category++;
    }
    console.info(
      `laws: ${rowsMatched.size} of ${rows.length} rows matched to files (${share(rowsMatched.size, rows.length)}%); ` +
        `of ${matched.length} matched files: issuedOn ${issuedOn}, validity ${validity}, effectiveOn ${effectiveOn}, category ${category} agree`,
    );
    expect(misses).toEqual([]);
    expect(rowsMatched.size / rows.length).toBeGreaterThanOrEqual(0.95);
    expect(effectiveOn).toBe(matched.length);
    expect(category).toBe(matched.length);
    // A file the test cannot place (no row for its version) is not given another version's values.
    for (const f of files.filter((f) => !f.row && /\(\d{4}-\d{2}-\d{2}\)\.md$/u.test(f.path))) {
      expect(sidecar.lookup(f.path, f.fromText.title)?.issuedOn, f.path).toBeUndefined();
    }
  });

  it("tells a revised version (a newer file beside it) from a repealed one", () => {
    const older = files.find((f) => f.path.endsWith("宪法相关法/立法法(2015-03-15).md"))!;
    expect(older.row?.expired).toBe(true);
    expect(sidecar.lookup(older.path, older.fromText.title)?.validity).toBe("已修订");
    const repealed = files.find((f) => {
      const side = f.row?.expired && sidecar.lookup(f.path, f.fromText.title);
      return side && side.validity === "已废止";
    });
    expect(repealed).toBeDefined();
  });

  it("gives the level as the type only when the title gives none", () => {
    const guide = files.find((f) => f.path.endsWith("其他/劳动仲裁和劳动诉讼的攻略.md"))!;
    expect(guide.fromText.docType).toBeNull();
    expect(sidecar.lookup(guide.path, guide.fromText.title)?.docType).toBe("其他");
    const law = files.find((f) => f.path.endsWith("宪法相关法/检察官法(2019-04-23).md"))!;
    expect(sidecar.lookup(law.path, law.fromText.title)?.docType).toBeUndefined();
  });
});

describe("metadataFromText without the sidecar, on the laws' heads", () => {
  it("dates ≥ 99% of the listed laws as metadata.json does, and ≥ 50% from the head alone", () => {
    const dated = files.filter((f) => f.row?.publish);
    const byName = dated.filter((f) => f.fromText.issuedOn === f.row!.publish).length;
    // Without the date in the file name: only the head's events (the latest that made a version).
    const byHead = dated.filter(
      (f) =>
        metadataFromText(f.text, basename(f.path).replace(/\(\d{4}-\d{2}-\d{2}\)/u, "")).issuedOn === f.row!.publish,
    ).length;
    const inForce = files.filter((f) => f.row?.valid_from);
    const effective = inForce.filter((f) => f.fromText.effectiveOn === f.row!.valid_from).length;
    const validity = files.filter((f) => f.row && (f.fromText.validity === "有效") === !f.row.expired).length;
    const listed = files.filter((f) => f.row).length;
    console.info(
      `text only: issuedOn = publish for ${byName} of ${dated.length} (${share(byName, dated.length)}%), ` +
        `from the head alone ${byHead} (${share(byHead, dated.length)}%); effectiveOn = valid_from for ${effective} of ${inForce.length} ` +
        `(${share(effective, inForce.length)}%); validity agrees with expired for ${validity} of ${listed} (${share(validity, listed)}%)`,
    );
    expect(byName / dated.length).toBeGreaterThanOrEqual(0.99);
    expect(byHead / dated.length).toBeGreaterThanOrEqual(0.5);
    expect(effective / inForce.length).toBeGreaterThanOrEqual(0.7);
    expect(validity / listed).toBeGreaterThanOrEqual(0.8);
  });

  it("names the organ a law's level implies", () => {
    const organs: Record<string, RegExp> = {
      法律: /^全国人民代表大会(常务委员会)?$/u,
      // 政务院 was the State Council's name until 1954.
      行政法规: /^(国务院|政务院)$/u,
      司法解释: /^最高人民(法院|检察院)$/u,
    };
    for (const [level, organ] of Object.entries(organs)) {
      const ofLevel = files.filter((f) => f.row?.level === level);
      const named = ofLevel.filter((f) => f.fromText.issuer.some((i) => organ.test(i))).length;
      const wrong = ofLevel.filter((f) => f.fromText.issuer.length && !f.fromText.issuer.some((i) => organ.test(i)));
      console.info(`${level}: organ named for ${named} of ${ofLevel.length} (${share(named, ofLevel.length)}%)`);
      // Laws and interpretations say who passed them; some regulations' texts do not.
      expect(named / ofLevel.length).toBeGreaterThanOrEqual(level === "行政法规" ? 0.9 : 0.98);
      // A few texts in 行政法规 are departmental rules (国家互联网信息办公室); laws and interpretations have no such.
      if (level !== "行政法规") expect(wrong.map((f) => f.path)).toEqual([]);
      else expect(wrong.length).toBeLessThanOrEqual(3);
    }
  });
});

describe("a CSV sidecar", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "sidecar-"));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  const csv = [
    "fileName,title,docNumber,issuer,docType,issuedOn,effectiveOn,validity,subjects,category,openness",
    "notices/防汛通知.pdf,南宁市人民政府关于做好防汛工作的通知,南府发[2008]31号,南宁市人民政府;南宁市防汛抗旱指挥部,通知,2008/6/1,二〇〇八年六月一日,有效,防汛;水利,应急管理,公开",
    "内部通报.docx,,,,,2009-01-05,,已废止,,,内部",
  ].join("\r\n");

  it("reads the columns, in UTF-8 or GBK, and looks files up by path or by a unique name", async () => {
    await writeFile(join(tmp, "sidecar.csv"), "\uFEFF" + csv);
    const side = await readSidecar(join(tmp, "sidecar.csv"));
    expect(side).toMatchObject({ format: "csv", size: 2 });
    expect(side.lookup(join(tmp, "notices/防汛通知.pdf"), null)).toEqual({
      title: "南宁市人民政府关于做好防汛工作的通知",
      docNumber: "南府发〔2008〕31号",
      issuer: ["南宁市人民政府", "南宁市防汛抗旱指挥部"],
      docType: "通知",
      issuedOn: "2008-06-01",
      effectiveOn: "2008-06-01",
      validity: "有效",
      subjects: ["防汛", "水利"],
      category: "应急管理",
      openness: "公开",
    });
    expect(side.lookup(join(tmp, "2009/内部通报.docx"), "x")).toEqual({
      issuedOn: "2009-01-05",
      validity: "已废止",
      openness: "内部",
    });
    expect(side.lookup(join(tmp, "其他.pdf"), null)).toBeNull();

    // Excel on Chinese Windows saves GBK, without a BOM: the same rows.
    await writeFile(join(tmp, "gbk.csv"), encodeGb18030(csv));
    const fromGbk = await readSidecar(join(tmp, "gbk.csv"));
    expect(fromGbk.lookup(join(tmp, "notices/防汛通知.pdf"), null)).toEqual(
      side.lookup(join(tmp, "notices/防汛通知.pdf"), null),
    );
  });

  it("refuses a row with a validity or date it cannot read, naming row and column", async () => {
    await writeFile(join(tmp, "bad.csv"), csv.replace("已废止", "作废"));
    await expect(readSidecar(join(tmp, "bad.csv"))).rejects.toThrow(/row 3, column validity/u);
    await writeFile(join(tmp, "bad-date.csv"), csv.replace("2009-01-05", "去年"));
    await expect(readSidecar(join(tmp, "bad-date.csv"))).rejects.toThrow(/row 3, column issuedOn/u);
  });
});
