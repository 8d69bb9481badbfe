import { z } from "zod";
import { DefaultRolesSchema, SecurityPolicySchema, SystemSettingsSchema } from "../../services/settings.js";

export const SystemSettingsPatchSchema = z.object({ body: SystemSettingsSchema.partial().strict() });
export const SecurityPolicyPatchSchema = z.object({ body: SecurityPolicySchema.partial().strict() });
export const DefaultRolesPatchSchema = z.object({ body: DefaultRolesSchema.partial().strict() });
