import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe("the auditor's CSV export", () => {
  it("writes a user name that is a spreadsheet formula as text", async () => {
    const payload = "=cmd|' /C calc'!A0";
    const login = await server.client().post("/api/auth/login", { username: payload, password: "wrong-password" });
    expect(login.status).toBe(401);
    await server.client().post("/api/auth/login", { username: "@SUM(1+1)*cmd|' /C calc'!A0", password: "x" });
    const auditor = await server.signIn("auditor");
    const csv = await auditor.get("/api/audit/events.csv");
    expect(csv.status).toBe(200);
    const rows: string[][] = parse(csv.text.replace(/^\uFEFF/, ""), { relax_column_count: false });
    const cells = rows.flat();
    expect(cells).toContain(`'${payload}`);
    expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
  });
});
