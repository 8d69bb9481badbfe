import { z } from "zod";

const id = z.coerce.number().int().positive();

export const PlaceHoldSchema = z.object({ body: z.object({ titleId: id }) });
export const HoldIdSchema = z.object({ params: z.object({ id }) });
