import { z } from "zod";

const id = z.coerce.number().int().positive();
// 机关代字 are Chinese characters (南府发, 南教办函); no spaces, digits or brackets (they would break the 文号).
const code = z
  .string()
  .trim()
  .regex(/^[\p{Script=Han}]{1,16}$/u, "a 机关代字 is up to 16 Chinese characters");

export const CreateNumberCodeSchema = z.object({
  body: z.object({ unitId: id, code, name: z.string().trim().min(1).max(100) }),
});

export const UpdateNumberCodeSchema = z.object({
  params: z.object({ id }),
  body: z.object({ name: z.string().trim().min(1).max(100).optional(), enabled: z.boolean().optional() }).strict(),
});

export const NumberLogSchema = z.object({
  params: z.object({ id }),
  query: z.object({ year: z.coerce.number().int().min(1949).max(2100).optional() }),
});
