// Every error code the server can send must have words in all three UI
// languages. The codes are read from the server's source (a TypeScript parse,
// not a regex), so a helper who adds `conflict("new_code", …)` without a
// translation turns this test red.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, URL } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { BUILTIN_ROLES } from "../../server/org/permissions.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
/**
 * The client's message trees. Loaded by a computed path: the client compiles with
 * bundler resolution, so the server's tsc must not follow these imports.
 */
type Messages = Record<string, unknown>;
const loadLocale = async (lang: string): Promise<Messages> =>
  ((await import(/* @vite-ignore */ `../../client/src/locales/${lang}/index.ts`)) as { default: Messages }).default;
const zhCN = await loadLocale("zh-CN");
const LOCALES = { "zh-CN": zhCN, "zh-TW": await loadLocale("zh-TW"), en: await loadLocale("en") } as const;

/** Helpers whose argument at this index is the error code. */
const CODE_ARGUMENT: Record<string, number> = { badRequest: 0, conflict: 0, unauthenticated: 0, forbidden: 1 };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

interface Found {
  codes: Map<string, string>;
  /** Codes computed at run time: nobody can check those have a translation. */
  dynamic: string[];
}

/** The string literals an expression can evaluate to, or null when it is computed. */
function literals(node: ts.Expression): string[] | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isParenthesizedExpression(node)) return literals(node.expression);
  if (ts.isConditionalExpression(node)) {
    const a = literals(node.whenTrue);
    const b = literals(node.whenFalse);
    return a && b ? [...a, ...b] : null;
  }
  return null;
}

function calleeName(node: ts.CallExpression | ts.NewExpression): string | undefined {
  const callee = node.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

export function collectServerErrorCodes(): Found {
  const found: Found = { codes: new Map(), dynamic: [] };
  for (const file of sourceFiles(join(root, "server"))) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node) =>
      `${relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const record = (expr: ts.Expression | undefined, node: ts.Node) => {
      if (!expr) return;
      const values = literals(expr);
      if (!values) {
        // Passed on, not made up: the helpers hand on their `code` parameter (its default is read
        // below), and error handlers re-send an AppError's `err.code`.
        const helperParameter = ts.isIdentifier(expr) && relative(root, file) === join("server", "core", "errors.ts");
        const passedOn = ts.isPropertyAccessExpression(expr) && expr.name.text === "code";
        if (!helperParameter && !passedOn) found.dynamic.push(`${where(node)} ${expr.getText(source)}`);
        return;
      }
      for (const v of values) if (!found.codes.has(v)) found.codes.set(v, where(node));
    };
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && calleeName(node) === "AppError") record(node.arguments?.[1], node);
      if (ts.isCallExpression(node)) {
        const name = calleeName(node);
        const index = name === undefined ? undefined : CODE_ARGUMENT[name];
        if (index !== undefined) record(node.arguments[index], node);
      }
      // `code = "unauthenticated"`: the default of a helper's code parameter.
      if (ts.isParameter(node) && node.name.getText(source) === "code" && node.initializer) {
        record(node.initializer, node);
      }
      // A response body written by hand: `{ error: { code: "internal_error", … } }`.
      if (
        ts.isPropertyAssignment(node) &&
        node.name.getText(source) === "code" &&
        ts.isObjectLiteralExpression(node.parent) &&
        ts.isPropertyAssignment(node.parent.parent) &&
        node.parent.parent.name.getText(source) === "error"
      ) {
        record(node.initializer, node);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

function leaves(value: unknown, prefix = ""): string[] {
  if (typeof value === "string") return [prefix];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

function lookup(messages: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((node, key) => {
    if (typeof node !== "object" || node === null) return undefined;
    return (node as Record<string, unknown>)[key];
  }, messages);
}

describe("server error codes have words in every language", () => {
  const { codes, dynamic } = collectServerErrorCodes();

  it("finds the codes in the server source", () => {
    // A sanity floor: the parse really walked the server.
    for (const known of ["name_taken", "last_admin", "forbidden", "unauthenticated", "internal_error"]) {
      expect(codes.has(known), known).toBe(true);
    }
  });

  it("every error code is a literal the test can see", () => {
    expect(dynamic).toEqual([]);
  });

  for (const [locale, messages] of Object.entries(LOCALES)) {
    it(`${locale} translates every error code`, () => {
      const missing = [...codes]
        .filter(([code]) => typeof lookup(messages, `errors.${code}`) !== "string")
        .map(([code, at]) => `${code} (${at})`);
      expect(missing).toEqual([]);
    });
  }
});

describe("the three locales", () => {
  it("have the same keys", () => {
    const reference = new Set(leaves(zhCN));
    for (const [locale, messages] of Object.entries(LOCALES)) {
      const keys = new Set(leaves(messages));
      expect(
        [...reference].filter((k) => !keys.has(k)),
        `${locale} lacks`,
      ).toEqual([]);
      expect(
        [...keys].filter((k) => !reference.has(k)),
        `${locale} has extra`,
      ).toEqual([]);
    }
  });

  it("name every built-in role by its code", () => {
    for (const [locale, messages] of Object.entries(LOCALES)) {
      for (const role of BUILTIN_ROLES) {
        expect(typeof lookup(messages, `org.roleNames.${role.code}`), `${locale} ${role.code}`).toBe("string");
      }
    }
  });

  it("use one word for password: 密码 / 密碼, never 口令", () => {
    for (const [locale, messages] of Object.entries(LOCALES)) {
      const offending = leaves(messages).filter((k) => /口令/.test(String(lookup(messages, k))));
      expect(offending, locale).toEqual([]);
    }
  });
});
