import type { QueryInterface } from "sequelize";
import * as m0001 from "./0001-organisation.js";
import * as m0002 from "./0002-audit-log.js";
import * as m0003 from "./0003-login-security.js";
import * as m0004 from "./0004-audit-integrity.js";
import * as m0006 from "./0006-search-indexes.js";
import * as m0007 from "./0007-user-counts-version.js";
import * as m0008 from "./0008-archive.js";
import * as m0009 from "./0009-archive-imports.js";
import * as m0010 from "./0010-archive-originals.js";
import * as m0011 from "./0011-jobs.js";
import * as m0012 from "./0012-archive-intake.js";
import * as m0013 from "./0013-oa-roles.js";
import * as m0014 from "./0014-oa-engine.js";
import * as m0015 from "./0015-notifications.js";
import * as m0016 from "./0016-oa-documents.js";
import * as m0017 from "./0017-oa-returns.js";
import * as m0018 from "./0018-oa-task-roles.js";
import * as m0019 from "./0019-audit-pending.js";
import * as m0020 from "./0020-mailbox.js";
import * as m0021 from "./0021-mail-accounts.js";
import * as m0022 from "./0022-notification-channels.js";
import * as m0023 from "./0023-library.js";
import * as m0024 from "./0024-library-catalogue.js";
import * as m0025 from "./0025-library-patrons.js";
import * as m0026 from "./0026-library-reading.js";
import * as m0027 from "./0027-usage-events.js";

export interface MigrationModule {
  up(params: { context: QueryInterface }): Promise<void>;
  down(params: { context: QueryInterface }): Promise<void>;
}

/**
 * Every migration, in order. Listed explicitly (not globbed) so that the same
 * list runs under tsx, Vitest and a bundled build; a test checks that no file
 * in this folder is missing from it.
 */
export const MIGRATIONS: [name: string, module: MigrationModule][] = [
  ["0001-organisation", m0001],
  ["0002-audit-log", m0002],
  ["0003-login-security", m0003],
  ["0004-audit-integrity", m0004],
  ["0006-search-indexes", m0006],
  ["0007-user-counts-version", m0007],
  ["0008-archive", m0008],
  ["0009-archive-imports", m0009],
  ["0010-archive-originals", m0010],
  ["0011-jobs", m0011],
  ["0012-archive-intake", m0012],
  ["0013-oa-roles", m0013],
  ["0014-oa-engine", m0014],
  ["0015-notifications", m0015],
  ["0016-oa-documents", m0016],
  ["0017-oa-returns", m0017],
  ["0018-oa-task-roles", m0018],
  ["0019-audit-pending", m0019],
  ["0020-mailbox", m0020],
  ["0021-mail-accounts", m0021],
  ["0022-notification-channels", m0022],
  ["0023-library", m0023],
  ["0024-library-catalogue", m0024],
  ["0025-library-patrons", m0025],
  ["0026-library-reading", m0026],
  ["0027-usage-events", m0027],
];
