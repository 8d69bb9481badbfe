import { describe, expect, it } from "vitest";
import { cleanCss, imageSource, linkTarget, type ImagePolicy } from "./mail-html";

const policy = (remoteImages: boolean): ImagePolicy => ({
  inlineImages: new Map([["chart@jyj", "/api/mail/mailboxes/1/messages/2/inline/0"]]),
  remoteImages,
  origin: "https://mail.nanning.gov.cn",
});

describe("images of an HTML mail", () => {
  it("shows embedded images through the inline route, and data: images", () => {
    expect(imageSource("cid:chart@jyj", policy(false))).toEqual({
      url: "/api/mail/mailboxes/1/messages/2/inline/0",
      blocked: false,
    });
    expect(imageSource("CID:%3Cchart%40jyj%3E", policy(false)).url).toBe("/api/mail/mailboxes/1/messages/2/inline/0");
    expect(imageSource("cid:other@jyj", policy(true))).toEqual({ url: null, blocked: false });
    expect(imageSource("data:image/png;base64,iVBORw0KGgo=", policy(false)).url).toBe(
      "data:image/png;base64,iVBORw0KGgo=",
    );
    expect(imageSource("data:image/svg+xml;base64,PHN2Zz4=", policy(true)).url).toBeNull();
  });

  it("holds remote images back until allowed, in every spelling", () => {
    for (const url of [
      "http://127.0.0.1:9/x.png",
      "HTTPS://tracker.example.com/p.gif",
      "//cdn.example.com/a.png",
      " \thttp://x.example/y",
    ]) {
      expect(imageSource(url, policy(false)), url).toEqual({ url: null, blocked: true });
      expect(imageSource(url, policy(true)).url, url).toMatch(/^https?:\/\//i);
    }
  });

  it("never fetches from this site: relative URLs and this origin are dropped, allowed or not", () => {
    for (const url of [
      "/api/mail/mailboxes/1/messages/3",
      "api/x",
      "https://mail.nanning.gov.cn/api/auth/logout",
      "javascript:alert(1)",
      "java\nscript:alert(1)",
    ]) {
      expect(imageSource(url, policy(true)), url).toEqual({ url: null, blocked: false });
    }
  });

  it("rewrites style sheets: url() by the same rules, no @import", () => {
    const css = `@import url("https://evil.example/x.css"); @import 'y.css';
      body { background: url(http://t.example/bg.png) no-repeat; }
      .logo { background-image: url( 'cid:chart@jyj' ); }
      .a { background: u\\72l(http://t.example/escaped.png); }
      .b { background-image: image-set("http://t.example/set.png" 1x); }`;
    const blocked = cleanCss(css, policy(false));
    expect(blocked.css).not.toMatch(/@import|t\.example|evil/);
    expect(blocked.css).toContain('url("/api/mail/mailboxes/1/messages/2/inline/0")');
    expect(blocked.blocked).toBe(2);
    const allowed = cleanCss(css, policy(true));
    expect(allowed.css).toContain('url("http://t.example/bg.png")');
    expect(allowed.css).not.toMatch(/@import|evil/);
  });
});

describe("links of an HTML mail", () => {
  it("keeps web, mail and phone links and places in the mail; drops scripts and this site's paths", () => {
    expect(linkTarget("https://www.nanning.gov.cn/")).toBe("https://www.nanning.gov.cn/");
    expect(linkTarget("mailto:jyj@nanning.gov.cn")).toBe("mailto:jyj@nanning.gov.cn");
    expect(linkTarget("#part2")).toBe("#part2");
    expect(linkTarget("//example.com/a")).toBe("https://example.com/a");
    for (const href of ["javascript:alert(1)", " java\tscript:alert(1)", "/api/mail/frame", "data:text/html,<script>"])
      expect(linkTarget(href), href).toBeNull();
  });
});
