import { z } from "zod";
import { SecurityPolicySchema, SystemSettingsSchema } from "../../services/settings.js";

export const SystemSettingsPatchSchema = z.object({ body: SystemSettingsSchema.partial().strict() });
export const SecurityPolicyPatchSchema = z.object({ body: SecurityPolicySchema.partial().strict() });
