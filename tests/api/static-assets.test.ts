// How the server hands out the built SPA: compressed when it is text and worth it, cached for good
// when the name carries a content hash, revalidated when it is the shell, and logged quietly.
// The client build is stood in for by a temporary directory (CLIENT_DIST) with hashed file names.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { brotliCompressSync, brotliDecompressSync, gunzipSync } from "node:zlib";
import pino from "pino";
import type { Sequelize } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { createMetrics } from "../../server/core/metrics.js";
import { parseEnv } from "../../server/env.js";
import { openSearchServices, prepareDatabase } from "../../server/server.js";
import type { SearchBackend } from "../../server/search/types.js";
import { createTestDatabase, type TestDatabase } from "../helpers/testDatabase.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

const SCRIPT = "/assets/index-Dk3n9Xa1.js";
const PRECOMPRESSED = "/assets/vue-Qm7Rt2Lp.js";
const TINY = "/assets/tiny-Hb4Wc8Ze.js";
const PDF = "/assets/guide-Pq5Ls0Vn.pdf";
const PNG = "/assets/seal-Ty6Ub2Kc.png";
const IMMUTABLE = "public, max-age=31536000, immutable";

// Repetitive like real code, so it compresses; well above the 1 KB threshold.
const script = Array.from({ length: 400 }, (_, i) => `export const label${i} = "第${i}项";\n`).join("");
const precompressed = Array.from({ length: 300 }, (_, i) => `export function f${i}(a) { return a + ${i}; }\n`).join("");
const pdf = Buffer.from(`%PDF-1.4\n${"1 0 obj << /Type /Page >> endobj\n".repeat(200)}%%EOF\n`);
const shell = `<!doctype html><html lang="zh-CN"><head><meta charset="UTF-8" /><title>邕政通</title>${'<link rel="modulepreload" href="/assets/chunk.js" />'.repeat(30)}</head><body><div id="app"></div><script type="module" src="${SCRIPT}"></script></body></html>`;

function writeDist(): string {
  const dist = mkdtempSync(join(tmpdir(), "yong-dist-"));
  mkdirSync(join(dist, "assets"));
  writeFileSync(join(dist, "index.html"), shell);
  writeFileSync(join(dist, SCRIPT), script);
  writeFileSync(join(dist, PRECOMPRESSED), precompressed);
  // A twin made at build time; the server must send it as it is.
  writeFileSync(join(dist, `${PRECOMPRESSED}.br`), brotliCompressSync(precompressed));
  writeFileSync(join(dist, TINY), "export const x = 1;\n");
  writeFileSync(join(dist, PDF), pdf);
  writeFileSync(join(dist, PNG), Buffer.alloc(4096, 7));
  return dist;
}

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A plain HTTP GET that neither asks for nor undoes compression unless told to. */
function get(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${baseUrl}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function decoded(res: RawResponse): string {
  const encoding = res.headers["content-encoding"];
  if (encoding === "br") return brotliDecompressSync(res.body).toString();
  if (encoding === "gzip") return gunzipSync(res.body).toString();
  return res.body.toString();
}

describe("static assets", () => {
  let dist = "";
  let server: TestServer;

  beforeAll(async () => {
    dist = writeDist();
    server = await startTestServer({ SERVE_CLIENT: "true", CLIENT_DIST: dist });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dist, { recursive: true, force: true });
  });

  it("sends scripts above 1 KB with brotli or gzip, as the client accepts", async () => {
    const br = await get(server.url, SCRIPT, { "accept-encoding": "gzip, deflate, br" });
    expect(br.status).toBe(200);
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.body.length).toBeLessThan(Buffer.byteLength(script) / 4);
    expect(decoded(br)).toBe(script);

    const gzip = await get(server.url, SCRIPT, { "accept-encoding": "gzip" });
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(decoded(gzip)).toBe(script);

    const plain = await get(server.url, SCRIPT, { "accept-encoding": "identity" });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
  });

  it("sends a build's precompressed twin as it is", async () => {
    const res = await get(server.url, PRECOMPRESSED, { "accept-encoding": "br, gzip" });
    expect(res.headers["content-encoding"]).toBe("br");
    expect(res.headers["content-type"]).toMatch(/javascript/);
    expect(res.body.equals(brotliCompressSync(precompressed))).toBe(true);
  });

  it("compresses JSON answers of the API above 1 KB", async () => {
    const admin = await server.signIn("sysadmin");
    const res = await admin.request("GET", "/api/org/tree", { headers: { "accept-encoding": "br" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBe("br");
    expect(res.text.length).toBeGreaterThan(1024);
    expect(res.body.units.length).toBeGreaterThan(0);

    const gzip = await admin.request("GET", "/api/org/tree", { headers: { "accept-encoding": "gzip" } });
    expect(gzip.headers.get("content-encoding")).toBe("gzip");

    // Serialised once before compression, the answer is still JSON, errors included.
    const users = await admin.request("GET", "/api/org/users?pageSize=50", { headers: { "accept-encoding": "br" } });
    expect(users.headers.get("content-type")).toMatch(/^application\/json/);
    expect(users.body.items.length).toBeGreaterThan(0);
    const missing = await admin.request("GET", "/api/org/users/999999", { headers: { "accept-encoding": "br" } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/^application\/json/);
    expect(missing.body.error.code).toBe("not_found");
  });

  it("leaves small answers, PDFs and images as they are", async () => {
    const tiny = await get(server.url, TINY, { "accept-encoding": "br, gzip" });
    expect(tiny.status).toBe(200);
    expect(tiny.headers["content-encoding"]).toBeUndefined();

    const document = await get(server.url, PDF, { "accept-encoding": "br, gzip" });
    expect(document.status).toBe(200);
    expect(document.headers["content-type"]).toBe("application/pdf");
    expect(document.headers["content-encoding"]).toBeUndefined();
    expect(document.body.equals(pdf)).toBe(true);

    const image = await get(server.url, PNG, { "accept-encoding": "br, gzip" });
    expect(image.headers["content-type"]).toBe("image/png");
    expect(image.headers["content-encoding"]).toBeUndefined();
  });

  it("lets browsers keep hashed assets for a year and revalidate the shell", async () => {
    for (const path of [SCRIPT, TINY, PDF]) {
      const res = await get(server.url, path);
      expect(res.headers["cache-control"], path).toBe(IMMUTABLE);
    }
    const compressed = await get(server.url, SCRIPT, { "accept-encoding": "br" });
    expect(compressed.headers["cache-control"]).toBe(IMMUTABLE);

    for (const path of ["/", "/index.html", "/org/users"]) {
      const res = await get(server.url, path, { accept: "text/html", "accept-encoding": "br" });
      expect(res.status, path).toBe(200);
      expect(res.headers["content-type"], path).toMatch(/^text\/html/);
      expect(res.headers["cache-control"], path).toBe("no-cache");
      expect(decoded(res), path).toBe(shell);
    }
  });

  it("answers 404 for a missing asset instead of the HTML shell", async () => {
    const res = await get(server.url, "/assets/index-Gone1234.js", { accept: "*/*" });
    expect(res.status).toBe(404);
    expect(res.headers["content-type"] ?? "").not.toMatch(/html/);
  });
});

describe("request log", () => {
  let dist = "";
  let db: TestDatabase;
  let sequelize: Sequelize;
  let http: Server;
  let baseUrl = "";
  let dataDir = "";
  let search: SearchBackend | undefined;
  const lines: { level: number; msg: string; path?: string; status?: number }[] = [];

  beforeAll(async () => {
    dist = writeDist();
    db = await createTestDatabase();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const logger = pino({ level: "debug" }, sink);
    dataDir = mkdtempSync(join(tmpdir(), "yong-static-"));
    const env = parseEnv({
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      LOG_LEVEL: "debug",
      PASSWORD_HASH_MEMORY_KIB: "1024",
      SERVE_CLIENT: "true",
      CLIENT_DIST: dist,
    });
    sequelize = await prepareDatabase(env, logger);
    const searchServices = await openSearchServices(env, logger);
    search = searchServices.search;
    const app = createApp({ env, sequelize, logger, metrics: createMetrics(), ...searchServices });
    http = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
    });
    baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    http?.closeAllConnections();
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await search?.close();
    await sequelize?.close();
    await db?.drop();
    rmSync(dist, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("logs files of the SPA at debug and API calls and failures at info", async () => {
    await get(baseUrl, SCRIPT);
    await get(baseUrl, "/login", { accept: "text/html" });
    await get(baseUrl, "/api/auth/csrf");
    await get(baseUrl, "/assets/index-Gone1234.js");
    const requests = lines.filter((line) => line.msg === "request");
    const levelOf = (path: string) => requests.find((line) => line.path === path)?.level;

    expect(levelOf(SCRIPT)).toBe(pino.levels.values.debug);
    expect(levelOf("/login")).toBe(pino.levels.values.debug);
    expect(levelOf("/api/auth/csrf")).toBe(pino.levels.values.info);
    expect(levelOf("/assets/index-Gone1234.js")).toBe(pino.levels.values.info);
    const infoPaths = requests.filter((line) => line.level >= pino.levels.values.info!).map((line) => line.path);
    expect(infoPaths).not.toContain(SCRIPT);
  });
});
