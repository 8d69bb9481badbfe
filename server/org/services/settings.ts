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

/** A setting from its stored text (null: never saved); a value that no longer parses falls back to defaults. */
function parseStored<K extends Key>(key: K, text: string | null): ValueOf<K> {
  const { schema, defaults } = DEFINITIONS[key];
  const stored: unknown = text ? JSON.parse(text) : {};
  const merged = { ...defaults, ...(typeof stored === "object" && stored ? stored : {}) };
  const parsed = schema.safeParse(merged);
  return (parsed.success ? parsed.data : defaults) as ValueOf<K>;
}

/** Reads a setting; a stored value that no longer parses falls back to defaults field by field. */
export async function readSetting<K extends Key>(key: K, transaction?: Transaction): Promise<ValueOf<K>> {
  const row = await Setting.findByPk(key, { transaction });
  return parseStored(key, row?.value ?? null);
}

export async function writeSetting<K extends Key>(
  key: K,
  patch: Partial<ValueOf<K>>,
  transaction: Transaction,
): Promise<ValueOf<K>> {
  const current = await readSetting(key, transaction);
  const next = DEFINITIONS[key].schema.parse({ ...current, ...patch }) as ValueOf<K>;
  await Setting.upsert({ key, value: JSON.stringify(next) }, { transaction });
  if (key === "security.policy") transaction.afterCommit(() => void (policyCache = null));
  return next;
}

/**
 * The security policy is read on every sign-in and by every page that shows
 * it. Each instance keeps the last value it saw for at most POLICY_TTL_MS;
 * authentication reads the stored text with the session on every request
 * (`securityPolicyFromStored`), which keeps it fresh on busy instances, and a
 * change made here is seen at once.
 */
const POLICY_TTL_MS = 1000;
let policyCache: { text: string | null; value: SecurityPolicy; at: number } | null = null;

/** The policy from its stored text, parsed and validated once per distinct text. */
export function securityPolicyFromStored(text: string | null): SecurityPolicy {
  const now = Date.now();
  if (policyCache && policyCache.text === text) {
    policyCache.at = now;
    return policyCache.value;
  }
  const value = parseStored("security.policy", text);
  policyCache = { text, value, at: now };
  return value;
}

/** The security policy; inside a transaction always as that transaction sees it. */
export async function readSecurityPolicy(transaction?: Transaction): Promise<SecurityPolicy> {
  if (transaction) return readSetting("security.policy", transaction);
  if (policyCache && Date.now() - policyCache.at < POLICY_TTL_MS) return policyCache.value;
  const row = await Setting.findByPk("security.policy");
  return securityPolicyFromStored(row?.value ?? null);
}
