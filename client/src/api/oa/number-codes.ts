import { http } from "../request";
// The server's own shapes (types only, erased from the bundle).
import type { NumberCodeBody, NumberLogBody } from "../../../../server/oa/presenters/shapes";

export type NumberCode = NumberCodeBody;
export type NumberLogEntry = NumberLogBody;

export interface NumberCodeList {
  items: NumberCode[];
  /** Whether the caller may make codes, and for which units (each with the units below it). */
  abilities: { create: boolean; units: "all" | { id: number; name: string }[] };
}

/** The 机关代字 the caller numbers with (their units') or manages. */
export const listNumberCodes = () => http.get<NumberCodeList>("/api/oa/number-codes");

/** The numbers given (and voided) under a code, newest first; the registrar's preview reads the last one. */
export const numberLog = (codeId: number, year?: number) =>
  http.get<{ items: NumberLogEntry[] }>(`/api/oa/number-codes/${codeId}/log`, { year });

export const createNumberCode = (body: { unitId: number; code: string; name: string }) =>
  http.post<NumberCode>("/api/oa/number-codes", body);

export const updateNumberCode = (id: number, body: { name?: string; enabled?: boolean }) =>
  http.patch<NumberCode>(`/api/oa/number-codes/${id}`, body);
