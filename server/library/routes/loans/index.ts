import Router from "@koa/router";
import type { Transaction } from "sequelize";
import type { AppContext, AppContextExtras, AppState } from "../../../core/context.js";
import { actorOf, authorize } from "../../../core/policy.js";
import { parseRequest } from "../../../core/validate.js";
import { recordUsage } from "../../../stats/services/usage.js";
import type { LibraryLoan } from "../../models/index.js";
import { lendingPolicy } from "../../policies/lending.js";
import { presentAdminLoan, presentLoan } from "../../presenters/lending.js";
import { borrow, renew, returnLoan } from "../../services/lending.js";
import { activeLoans, loanContext, loansOf } from "../../services/loanLists.js";
import { patronCategoryOf } from "../../services/patrons.js";
import { AdminLoansSchema, BorrowSchema, LoanIdSchema, MyLoansSchema } from "./schema.js";

async function presentOne(loan: LibraryLoan, now: Date) {
  return presentLoan(loan, await loanContext([loan]), now);
}

/** A patron's loans (borrow, return, renew, list) and the librarian's view of every active loan. */
export function libraryLoansRouter(): Router<AppState, AppContextExtras> {
  const router = new Router<AppState, AppContextExtras>({ prefix: "/api/library", sensitive: true, strict: true });

  router.get("/loans", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(lendingPolicy.use(actor), "use the library");
    const { query } = parseRequest(ctx, MyLoansSchema);
    const now = new Date();
    const { rows, count, context } = await loansOf(actor.id, query.state, query);
    ctx.body = {
      items: rows.map((loan) => presentLoan(loan, context, now)),
      total: count,
      page: query.page,
      pageSize: query.pageSize,
    };
  });

  router.post("/loans", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(lendingPolicy.use(actor), "borrow from the library");
    const { body } = parseRequest(ctx, BorrowSchema);
    const category = await patronCategoryOf(actor.user);
    const now = new Date();
    const loan = await borrow(actor.id, body.titleId, category, now, async (made, t) => {
      await ctx.audit(
        {
          action: "library.loan.borrow",
          outcome: "success",
          targetType: "library_loan",
          targetId: made.id,
          detail: { titleId: made.titleId, dueAt: made.dueAt.toISOString(), patronCategory: category },
        },
        t,
      );
      await recordUsage({ kind: "library.borrow", userId: actor.id, subject: String(made.titleId) }, t);
    });
    ctx.status = 201;
    ctx.body = await presentOne(loan, now);
  });

  const audited =
    (ctx: AppContext, action: string, extra: (loan: LibraryLoan) => Record<string, unknown> = () => ({})) =>
    (loan: LibraryLoan, t: Transaction) =>
      ctx.audit(
        {
          action,
          outcome: "success",
          targetType: "library_loan",
          targetId: loan.id,
          detail: { titleId: loan.titleId, ...extra(loan) },
        },
        t,
      );

  router.post("/loans/:id/return", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(lendingPolicy.use(actor), "return a loan");
    const { params } = parseRequest(ctx, LoanIdSchema);
    const now = new Date();
    const loan = await returnLoan(params.id, actor.id, now, audited(ctx, "library.loan.return"));
    ctx.body = await presentOne(loan, now);
  });

  router.post("/loans/:id/renew", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(lendingPolicy.use(actor), "renew a loan");
    const { params } = parseRequest(ctx, LoanIdSchema);
    const now = new Date();
    const loan = await renew(
      params.id,
      actor.id,
      now,
      audited(ctx, "library.loan.renew", (l) => ({ dueAt: l.dueAt.toISOString(), renewals: l.renewals })),
    );
    ctx.body = await presentOne(loan, now);
  });

  router.get("/admin/loans", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(lendingPolicy.manage(actor), "see every loan");
    const { query } = parseRequest(ctx, AdminLoansSchema);
    const now = new Date();
    const { rows, count, context, users } = await activeLoans({ ...query, now });
    ctx.body = {
      items: rows.map((loan) => presentAdminLoan(loan, context, users.get(loan.userId), now)),
      total: count,
      page: query.page,
      pageSize: query.pageSize,
    };
  });

  // A librarian ends a loan (a patron who left, a licence withdrawn): the copy passes to the queue.
  router.post("/admin/loans/:id/return", async (ctx: AppContext) => {
    const actor = actorOf(ctx);
    authorize(lendingPolicy.manage(actor), "end a patron's loan");
    const { params } = parseRequest(ctx, LoanIdSchema);
    const now = new Date();
    const loan = await returnLoan(
      params.id,
      null,
      now,
      audited(ctx, "library.loan.force_return", (l) => ({ patronId: l.userId })),
    );
    ctx.body = await presentOne(loan, now);
  });

  return router;
}
