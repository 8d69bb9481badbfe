import type { Transaction } from "sequelize";
import { z } from "zod";
import { Setting } from "../models/index.js";
import { nameText } from "../../core/validate.js";

export const SecurityPolicySchema = z.object({
  minPasswordLength: z.number().int().min(8).max(64),
  lockoutThreshold: z.number().int().min(3).max(10),
  lockoutMinutes: z.number().int().min(1).max(1440),
  idleTimeoutMinutes: z.number().int().min(5).max(480),
  sessionMaxHours: z.number().int().min(1).max(72),
});
export type SecurityPolicy = z.infer<typeof SecurityPolicySchema>;

export const SystemSettingsSchema = z.object({
  siteName: nameText().trim().min(1).max(64),
});
export type SystemSettings = z.infer<typeof SystemSettingsSchema>;

/**
 * The business roles every new account receives, each limited to the account's
 * own unit. Role codes, not ids: codes are stable across installations and the
 * default ("staff") exists everywhere.
 */
export const DefaultRolesSchema = z.object({
  roleCodes: z.array(nameText().trim().min(1).max(64)).max(20),
});
export type DefaultRoles = z.infer<typeof DefaultRolesSchema>;

const DEFINITIONS = {
  "security.policy": {
    schema: SecurityPolicySchema,
    defaults: {
      minPasswordLength: 8,
      lockoutThreshold: 5,
      lockoutMinutes: 15,
      idleTimeoutMinutes: 30,
      sessionMaxHours: 12,
    } satisfies SecurityPolicy,
  },
  system: {
    schema: SystemSettingsSchema,
    defaults: { siteName: "邕政通" } satisfies SystemSettings,
  },
  "security.defaultRoles": {
    schema: DefaultRolesSchema,
    defaults: { roleCodes: ["staff"] } satisfies DefaultRoles,
  },
} as const;

export type Key = keyof typeof DEFINITIONS;
export type ValueOf<K extends Key> = z.infer<(typeof DEFINITIONS)[K]["schema"]>;

/** Reads a setting; a stored value that no longer parses falls back to defaults field by field. */
export async function readSetting<K extends Key>(key: K, transaction?: Transaction): Promise<ValueOf<K>> {
  const { schema, defaults } = DEFINITIONS[key];
  const row = await Setting.findByPk(key, { transaction });
  const stored: unknown = row ? JSON.parse(row.value) : {};
  const merged = { ...defaults, ...(typeof stored === "object" && stored ? stored : {}) };
  const parsed = schema.safeParse(merged);
  return (parsed.success ? parsed.data : defaults) as ValueOf<K>;
}

export async function writeSetting<K extends Key>(
  key: K,
  patch: Partial<ValueOf<K>>,
  transaction: Transaction,
): Promise<ValueOf<K>> {
  const current = await readSetting(key, transaction);
  const next = DEFINITIONS[key].schema.parse({ ...current, ...patch }) as ValueOf<K>;
  await Setting.upsert({ key, value: JSON.stringify(next) }, { transaction });
  return next;
}

export const readSecurityPolicy = (transaction?: Transaction) => readSetting("security.policy", transaction);
