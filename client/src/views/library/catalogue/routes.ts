/**
 * The catalogue's screens exist twice: inside the signed-in layout (/library/…) and in the public shell
 * (/open/library/…) for visitors who have not signed in. The same components serve both; this names the
 * routes of the side they are on.
 */
export interface CatalogueRoutes {
  home: string;
  classPage: string;
  search: string;
  title: string;
}

export function catalogueRoutes(open: boolean): CatalogueRoutes {
  return open
    ? {
        home: "library-open",
        classPage: "library-open-class",
        search: "library-open-search",
        title: "library-open-title",
      }
    : { home: "library", classPage: "library-class", search: "library-search", title: "library-title" };
}
