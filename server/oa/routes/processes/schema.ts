import { z } from "zod";
import { nameText } from "../../../core/validate.js";
import { ProcessGraphSchema } from "../../engine/definition.js";
import { PROCESS_CATEGORIES } from "../../models/engine.js";

const id = z.coerce.number().int().positive();
const name = nameText().trim().min(1).max(100);
const key = nameText()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "a letter or _ followed by letters, digits, _ . -");
/** A BPMN document as text; a large process drawn in a modeler is a few hundred kB. */
const xml = z.string().min(1).max(2_000_000);

export const IdParamSchema = z.object({ params: z.object({ id }) });

export const ProcessListSchema = z.object({
  query: z.object({
    category: z.enum(PROCESS_CATEGORIES).optional(),
    /** A unit's adaptations, or "city" for the city-wide processes. */
    unit: z.union([z.literal("city"), id]).optional(),
  }),
});

export const ProcessCreateSchema = z.object({
  body: z.union([
    // A unit's adaptation: a copy of a process (usually a city-wide default) for the unit to change.
    z.object({ copyOf: id, unitId: id, name: name.optional() }).strict(),
    z
      .object({
        name,
        category: z.enum(PROCESS_CATEGORIES),
        unitId: id.nullable(),
        key: key.optional(),
        graph: ProcessGraphSchema.optional(),
        xml: xml.optional(),
      })
      .strict()
      .refine((b) => (b.graph === undefined) !== (b.xml === undefined), {
        message: "give the process as a graph or as BPMN XML, one of the two",
        path: ["xml"],
      }),
  ]),
});

export const ProcessUpdateSchema = IdParamSchema.extend({
  body: z
    .object({ xml: xml.optional(), name: name.optional(), enabled: z.boolean().optional() })
    .strict()
    .refine((b) => b.xml !== undefined || b.name !== undefined || b.enabled !== undefined, {
      message: "nothing to change",
    }),
});

export const VersionParamSchema = z.object({ params: z.object({ id, version: id }) });

export const BpmnDownloadSchema = IdParamSchema.extend({
  query: z.object({ version: id.optional() }),
});

export const ValidateSchema = z.object({
  /** `layout`: also answer the process drawn anew (for a file without a diagram, which standard tools may write). */
  body: z.object({ xml, layout: z.boolean().optional() }),
});
