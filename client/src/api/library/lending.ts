import { http, request } from "../request";
// Type-only: the shapes are the server's own presenters' (erased from the bundle, never copied).
import type { AdminLoanShape, HoldShape, LoanShape, RuleShape } from "../../../../server/library/presenters/lending";

export type Loan = LoanShape;
export type AdminLoan = AdminLoanShape;
export type Hold = HoldShape;
export type LoanRule = RuleShape;
export type LoanRuleInput = Omit<LoanRule, "id">;

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface RulesAnswer {
  items: LoanRule[];
  patronCategories: LoanRule["patronCategory"][];
  titleCategories: string[];
}

/** POST /api/library/patrons: a member of the public registers (then signs in through /api/auth/login). */
export function registerPatron(body: { login: string; displayName: string; password: string }) {
  return http.post<{ patron: { id: number; login: string; displayName: string; loginKind: "email" | "phone" } }>(
    "/api/library/patrons",
    body,
    { skipAuthHandling: true },
  );
}

export function myLoans(state: "active" | "history", page = 1, pageSize = 20): Promise<Paged<Loan>> {
  return http.get<Paged<Loan>>("/api/library/loans", { state, page, pageSize });
}

export const borrowTitle = (titleId: number) => http.post<Loan>("/api/library/loans", { titleId });
export const returnLoan = (loanId: number) => http.post<Loan>(`/api/library/loans/${loanId}/return`);
export const renewLoan = (loanId: number) => http.post<Loan>(`/api/library/loans/${loanId}/renew`);

export async function myHolds(): Promise<Hold[]> {
  return (await http.get<{ items: Hold[] }>("/api/library/holds")).items;
}

export const placeHold = (titleId: number) => http.post<Hold>("/api/library/holds", { titleId });
export const cancelHold = (holdId: number) => http.delete(`/api/library/holds/${holdId}`);

export function allLoans(query: { overdue: boolean; page: number; pageSize: number }): Promise<Paged<AdminLoan>> {
  return http.get<Paged<AdminLoan>>("/api/library/admin/loans", query);
}

export const forceReturn = (loanId: number) => http.post<AdminLoan>(`/api/library/admin/loans/${loanId}/return`);

export const loanRules = () => http.get<RulesAnswer>("/api/library/rules");
export const saveLoanRules = (rules: LoanRuleInput[]) =>
  request<RulesAnswer>("PUT", "/api/library/rules", { body: { rules } });
