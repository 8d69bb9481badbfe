import type Router from "@koa/router";
import type { AppContextExtras, AppState } from "../../../core/context.js";
import { mailAliasesRouter } from "./aliases/index.js";
import { mailDomainsRouter } from "./domains/index.js";
import { mailListsRouter } from "./lists/index.js";
import { mailAdminMailboxesRouter } from "./mailboxes/index.js";

/** Mail administration (/api/mail/admin): domains, mailboxes and their members, aliases, lists. */
export function mailAdminRouters(): Router<AppState, AppContextExtras>[] {
  return [mailDomainsRouter(), mailAdminMailboxesRouter(), mailAliasesRouter(), mailListsRouter()];
}
