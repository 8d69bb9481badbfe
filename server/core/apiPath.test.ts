import { describe, expect, it } from "vitest";
import { isApiPath, isCanonicalApiPath } from "./apiPath.js";

describe("API path spelling", () => {
  it("takes every spelling a lenient reader would route to the API for the API", () => {
    for (const path of ["/api/org", "/API/org", "/%61pi/org", "/%2561pi/org", "//api/org", "/api\\org", "/Api"]) {
      expect(isApiPath(path), path).toBe(true);
    }
    for (const path of ["/", "/assets/app.js", "/apiary", "/login", "/%ZZ"]) expect(isApiPath(path), path).toBe(false);
  });

  it("accepts only the literal lower-case spelling without empty, dot or encoded-slash segments", () => {
    expect(isCanonicalApiPath("/api/org/units/12/move")).toBe(true);
    expect(isCanonicalApiPath("/api/org/users/%31")).toBe(true);
    for (const path of [
      "/API/org/units",
      "/%61pi/org/units",
      "/api//org/units",
      "/api/org/units/",
      "/api%2Forg/units",
      "/api/org%2funits",
      "/api/./org",
      "/api/%2E%2e/org",
      "/api/org\\units",
    ]) {
      expect(isCanonicalApiPath(path), path).toBe(false);
    }
  });
});
