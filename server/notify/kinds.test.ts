// The catalogue and the client's words for it must agree: every kind a caller
// may send has a message in all three languages, and every placeholder of a
// message is a value the kind carries (else the person reads "{documentTitle}").
import { describe, expect, it } from "vitest";
import { NOTIFICATION_KINDS, NOTIFICATION_KIND_NAMES } from "./kinds.js";

type Messages = Record<string, unknown>;
/** Loaded by a computed path, as tests/api/locales.test.ts does: the server's tsc must not follow client imports. */
const loadLocale = async (lang: string): Promise<Messages> =>
  ((await import(/* @vite-ignore */ `../../client/src/locales/${lang}/index.ts`)) as { default: Messages }).default;
const LOCALES = ["zh-CN", "zh-TW", "en"] as const;

function kindMessages(messages: Messages): Record<string, unknown> {
  const notify = messages.notify as { kinds?: Record<string, unknown> } | undefined;
  return notify?.kinds ?? {};
}

/** The same key the client uses (client/src/views/notify/message.ts). */
const keyOf = (kind: string) => kind.replaceAll(".", "_");

describe("the notification kinds", () => {
  it("each have a message in every language, using only the values the kind carries", async () => {
    expect(NOTIFICATION_KIND_NAMES.length).toBeGreaterThanOrEqual(12);
    for (const lang of LOCALES) {
      const messages = kindMessages(await loadLocale(lang));
      for (const kind of NOTIFICATION_KIND_NAMES) {
        const message = messages[keyOf(kind)];
        expect(typeof message, `${lang} ${kind}`).toBe("string");
        const placeholders = [...String(message).matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const carried = Object.keys(NOTIFICATION_KINDS[kind].shape);
        expect(
          placeholders.filter((p) => !carried.includes(p!)),
          `${lang} ${kind}`,
        ).toEqual([]);
        // vue-i18n reads @ (linked message) and | (plural) as syntax: a message must not use them as text.
        expect(String(message), `${lang} ${kind}`).not.toMatch(/[@|]/);
      }
    }
  });

  it("leave no message for a kind that no longer exists", async () => {
    const known = new Set(NOTIFICATION_KIND_NAMES.map(keyOf));
    for (const lang of LOCALES) {
      const stale = Object.keys(kindMessages(await loadLocale(lang))).filter((key) => !known.has(key));
      expect(stale, lang).toEqual([]);
    }
  });

  it("are named as the table and the i18n keys can hold them", () => {
    for (const kind of NOTIFICATION_KIND_NAMES) {
      expect(kind.length, kind).toBeLessThanOrEqual(64);
      expect(kind, kind).toMatch(/^[a-z]+(\.[a-zA-Z]+)+$/);
    }
  });
});
