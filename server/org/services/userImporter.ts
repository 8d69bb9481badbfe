import { parse } from "csv-parse/sync";
import { Op, type Sequelize, type Transaction } from "sequelize";
import { z } from "zod";
import type { Actor } from "../../core/actor.js";
import { AppError } from "../../core/errors.js";
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

const blankToNull = (v: unknown) => (typeof v === "string" && v.trim() === "" ? null : v);

const RowSchema = z.object({
  username,
  displayName,
  unitCode: z.string().trim().min(1, "required"),
  department: z.preprocess(blankToNull, z.string().trim().max(128).nullable()),
  position: z.preprocess(blankToNull, z.string().trim().max(64).nullable()),
  email: z.preprocess(blankToNull, email),
  phone: z.preprocess(blankToNull, phone),
});

export interface ImportError {
  row: number;
  column?: string;
  message: string;
}

export interface ImportReport {
  rows: number;
  valid: number;
  errors: ImportError[];
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

/**
 * Imports users from CSV. Every row is checked first (format, unit, department,
 * position, duplicates in the file and in the database, the importer's scope);
 * nothing is written unless `commit` is set and no row has an error, and then
 * all rows go in one transaction.
 */
export async function importUsers(props: {
  csv: string;
  commit: boolean;
  actor: Actor;
  sequelize: Sequelize;
  hashCost: number;
  audit: (entry: Omit<AuditEntry, "ip">, t: Transaction) => Promise<void>;
}): Promise<ImportReport> {
  let records: Record<string, string>[];
  try {
    records = parse(props.csv.replace(/^\uFEFF/, ""), {
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
    });
  }
  if (records.length === 0) throw new AppError(400, "csv_empty", "The CSV file has no data rows");
  if (records.length > MAX_ROWS)
    throw new AppError(400, "csv_too_many_rows", `Import at most ${MAX_ROWS} rows at a time`);

  const errors: ImportError[] = [];
  const planned: PlannedUser[] = [];
  const units = new Map((await Unit.findAll()).map((u) => [u.code, u]));
  const departments = await Department.findAll();
  const positions = new Map((await Position.findAll()).map((p) => [p.name, p]));
  const usernames = records.map((r) => (r.username ?? "").trim().toLowerCase());
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
      for (const issue of parsed.error.issues)
        errors.push({ row, column: String(issue.path[0] ?? ""), message: issue.message });
      return;
    }
    const r = parsed.data;
    const rowErrors: ImportError[] = [];
    const unit = units.get(r.unitCode);
    if (!unit) rowErrors.push({ row, column: "unitCode", message: `unknown unit code ${r.unitCode}` });
    else if (!userPolicy.create(props.actor, unit))
      rowErrors.push({ row, column: "unitCode", message: `no permission to add users to ${unit.name}` });
    const department =
      r.department && unit ? departments.find((d) => d.unitId === unit.id && d.name === r.department) : undefined;
    if (r.department && unit && !department)
      rowErrors.push({ row, column: "department", message: `${unit.name} has no department ${r.department}` });
    const position = r.position ? positions.get(r.position) : undefined;
    if (r.position && !position) rowErrors.push({ row, column: "position", message: `unknown position ${r.position}` });
    if (existing.has(r.username))
      rowErrors.push({ row, column: "username", message: `username ${r.username} already exists` });
    const firstRow = seen.get(r.username);
    if (firstRow)
      rowErrors.push({ row, column: "username", message: `username ${r.username} repeats row ${firstRow}` });
    seen.set(r.username, firstRow ?? row);
    if (rowErrors.length || !unit) {
      errors.push(...rowErrors);
      return;
    }
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

  const report: ImportReport = { rows: records.length, valid: planned.length, errors, created: [] };
  if (!props.commit) return report;
  if (errors.length)
    throw new AppError(422, "import_has_errors", "Fix the rows with errors; nothing was imported", report);

  const withPasswords = await Promise.all(
    planned.map(async (p) => {
      const initialPassword = generatePassword();
      return { ...p, initialPassword, passwordHash: await hashPassword(initialPassword, props.hashCost) };
    }),
  );
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
    await grantDefaultRoles(createdRows, transaction);
    await props.audit(
      {
        action: "user.import",
        outcome: "success",
        targetType: "user",
        detail: { count: planned.length, usernames: planned.map((p) => p.username).slice(0, 200) },
      },
      transaction,
    );
  });
  report.created = withPasswords.map((p) => ({
    username: p.username,
    displayName: p.displayName,
    initialPassword: p.initialPassword,
  }));
  return report;
}
