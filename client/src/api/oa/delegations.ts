import type { z } from "zod";
import { http } from "../request";
// The server's own shapes and schema (types only, erased from the bundle).
import type { DelegationBody } from "../../../../server/oa/presenters/shapes";
import type { CreateDelegationSchema } from "../../../../server/oa/routes/delegations/schema";

export type Delegation = DelegationBody;
/** As the server's schema parses it, with the period sent as ISO strings (the server makes them Dates). */
export type DelegationCreate = Omit<z.output<typeof CreateDelegationSchema>["body"], "startsAt" | "endsAt"> & {
  startsAt: string;
  endsAt: string;
};

/** 委托: the caller's delegations, given and received, newest first. */
export const listDelegations = () => http.get<{ items: Delegation[] }>("/api/oa/delegations");

/**
 * `moved`: how many open tasks went over to the delegate at once; `kept`: open 签发 tasks that stayed
 * because the delegate may not sign; `signStaysWithOwner`: the caller signs and the delegate may not, so
 * 签发 keeps coming to the caller.
 */
export const createDelegation = (body: DelegationCreate) =>
  http.post<Delegation & { moved: number; kept: number; signStaysWithOwner: boolean }>("/api/oa/delegations", body);

export const revokeDelegation = (id: number) => http.post<Delegation>(`/api/oa/delegations/${id}/revoke`);
