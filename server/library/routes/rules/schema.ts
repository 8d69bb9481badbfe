import { z } from "zod";
import { plainText } from "../../../core/validate.js";
import { PATRON_CATEGORIES } from "../../models/index.js";

const count = (max: number) => z.number().int().min(0).max(max);

export const RulesUpdateSchema = z.object({
  body: z.object({
    rules: z
      .array(
        z.object({
          patronCategory: z.enum(PATRON_CATEGORIES),
          titleCategory: plainText()
            .trim()
            .min(1)
            .max(32)
            .regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case letters, digits, '_' or '-'"),
          loanDays: count(365).min(1),
          maxLoans: count(100),
          maxHolds: count(100),
          maxRenewals: count(20),
          claimDays: count(30).min(1),
        }),
      )
      .min(1)
      .max(200),
  }),
});
