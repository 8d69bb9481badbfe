import DOMPurify from "dompurify";
import { cleanCss, imageSource, linkTarget, type ImagePolicy } from "./mail-html";

/**
 * HTML mail made safe to show: DOMPurify with the HTML profile (no SVG or
 * MathML), and without scripts, event handlers, forms, frames, objects,
 * <base>, <meta> or <link>; images and style sheets held to mail-html.ts's
 * rules. The result still only ever goes into the sandboxed frame
 * (message-frame.vue), whose own policy forbids scripts and remote loads:
 * this is the first of two walls.
 */

export interface SafeMail {
  /** The mail's own style sheets, cleaned. */
  styles: string[];
  /** The body's content. */
  body: string;
  /** Remote images held back (img, background, CSS): the reader may allow them. */
  blocked: number;
}

const FORBID_TAGS = [
  "form",
  "input",
  "button",
  "textarea",
  "select",
  "option",
  "optgroup",
  "datalist",
  "iframe",
  "frame",
  "frameset",
  "object",
  "embed",
  "applet",
  "base",
  "meta",
  "link",
  "audio",
  "video",
  "source",
  "track",
  "picture",
  "portal",
  "noscript",
];
const FORBID_ATTR = ["action", "formaction", "ping", "srcset", "sizes", "poster", "srcdoc", "xlink:href"];

const purifier = DOMPurify(window);
let policy: ImagePolicy | null = null;
let blocked = 0;

purifier.addHook("uponSanitizeElement", (node, data) => {
  if (data.tagName !== "style" || !policy) return;
  const cleaned = cleanCss(node.textContent ?? "", policy);
  blocked += cleaned.blocked;
  node.textContent = cleaned.css;
});

purifier.addHook("afterSanitizeAttributes", (node) => {
  if (!policy) return;
  const element = node as Element;
  for (const name of ["src", "background"]) {
    const value = element.getAttribute(name);
    if (value === null) continue;
    const decision = imageSource(value, policy);
    if (decision.url) element.setAttribute(name, decision.url);
    else element.removeAttribute(name);
    if (decision.blocked) {
      blocked += 1;
      // Shown as an outlined box of the image's size, with its alt text, until images are allowed.
      element.setAttribute("data-yo-blocked", "");
    }
  }
  const style = element.getAttribute("style");
  if (style !== null) {
    const cleaned = cleanCss(style, policy);
    blocked += cleaned.blocked;
    element.setAttribute("style", cleaned.css);
  }
  if (element.hasAttribute("href")) {
    const href = linkTarget(element.getAttribute("href") ?? "");
    if (href === null) element.removeAttribute("href");
    else element.setAttribute("href", href);
    // Links open outside the frame, and tell the site nothing of where they came from.
    if (href !== null && !href.startsWith("#")) {
      element.setAttribute("target", "_blank");
      element.setAttribute("rel", "noopener noreferrer");
    }
  }
});

/** The mail's HTML made safe, by the images policy given. */
export function sanitizeMail(html: string, images: ImagePolicy): SafeMail {
  policy = images;
  blocked = 0;
  try {
    // The whole document, so that the <style> of its <head> is kept; DOMParser loads nothing while it reads.
    const root = purifier.sanitize(html, {
      USE_PROFILES: { html: true },
      FORBID_TAGS,
      FORBID_ATTR,
      WHOLE_DOCUMENT: true,
      RETURN_DOM: true,
    });
    const styles = [...root.querySelectorAll("style")].map((s) => {
      const css = s.textContent ?? "";
      s.remove();
      return css;
    });
    const body = root.querySelector("body");
    return { styles, body: body ? body.innerHTML : "", blocked };
  } finally {
    policy = null;
  }
}
