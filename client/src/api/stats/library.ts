import { http } from "../request";
// Type-only: the shapes are the server's own presenter's (erased from the bundle, never copied).
import type {
  LibraryDayBody,
  LibraryFiguresBody,
  LibraryMonthBody,
  LibraryPeakBody,
  LibraryStatisticsBody,
} from "../../../../server/stats/presenters/libraryShapes";

export type {
  LibraryDayBody as LibraryDay,
  LibraryFiguresBody as LibraryFigures,
  LibraryMonthBody as LibraryMonth,
  LibraryPeakBody as LibraryPeak,
  LibraryStatisticsBody as LibraryStatistics,
};

/** The library's figures for the months from..to (YYYY-MM), for librarians. */
export function getLibraryStatistics(from: string, to: string): Promise<LibraryStatisticsBody> {
  return http.get<LibraryStatisticsBody>("/api/stats/library", { from, to });
}
