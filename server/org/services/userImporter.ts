import { PUBLIC_UNIT_KIND } from "../models/unit.js";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { Op, type Sequelize, type Transaction } from "sequelize";
import { z } from "zod";
import type { Actor } from "../../core/actor.js";
import { AppError } from "../../core/errors.js";
import { csvSafeOptions } from "../../core/csv.js";
import { decodeTextBytes, type TextEncoding } from "../../core/textEncoding.js";
import { nameText } from "../../core/validate.js";
import type { AuditEntry } from "../../audit/services/auditChain.js";
import { Department, Position, Unit, User } from "../models/index.js";
import { displayName, email, phone, username } from "../routes/users/schema.js";
import { generatePassword, hashPassword } from "./passwords.js";
import { newUserRow } from "./users.js";
import { grantDefaultRoles } from "./roles.js";
import { userPolicy } from "../policies/user.js";

export const IMPORT_COLUMNS = [
  "username",
  "displayName",
  "unitCode",
  "department",
  "position",
  "email",
  "phone",
] as const;
const MAX_ROWS = 5000;
/**
 * argon2id takes ~12 ms of one core and 19 MiB per account. The import hashes
 * in the bulk slots (bulkHashSlots in passwords.ts: both cores of a small
 * server), apart from the sign-in slots, so a sign-in during a long import
 * never waits behind the file and the import is not held to the sign-in bound.
 */
const HASH_CONCURRENCY = 2;

// An optional column left out of the header counts as blank, like an empty cell.
const blankToNull = (v: unknown) => (v === undefined || (typeof v === "string" && v.trim() === "") ? null : v);

const RowSchema = z.object({
  username,
  displayName,
  unitCode: nameText().trim().min(1, "required"),
  department: z.preprocess(blankToNull, nameText().trim().max(128).nullable()),
  position: z.preprocess(blankToNull, nameText().trim().max(64).nullable()),
  email: z.preprocess(blankToNull, email),
  phone: z.preprocess(blankToNull, phone),
});

/** Why a row cannot be imported; the client words it (params fill the sentence). */
export type ImportErrorCode =
  | "required"
  | "too_short"
  | "too_long"
  | "invalid_username"
  | "invalid_email"
  | "invalid_phone"
  | "invalid_value"
  | "control_characters"
  | "invisible_characters"
  | "unknown_unit"
  | "unit_not_permitted"
  | "unknown_department"
  | "unknown_position"
  | "username_exists"
  | "username_repeated";

export interface ImportError {
  row: number;
  column?: string;
  code: ImportErrorCode;
  params?: Record<string, string | number>;
  /** English fallback for API clients without translations. */
  message: string;
}

export type CsvEncoding = TextEncoding;

export interface ImportReport {
  rows: number;
  valid: number;
  /** How the uploaded bytes were read; null when the client sent text. */
  encoding: CsvEncoding | null;
  errors: ImportError[];
  /** The first rows as they will be stored, so the person can see the names read right. */
  sample: { row: number; username: string; displayName: string; unit: string; department: string | null }[];
  created: { username: string; displayName: string; initialPassword: string }[];
}

interface PlannedUser {
  username: string;
  displayName: string;
  unitId: number;
  departmentId: number | null;
  positionId: number | null;
  email: string | null;
  phone: string | null;
}

export interface ImportPlan {
  report: ImportReport;
  planned: PlannedUser[];
}

export type ImportInput = { text: string } | { bytes: Buffer };

export type ImportProgress = { phase: "hash" | "save"; done: number; total: number };

/** Reads an uploaded file's bytes as text (see decodeTextBytes); bytes in no known encoding are refused. */
export function decodeCsvBytes(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  const decoded = decodeTextBytes(bytes);
  if (!decoded) throw csvEncodingError();
  return decoded;
}

const csvEncodingError = () =>
  new AppError(
    400,
    "csv_bad_encoding",
    "The file is neither UTF-8 nor GBK/GB18030 text; in Excel save it as 'CSV UTF-8' and upload again",
  );

function inputText(input: ImportInput): { text: string; encoding: CsvEncoding | null } {
  if ("bytes" in input) return decodeCsvBytes(input.bytes);
  // A browser that decoded GBK bytes as UTF-8 leaves U+FFFD where the Chinese was.
  if (input.text.includes("\uFFFD")) throw csvEncodingError();
  return { text: input.text.replace(/^\uFEFF/, ""), encoding: null };
}

/** A zod issue as a row error code; anything unforeseen keeps zod's message under invalid_value. */
function rowIssue(row: number, issue: z.core.$ZodIssue, value: unknown): ImportError {
  const column = String(issue.path[0] ?? "");
  const blank = value === undefined || value === null || (typeof value === "string" && value.trim() === "");
  const base = { row, column, message: issue.message };
  if (blank && (issue.code === "invalid_type" || issue.code === "too_small"))
    return { ...base, code: "required", message: `${column} is required` };
  if (issue.code === "too_small") return { ...base, code: "too_short", params: { min: Number(issue.minimum) } };
  if (issue.code === "too_big") return { ...base, code: "too_long", params: { max: Number(issue.maximum) } };
  if (issue.code === "invalid_format" && (column === "username" || column === "email" || column === "phone"))
    return { ...base, code: `invalid_${column}` };
  // The shared text checks say which characters they refused.
  const characters: unknown = issue.code === "custom" ? issue.params?.code : undefined;
  if (characters === "control_characters" || characters === "invisible_characters")
    return { ...base, code: characters };
  return { ...base, code: "invalid_value" };
}

function parseRecords(text: string): Record<string, string>[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim()),
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
    });
  } catch (err) {
    throw new AppError(400, "csv_unreadable", `The CSV file cannot be read: ${(err as Error).message}`);
  }
  const header = records.length ? Object.keys(records[0] ?? {}) : [];
  const missing = IMPORT_COLUMNS.filter(
    (c) => !["department", "position", "email", "phone"].includes(c) && !header.includes(c),
  );
  if (records.length && missing.length) {
    throw new AppError(400, "csv_missing_columns", `The CSV header lacks: ${missing.join(", ")}`, {
      expected: IMPORT_COLUMNS,
      missing,
    });
  }
  if (records.length === 0) throw new AppError(400, "csv_empty", "The CSV file has no data rows");
  if (records.length > MAX_ROWS)
    throw new AppError(400, "csv_too_many_rows", `Import at most ${MAX_ROWS} rows at a time`, { max: MAX_ROWS });
  return records;
}

/**
 * Checks every row of a CSV file (format, unit, department, position,
 * duplicates in the file and in the database, the importer's scope) and plans
 * the accounts. Nothing is written; `commitUserImport` writes a plan.
 */
export async function planUserImport(props: { input: ImportInput; actor: Actor }): Promise<ImportPlan> {
  const { text, encoding } = inputText(props.input);
  const records = parseRecords(text);

  const errors: ImportError[] = [];
  const planned: PlannedUser[] = [];
  const sample: ImportReport["sample"] = [];
  // The public patrons' unit takes only self-registered patrons.
  const units = new Map((await Unit.findAll()).filter((u) => u.kind !== PUBLIC_UNIT_KIND).map((u) => [u.code, u]));
  const departments = await Department.findAll();
  const positions = new Map((await Position.findAll()).map((p) => [p.name, p]));
  // Only well-formed names reach the query: the SQLite driver cuts a string at a NUL byte.
  const usernames = records.flatMap((r) => {
    const parsed = username.safeParse(r.username ?? "");
    return parsed.success ? [parsed.data] : [];
  });
  const existing = new Set(
    (await User.findAll({ attributes: ["username"], where: { username: { [Op.in]: usernames } } })).map(
      (u) => u.username,
    ),
  );
  const seen = new Map<string, number>();

  records.forEach((record, index) => {
    const row = index + 2; // line 1 is the header
    const parsed = RowSchema.safeParse(record);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push(rowIssue(row, issue, record[String(issue.path[0])]));
      return;
    }
    const r = parsed.data;
    const rowErrors: ImportError[] = [];
    const unit = units.get(r.unitCode);
    if (!unit)
      rowErrors.push({
        row,
        column: "unitCode",
        code: "unknown_unit",
        params: { value: r.unitCode },
        message: `unknown unit code ${r.unitCode}`,
      });
    else if (!userPolicy.create(props.actor, unit))
      rowErrors.push({
        row,
        column: "unitCode",
        code: "unit_not_permitted",
        params: { unit: unit.name },
        message: `no permission to add users to ${unit.name}`,
      });
    const department =
      r.department && unit ? departments.find((d) => d.unitId === unit.id && d.name === r.department) : undefined;
    if (r.department && unit && !department)
      rowErrors.push({
        row,
        column: "department",
        code: "unknown_department",
        params: { unit: unit.name, value: r.department },
        message: `${unit.name} has no department ${r.department}`,
      });
    const position = r.position ? positions.get(r.position) : undefined;
    if (r.position && !position)
      rowErrors.push({
        row,
        column: "position",
        code: "unknown_position",
        params: { value: r.position },
        message: `unknown position ${r.position}`,
      });
    if (existing.has(r.username))
      rowErrors.push({
        row,
        column: "username",
        code: "username_exists",
        params: { value: r.username },
        message: `username ${r.username} already exists`,
      });
    const firstRow = seen.get(r.username);
    if (firstRow)
      rowErrors.push({
        row,
        column: "username",
        code: "username_repeated",
        params: { value: r.username, firstRow },
        message: `username ${r.username} repeats row ${firstRow}`,
      });
    seen.set(r.username, firstRow ?? row);
    if (rowErrors.length || !unit) {
      errors.push(...rowErrors);
      return;
    }
    if (sample.length < 10)
      sample.push({
        row,
        username: r.username,
        displayName: r.displayName,
        unit: unit.name,
        department: department?.name ?? null,
      });
    planned.push({
      username: r.username,
      displayName: r.displayName,
      unitId: unit.id,
      departmentId: department?.id ?? null,
      positionId: position?.id ?? null,
      email: r.email,
      phone: r.phone,
    });
  });

  return { report: { rows: records.length, valid: planned.length, encoding, errors, sample, created: [] }, planned };
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the order of the results. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Writes a plan without errors: the passwords are hashed first, outside any
 * transaction (a 5,000-row file takes a minute of hashing and must not hold the
 * database's write lock meanwhile), then every account goes in at once or not
 * at all. `onProgress` reports each hash; `stillWanted` lets the caller give up
 * before anything is written (the person who would receive the passwords left).
 */
export async function commitUserImport(props: {
  plan: ImportPlan;
  sequelize: Sequelize;
  hashCost: number;
  audit: (entry: Omit<AuditEntry, "ip">, t: Transaction) => Promise<void>;
  onProgress?: (progress: ImportProgress) => void;
  stillWanted?: () => boolean;
}): Promise<ImportReport> {
  const { report, planned } = props.plan;
  if (report.errors.length) throw importHasErrors(report);

  let hashed = 0;
  const withPasswords = await mapLimited(planned, HASH_CONCURRENCY, async (p) => {
    if (props.stillWanted && !props.stillWanted()) throw importAbandoned();
    const initialPassword = generatePassword();
    const passwordHash = await hashPassword(initialPassword, props.hashCost, { bulk: true });
    hashed += 1;
    props.onProgress?.({ phase: "hash", done: hashed, total: planned.length });
    return { ...p, initialPassword, passwordHash };
  });
  if (props.stillWanted && !props.stillWanted()) throw importAbandoned();
  props.onProgress?.({ phase: "save", done: 0, total: planned.length });
  await props.sequelize.transaction(async (transaction) => {
    await User.bulkCreate(
      withPasswords.map(({ initialPassword: _secret, ...p }) => newUserRow(p)),
      { transaction },
    );
    // Read back by username: bulkCreate does not return ids on every dialect.
    const createdRows = await User.findAll({
      attributes: ["id", "unitId"],
      where: { username: planned.map((p) => p.username) },
      transaction,
    });
    const { roleCodes } = await grantDefaultRoles(createdRows, transaction);
    await props.audit(
      {
        action: "user.import",
        outcome: "success",
        targetType: "user",
        detail: {
          count: planned.length,
          usernames: planned.map((p) => p.username).slice(0, 200),
          defaultRoles: roleCodes,
        },
      },
      transaction,
    );
  });
  props.onProgress?.({ phase: "save", done: planned.length, total: planned.length });
  return {
    ...report,
    created: withPasswords.map((p) => ({
      username: p.username,
      displayName: p.displayName,
      initialPassword: p.initialPassword,
    })),
  };
}

/** 422 with the per-row report in `details`. */
export const importHasErrors = (report: ImportReport) =>
  new AppError(422, "import_has_errors", "Fix the rows with errors; nothing was imported", report);

const importAbandoned = () =>
  new AppError(499, "import_abandoned", "The connection closed before the import finished; nothing was imported");

/**
 * A CSV to fill in: the header and one example row placed in a unit the
 * importer may add people to, so the example itself passes a preview. UTF-8
 * with a BOM, which Excel needs to show the Chinese.
 */
export async function importTemplate(actor: Actor): Promise<string> {
  // An organisation unit (not the library's public patrons' unit, which takes no staff).
  const units = (await Unit.findAll({ order: [["path", "ASC"]] })).filter((u) => u.kind !== PUBLIC_UNIT_KIND);
  const unit = units.find((u) => userPolicy.create(actor, u)) ?? units[0];
  const department = unit
    ? await Department.findOne({ where: { unitId: unit.id }, order: [["sortOrder", "ASC"]] })
    : null;
  const position = await Position.findOne({ order: [["rank", "ASC"]] });
  const example = {
    username: "zhang.san",
    displayName: "张三",
    unitCode: unit?.code ?? "",
    department: department?.name ?? "",
    position: position?.name ?? "",
    email: "zhang.san@example.gov.cn",
    phone: "0771-5550000",
  };
  return stringify([example], {
    ...csvSafeOptions,
    header: true,
    columns: [...IMPORT_COLUMNS],
    bom: true,
    record_delimiter: "windows",
  });
}
