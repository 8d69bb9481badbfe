import { describe, expect, it } from "vitest";
import { parseEnv } from "./env.js";

describe("configuration", () => {
  it("has embedded defaults", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(8080);
    expect(env.DATABASE_URL).toBe("sqlite:./data/yong.sqlite");
    expect(env.SEED_DEMO).toBe(true);
  });

  it("names every wrong variable", () => {
    expect(() => parseEnv({ PORT: "eighty", DATABASE_URL: "postgres://x" })).toThrow(
      /PORT="eighty"[\s\S]*DATABASE_URL="postgres:\/\/x"/,
    );
    expect(() => parseEnv({ COOKIE_SECURE: "yes" })).toThrow(/COOKIE_SECURE/);
  });

  it("never repeats a secret in its error message", () => {
    expect(() => parseEnv({ AUDIT_KEY: "too-short-secret" })).toThrow(/AUDIT_KEY=\(hidden\): must be at least 32/);
    expect(() => parseEnv({ AUDIT_KEY: "too-short-secret" })).not.toThrow(/too-short-secret/);
  });
});
