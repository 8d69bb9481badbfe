import { http } from "../request";
// Type-only: the shapes are the server's own presenters' and services' (erased from the bundle, never copied).
import type { TitleCardShape, TitleDetail, TitleHitShape } from "../../../../server/library/presenters/catalogue";
import type { ClassNode } from "../../../../server/library/services/catalogueBrowser";
import type { FacetCount } from "../../../../server/search/types";

export type TitleCard = TitleCardShape;
export type TitleHit = TitleHitShape;
export type { ClassNode, TitleDetail };
export type TitleAbilities = TitleDetail["abilities"];
export type LicenceModel = TitleCard["licenceModel"];
export type TitleSort = "relevance" | "new" | "popular";

export interface ClassSummary {
  code: string;
  name: string;
  count: number;
}

export interface ClassPage extends ClassSummary {
  parent: ClassSummary | null;
  children: ClassSummary[];
}

export interface LibraryHome {
  newArrivals: TitleCard[];
  mostBorrowed: TitleCard[];
  classes: ClassSummary[];
  total: number;
}

export interface TitleQuery {
  q?: string;
  classCode?: string;
  language?: string;
  licence?: LicenceModel;
  sort?: TitleSort;
  page?: number;
  pageSize?: number;
}

export interface TitleList {
  items: TitleHit[];
  total: number;
  facets: { classCode: FacetCount[]; language: FacetCount[]; licenceModel: FacetCount[] };
  sort: TitleSort;
  page: number;
  pageSize: number;
}

/** A class code as a path segment: a range class's slash is a hyphen there (D33/37 → D33-37). */
export const classSegment = (code: string) => code.replace("/", "-");

export const getLibraryHome = () => http.get<LibraryHome>("/api/library/home");

export async function getClassTree(): Promise<ClassNode[]> {
  return (await http.get<{ items: ClassNode[] }>("/api/library/classes")).items;
}

export const getClassPage = (code: string) =>
  http.get<ClassPage>(`/api/library/classes/${encodeURIComponent(classSegment(code))}`);

export const searchTitles = (query: TitleQuery) => http.get<TitleList>("/api/library/titles", { ...query });

export const getTitle = (id: number) => http.get<TitleDetail>(`/api/library/titles/${id}`);
