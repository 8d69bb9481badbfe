import type { DayFigures, Figures, LibraryStatistics, MonthFigures } from "../services/libraryStats.js";
import type { LibraryDayBody, LibraryFiguresBody, LibraryMonthBody, LibraryStatisticsBody } from "./libraryShapes.js";

const figures = (f: Figures): LibraryFiguresBody => ({
  borrowings: f.borrowings,
  downloads: f.downloads,
  navigations: f.navigations,
  searches: f.searches,
  reads: f.reads,
  opds: f.opds,
});

const presentMonth = (m: MonthFigures): LibraryMonthBody => ({
  month: m.month,
  ...figures(m),
  registrations: m.registrations,
  patrons: m.patrons,
  active: m.active,
  peak: m.peak && { day: m.peak.day, active: m.peak.active },
});

const presentDay = (d: DayFigures): LibraryDayBody => ({ day: d.day, active: d.active, ...figures(d) });

/** The library's figures as the statistics screen reads them. */
export function presentLibraryStatistics(stats: LibraryStatistics): LibraryStatisticsBody {
  return {
    from: stats.from,
    to: stats.to,
    months: stats.months.map(presentMonth),
    days: stats.days.map(presentDay),
    totals: {
      ...figures(stats.totals),
      registrations: stats.totals.registrations,
      active: stats.totals.active,
      peak: stats.totals.peak && { day: stats.totals.peak.day, active: stats.totals.peak.active },
    },
    users: { patrons: stats.users.patrons, staff: stats.users.staff },
  };
}
