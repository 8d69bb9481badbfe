import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";

export interface TestDatabase {
  url: string;
  dialect: "sqlite" | "mysql";
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test file: a temporary SQLite file by
 * default, or — when DATABASE_URL points at MySQL/MariaDB — a new database on
 * that server named after the URL's database plus a random suffix.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base || base.startsWith("sqlite:")) {
    const dir = mkdtempSync(join(tmpdir(), "yong-test-"));
    return {
      url: `sqlite:${join(dir, "test.sqlite")}`,
      dialect: "sqlite",
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const parsed = new URL(base.replace(/^mariadb:/, "mysql:"));
  const name = `${parsed.pathname.slice(1) || "yong_test"}_${randomBytes(4).toString("hex")}`;
  const admin = await mysql.createConnection({
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  parsed.pathname = `/${name}`;
  return {
    url: parsed.toString(),
    dialect: "mysql",
    drop: async () => {
      const conn = await mysql.createConnection({
        host: parsed.hostname,
        port: Number(parsed.port || 3306),
        user: decodeURIComponent(parsed.username),
        password: decodeURIComponent(parsed.password),
      });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}
