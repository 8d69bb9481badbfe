// The two baselines of `npm run bench:api`, run as their own process like the
// real server: a bare Koa route that answers JSON, and a bare Koa route that
// reads one session row by primary key through the same driver and pool the
// application uses (server/core/db.ts).
import { createHash } from "node:crypto";
import Koa from "koa";
import Router from "@koa/router";
import { QueryTypes } from "sequelize";
import { openDatabase } from "../../server/core/db.js";

// The same runtime setting as the server it is compared with (server/main.ts).
if (process.env.NODE_ENV === "production") process.setSourceMapsEnabled(false);
const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is required");
const sequelize = openDatabase(url);
await sequelize.authenticate();

const app = new Koa();
const router = new Router();
router.get("/healthz", (ctx) => {
  ctx.body = { status: "ok" };
});
router.get("/json", (ctx) => {
  ctx.body = { status: "ok" };
});
router.get("/session", async (ctx) => {
  const token = ctx.cookies.get("yo_sid") ?? "";
  const id = createHash("sha256").update(token).digest("hex");
  const row = await sequelize.query<{ id: string; userId: number; expiresAt: string }>(
    "SELECT * FROM sessions WHERE id = ?",
    { replacements: [id], type: QueryTypes.SELECT, plain: true },
  );
  if (!row) {
    ctx.status = 401;
    ctx.body = { error: "no session" };
    return;
  }
  ctx.body = { userId: row.userId, expiresAt: row.expiresAt };
});
app.use(router.routes());

const server = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1");
const stop = () => {
  server.closeAllConnections();
  server.close(() => void sequelize.close().finally(() => process.exit(0)));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
