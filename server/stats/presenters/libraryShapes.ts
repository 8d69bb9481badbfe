/**
 * What GET /api/stats/library answers. The presenter is typed with these and the
 * SPA imports this file type-only (client/src/api/stats/library.ts), so the
 * screen's types are the server's own. Imports nothing.
 */

/** Counts of one period: loans made and the uses recorded. */
export interface LibraryFiguresBody {
  borrowings: number;
  downloads: number;
  /** 中图法 class pages opened. */
  navigations: number;
  searches: number;
  /** Reading sessions opened. */
  reads: number;
  /** Requests to the OPDS catalogue. */
  opds: number;
}

export interface LibraryPeakBody {
  /** YYYY-MM-DD, city time (UTC+8). */
  day: string;
  active: number;
}

export interface LibraryMonthBody extends LibraryFiguresBody {
  /** YYYY-MM, city time. */
  month: string;
  /** Public patrons registered that month, and registered by its end. */
  registrations: number;
  patrons: number;
  /** Distinct patrons who used the library in the month. */
  active: number;
  peak: LibraryPeakBody | null;
}

export interface LibraryDayBody extends LibraryFiguresBody {
  day: string;
  /** Distinct patrons who used the library that day. */
  active: number;
}

export interface LibraryStatisticsBody {
  from: string;
  to: string;
  months: LibraryMonthBody[];
  /** Only the days on which anything was counted. */
  days: LibraryDayBody[];
  totals: LibraryFiguresBody & { registrations: number; active: number; peak: LibraryPeakBody | null };
  /** Accounts that may use the library now: public patrons and civil servants. */
  users: { patrons: number; staff: number };
}
