/**
 * What the reading pane lets an HTML mail load: the rules behind sanitize.ts,
 * kept free of the DOM so that they are tested on their own. A mail may show
 * its own embedded images (cid:, through the inline-image route) and data:
 * images; remote images only once the reader allowed them; never anything
 * of this site's own (a relative URL or one of this origin would be fetched
 * with the reader's session).
 */

export interface ImagePolicy {
  /** Content-ID (without angle brackets) → the URL that shows that embedded image. */
  inlineImages: ReadonlyMap<string, string>;
  /** The reader asked to see remote images. */
  remoteImages: boolean;
  /** This site's origin (location.origin): no image of a mail is fetched from it, except the inline ones. */
  origin: string;
}

/** A remote (http, https or scheme-relative) URL. */
const REMOTE = /^(?:https?:)?\/\//i;
const DATA_IMAGE = /^data:image\/(?:png|jpe?g|gif|webp|bmp|avif);/i;

export type ImageDecision = { url: string; blocked: false } | { url: null; blocked: boolean };

/** Where an image of a mail may come from: its URL as it will be used, or nothing (`blocked`: a remote one held back). */
export function imageSource(raw: string, policy: ImagePolicy): ImageDecision {
  // eslint-disable-next-line no-control-regex -- browsers ignore control characters and spaces in URLs; so must this
  const url = raw.replace(/[\u0000-\u0020\u007f]+/g, "");
  if (/^cid:/i.test(url)) {
    let cid = url.slice(4);
    try {
      cid = decodeURIComponent(cid);
    } catch {
      // Not percent-encoded after all: as written.
    }
    const found = policy.inlineImages.get(cid.replace(/^<|>$/g, ""));
    return found ? { url: found, blocked: false } : { url: null, blocked: false };
  }
  if (DATA_IMAGE.test(url)) return { url, blocked: false };
  if (!REMOTE.test(url)) return { url: null, blocked: false };
  const absolute = url.startsWith("//") ? `https:${url}` : url;
  let origin: string;
  try {
    origin = new URL(absolute).origin;
  } catch {
    return { url: null, blocked: false };
  }
  if (origin === policy.origin) return { url: null, blocked: false };
  return policy.remoteImages ? { url: absolute, blocked: false } : { url: null, blocked: true };
}

/** What a link in a mail may lead to: the web, an address to write to, a number to call, a place in the mail. */
export function linkTarget(raw: string): string | null {
  // eslint-disable-next-line no-control-regex -- as above
  const url = raw.replace(/[\u0000-\u0020\u007f]+/g, "");
  if (/^(?:https?:|mailto:|tel:)/i.test(url) || url.startsWith("#")) return raw.trim();
  if (url.startsWith("//")) return `https:${url}`;
  return null;
}

const CSS_URL = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"]*))\s*\)/gi;

/**
 * A style sheet or style attribute of a mail with every url() replaced by
 * what imageSource allows (or `none`), and no @import (a style sheet fetched
 * from elsewhere). Counts the remote images held back.
 */
export function cleanCss(css: string, policy: ImagePolicy): { css: string; blocked: number } {
  let blocked = 0;
  const out = css
    // Escapes are read first (u\72l\28 is "url("), so that the patterns below see what the browser would.
    .replace(/\\([0-9a-f]{1,6})\s?|\\([^\n0-9a-f])/gi, (_m, hex?: string, char?: string) =>
      hex ? String.fromCodePoint(Math.min(Number.parseInt(hex, 16) || 0xfffd, 0x10ffff)) : (char ?? ""),
    )
    .replace(/\\/g, "")
    .replace(/@import[^;]*;?/gi, "")
    .replace(CSS_URL, (_match, double?: string, single?: string, bare?: string) => {
      const decision = imageSource(double ?? single ?? bare ?? "", policy);
      if (decision.blocked) blocked += 1;
      return decision.url ? `url("${decision.url.replace(/["\n\r]/g, encodeURIComponent)}")` : "none";
    })
    // image-set("…") and similar name images without url(): not in mail.
    .replace(/(?:-webkit-)?image-set\([^)]*\)/gi, "none");
  return { css: out, blocked };
}
