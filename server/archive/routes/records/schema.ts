import { z } from "zod";
import { nameText, plainText } from "../../../core/validate.js";
import { calendarDate } from "../../../search/dates.js";
import { LINK_KINDS, OPENNESS, RETENTIONS, VALIDITIES } from "../../models/index.js";

const id = z.coerce.number().int().positive();
/** A filter given once (?issuer=国务院) or repeated (?issuer=a&issuer=b). */
const many = (item: z.ZodString) =>
  z
    .union([item, z.array(item).max(20)])
    .optional()
    .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]));
const keyword = nameText().trim().min(1).max(64);
const year = z.coerce.number().int().min(1900).max(2100).optional();
const searchDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD")
  .refine((d) => calendarDate(d) === d, "a real date");
/** What the search box and the advanced form share: the words (q) and the exact phrase are one query of 200 characters. */
const QUERY_LENGTH = 200;
/** A form field left empty arrives as ?not= : no value, not a refusal. */
const optionalText = (schema: z.ZodString) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());

export const ArchiveSearchSchema = z.object({
  query: z
    .object({
      q: plainText().trim().max(QUERY_LENGTH).default(""),
      /** 精确短语: searched as one phrase, as if typed in "quotes". */
      phrase: optionalText(plainText().trim().max(QUERY_LENGTH)),
      /** 不包含: records with any of these words are left out. */
      not: optionalText(plainText().trim().max(QUERY_LENGTH)),
      /** 检索范围: the words in the title or the text (all), or in the title only. */
      in: z.enum(["all", "title"]).default("all"),
      /** 文号, exact, typed with any brackets. */
      docNumber: optionalText(nameText().trim().max(64)),
      issuer: many(keyword),
      docType: many(keyword),
      validity: many(keyword),
      category: many(keyword),
      yearFrom: year,
      yearTo: year,
      /** 成文日期 from–to. */
      dateFrom: optionalText(searchDate),
      dateTo: optionalText(searchDate),
      sort: z.enum(["relevance", "newest"]).optional(),
      page: z.coerce.number().int().min(1).max(500).default(1),
      pageSize: z.coerce.number().int().min(1).max(100).default(20),
    })
    .refine((v) => v.q.length + (v.phrase?.length ?? 0) <= QUERY_LENGTH, {
      message: `the words and the phrase together are at most ${QUERY_LENGTH} characters`,
      path: ["phrase"],
    })
    .refine((v) => v.yearFrom === undefined || v.yearTo === undefined || v.yearFrom <= v.yearTo, {
      message: "yearFrom is after yearTo",
      path: ["yearTo"],
    })
    .refine((v) => !v.dateFrom || !v.dateTo || v.dateFrom <= v.dateTo, {
      message: "dateFrom is after dateTo",
      path: ["dateTo"],
    }),
});

/** What has been typed in the search box so far. */
export const ArchiveSuggestSchema = z.object({ query: z.object({ q: plainText().trim().min(1).max(100) }) });

export const IdParamSchema = z.object({ params: z.object({ id }) });

const line = (max: number) => nameText().trim().min(1).max(max);
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD")
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "a real date");

export const RecordUpdateSchema = IdParamSchema.extend({
  body: z
    .object({
      title: line(500),
      docNumber: line(64).nullable(),
      issuers: z.array(line(64)).max(20),
      docType: line(32).nullable(),
      issuedOn: date.nullable(),
      effectiveOn: date.nullable(),
      subjects: z.array(line(32)).max(50),
      category: line(64).nullable(),
      validity: z.enum(VALIDITIES),
      openness: z.enum(OPENNESS),
      retention: z.enum(RETENTIONS),
      archiveCode: line(64).nullable(),
    })
    .partial()
    .refine((b) => Object.keys(b).length > 0, "nothing to change"),
});

export const RecordLinkSchema = IdParamSchema.extend({
  body: z.object({ olderId: id, kind: z.enum(LINK_KINDS) }),
});
