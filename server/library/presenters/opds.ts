/**
 * The OPDS 1.2 catalogue as Atom XML (routes/opds). No XML library is a
 * dependency of this project, so the documents are written here through one
 * function, `el`, that escapes every text and attribute value and drops the
 * characters XML 1.0 cannot carry; nothing reaches the output any other way.
 */
import type { LibraryFile, LibraryTitle } from "../models/index.js";
import { splitList } from "../services/catalogueBrowser.js";

export const OPDS_NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation";
export const OPDS_ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition";
export const OPENSEARCH_TYPE = "application/opensearchdescription+xml";

const NS = {
  xmlns: "http://www.w3.org/2005/Atom",
  "xmlns:dc": "http://purl.org/dc/terms/",
  "xmlns:opds": "http://opds-spec.org/2010/catalog",
  "xmlns:opensearch": "http://a9.com/-/spec/opensearch/1.1/",
  // thr:count on a navigation link: how many titles the class holds.
  "xmlns:thr": "http://purl.org/syndication/thread/1.0",
};

export const REL = {
  acquisition: "http://opds-spec.org/acquisition",
  openAccess: "http://opds-spec.org/acquisition/open-access",
  borrow: "http://opds-spec.org/acquisition/borrow",
  image: "http://opds-spec.org/image",
  thumbnail: "http://opds-spec.org/image/thumbnail",
  newArrivals: "http://opds-spec.org/sort/new",
  popular: "http://opds-spec.org/sort/popular",
  subsection: "subsection",
};

/** The 中图法 (Chinese Library Classification) as a category scheme. */
const CLC_SCHEME = "urn:x-clc:中国图书馆分类法";

// XML 1.0 allows tab, LF, CR and U+0020 and above, except the surrogates (paired ones are characters) and U+FFFE/FFFF.
const NOT_XML =
  // eslint-disable-next-line no-control-regex -- removing what XML cannot carry is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text as XML character data or an attribute value (quoted with "). */
function escape(text: string): string {
  return text
    .replace(NOT_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/\r/g, "&#13;");
}

/** Written markup: produced only by `el`, so a plain string is always escaped as text. */
export class Xml {
  constructor(readonly markup: string) {}
}

type Child = Xml | string | null | undefined | false | readonly Child[];

/** An element: attributes (undefined and null ones left out) and children (strings escaped as text). */
export function el(name: string, attrs: Record<string, string | number | null | undefined>, ...children: Child[]): Xml {
  const attrText = Object.entries(attrs)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== null)
    .map(([key, value]) => ` ${key}="${escape(String(value))}"`)
    .join("");
  const inner = children.map(render).join("");
  return new Xml(inner ? `<${name}${attrText}>${inner}</${name}>` : `<${name}${attrText}/>`);
}

function render(child: Child): string {
  if (child === null || child === undefined || child === false) return "";
  if (typeof child === "string") return escape(child);
  if (child instanceof Xml) return child.markup;
  return child.map(render).join("");
}

export function document(root: Xml): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root.markup}\n`;
}

export interface FeedLink {
  rel: string;
  href: string;
  type: string;
  title?: string;
}

export interface FeedProps {
  /** The feed's absolute address without paging: its Atom id. */
  id: string;
  title: string;
  updated: Date;
  /** Who publishes the catalogue (the site's name): the author every entry inherits. */
  author: string;
  links: FeedLink[];
  entries: Xml[];
  /** For a page of results: OpenSearch's counts. */
  paging?: { total: number; start: number; perPage: number };
}

const link = (l: FeedLink) => el("link", { rel: l.rel, href: l.href, type: l.type, title: l.title });

/** An Atom feed with the OPDS catalogue's namespaces. */
export function feed(props: FeedProps): string {
  return document(
    el(
      "feed",
      NS,
      el("id", {}, props.id),
      el("title", {}, props.title),
      el("updated", {}, props.updated.toISOString()),
      el("author", {}, el("name", {}, props.author)),
      props.links.map(link),
      props.paging && [
        el("opensearch:totalResults", {}, String(props.paging.total)),
        el("opensearch:startIndex", {}, String(props.paging.start)),
        el("opensearch:itemsPerPage", {}, String(props.paging.perPage)),
      ],
      props.entries,
    ),
  );
}

/** A navigation entry: a link to another feed, with a line of content saying what is there. */
export function navigationEntry(props: {
  id: string;
  title: string;
  updated: Date;
  href: string;
  type: string;
  rel?: string;
  content: string;
  count?: number;
}): Xml {
  return el(
    "entry",
    {},
    el("title", {}, props.title),
    el("id", {}, props.id),
    el("updated", {}, props.updated.toISOString()),
    el("content", { type: "text" }, props.content),
    el("link", {
      rel: props.rel ?? REL.subsection,
      href: props.href,
      type: props.type,
      "thr:count": props.count,
    }),
  );
}

/** How the reader may get a title's file: the acquisition link it gets. */
export type Acquisition = "open-access" | "borrow" | "loan" | "none";

export interface TitleEntryProps {
  base: string;
  title: LibraryTitle;
  files: LibraryFile[];
  acquisition: Acquisition;
  /** The names of the classes above and including the title's (K 历史、地理 › K2 中国史). */
  classLabel: string | null;
}

/** The address of a file's content (routes/reading), which OPDS clients fetch with the same credentials. */
export const fileContentPath = (titleId: number, fileId: number) =>
  `/api/library/titles/${titleId}/files/${fileId}/content`;

/** An acquisition entry for a title (OPDS 1.2 §5): bibliographic data, cover, and how to get each file. */
export function titleEntry(props: TitleEntryProps): Xml {
  const t = props.title;
  const acquire = props.files.map((f) => {
    const content = fileContentPath(t.id, f.id);
    switch (props.acquisition) {
      case "open-access":
        return el("link", { rel: REL.openAccess, href: `${content}?download=1`, type: f.mediaType });
      case "loan":
        return el("link", { rel: REL.acquisition, href: content, type: f.mediaType });
      case "borrow":
        return el("link", {
          rel: REL.borrow,
          href: `/api/library/opds/titles/${t.id}/borrow?file=${f.id}`,
          type: f.mediaType,
        });
      default:
        return null;
    }
  });
  const cover = t.coverSha256 ? `/api/library/titles/${t.id}/cover?v=${t.coverSha256.slice(0, 12)}` : null;
  return el(
    "entry",
    {},
    el("title", {}, t.title),
    el("id", {}, `${props.base}/library/titles/${t.id}`),
    el("updated", {}, t.updatedAt.toISOString()),
    splitList(t.authors).map((name) => el("author", {}, el("name", {}, name))),
    t.isbn && el("dc:identifier", {}, `urn:isbn:${t.isbn}`),
    el("dc:language", {}, t.language),
    t.year && el("dc:issued", {}, String(t.year)),
    t.publisher && el("dc:publisher", {}, t.publisher),
    t.classCode && el("category", { scheme: CLC_SCHEME, term: t.classCode, label: props.classLabel ?? t.classCode }),
    splitList(t.subjects).map((s) => el("category", { term: s, label: s })),
    t.summary && el("summary", { type: "text" }, t.summary),
    el("link", { rel: "alternate", type: "text/html", href: `/library/titles/${t.id}` }),
    cover && [el("link", { rel: REL.image, href: cover }), el("link", { rel: REL.thumbnail, href: cover })],
    acquire,
  );
}

/** The OpenSearch description document (application/opensearchdescription+xml) for the catalogue's search. */
export function openSearchDescription(props: { shortName: string; description: string; template: string }): string {
  return document(
    el(
      "OpenSearchDescription",
      { xmlns: "http://a9.com/-/spec/opensearch/1.1/" },
      el("ShortName", {}, props.shortName),
      el("Description", {}, props.description),
      el("InputEncoding", {}, "UTF-8"),
      el("OutputEncoding", {}, "UTF-8"),
      el("Url", { type: OPDS_ACQUISITION, template: props.template }),
      el("Url", { type: "application/atom+xml", template: props.template }),
    ),
  );
}
