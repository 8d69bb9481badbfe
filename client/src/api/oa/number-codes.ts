import { http } from "../request";
// The server's own shapes (types only, erased from the bundle).
import type { NumberCodeBody, NumberLogBody } from "../../../../server/oa/presenters/shapes";

export type NumberCode = NumberCodeBody;
export type NumberLogEntry = NumberLogBody;

/** The 机关代字 the caller numbers with (their units') or manages. */
export const listNumberCodes = () => http.get<{ items: NumberCode[] }>("/api/oa/number-codes");

/** The numbers given (and voided) under a code, newest first; the registrar's preview reads the last one. */
export const numberLog = (codeId: number, year?: number) =>
  http.get<{ items: NumberLogEntry[] }>(`/api/oa/number-codes/${codeId}/log`, { year });
