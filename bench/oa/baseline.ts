// The baselines of `npm run bench:oa`, run as their own process like the real
// server: a bare Koa JSON route, and a bare Koa route that runs the to-do
// list's own SQL (server/oa/services/inbox.ts TASK_LIST_SQL: the first page and
// its total) directly through mysql2 — no session, no policy, no ORM.
import Koa from "koa";
import Router from "@koa/router";
import mysql from "mysql2/promise";
import { TASK_LIST_SQL } from "../../server/oa/services/inbox.js";
import { mysqlOptions } from "../api/fixture.js";

if (process.env.NODE_ENV === "production") process.setSourceMapsEnabled(false);
const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is required");
const pool = mysql.createPool({
  ...mysqlOptions(url),
  // The application's pool size (server/core/db.ts).
  connectionLimit: 10,
  namedPlaceholders: true,
  charset: "utf8mb4",
  timezone: "Z",
});

const app = new Koa();
const router = new Router();
router.get("/healthz", (ctx) => {
  ctx.body = { status: "ok" };
});
router.get("/json", (ctx) => {
  ctx.body = { status: "ok" };
});
router.get("/todo", async (ctx) => {
  const params = { me: Number(ctx.query.user), kind: "do", limit: 20, offset: 0 };
  const [[rows], [count]] = await Promise.all([
    pool.query(TASK_LIST_SQL.page, params),
    pool.query(TASK_LIST_SQL.count, params),
  ]);
  const total = Array.isArray(count) ? Number((count[0] as { n: number }).n) : 0;
  ctx.body = { items: rows, total };
});
app.use(router.routes());

const server = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1");
const stop = () => {
  server.closeAllConnections();
  server.close(() => void pool.end().finally(() => process.exit(0)));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
