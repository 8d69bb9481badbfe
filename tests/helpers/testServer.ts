import { rmSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "../../server/env.js";
import { databaseId } from "../../server/audit/services/auditAnchor.js";
import { searchConfig, startServer, type RunningServer } from "../../server/server.js";
import { embeddedSearchFile } from "../../server/search/index.js";
import type { DemoAccount } from "../../server/org/services/demoOrganisation.js";
import { ApiClient } from "./apiClient.js";
import { createTestDatabase, type TestDatabase } from "./testDatabase.js";

export const STRONG_PASSWORD = "Yong#Office2026";

export interface TestServer extends RunningServer {
  db: TestDatabase;
  account(username: string): DemoAccount;
  /** A client signed in as a demo account whose initial password was already changed. */
  signIn(username: string): Promise<ApiClient>;
  /** Any account, printed or not: the system administrator issues it a password first (once). */
  signInAs(username: string): Promise<ApiClient>;
  /** Creates a user through the API (as sysadmin) and returns a signed-in client for them. */
  newUser(props: {
    username: string;
    unitId?: number;
    departmentId?: number | null;
  }): Promise<{ client: ApiClient; id: number }>;
  /** The security administrator gives a user a built-in role (e.g. "archivist"), for the whole organisation. */
  grantRole(userId: number, roleCode: string): Promise<void>;
  client(): ApiClient;
  stop(): Promise<void>;
}

/** A real server on an ephemeral port over a fresh database seeded with the demo organisation. */
export async function startTestServer(overrides: Record<string, string> = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const env = parseEnv({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: db.url,
    LOG_LEVEL: "silent",
    PASSWORD_HASH_MEMORY_KIB: "1024",
    // Test files sign in hundreds of times from 127.0.0.1; tests of the limits set their own.
    LOGIN_LIMIT_PER_IP: "100000",
    LOGIN_LIMIT_PER_ACCOUNT: "100000",
    SEED_DEMO: "true",
    SERVE_CLIENT: "false",
    // No mail listeners unless a test asks for them ("0": any free port).
    SMTP_PORT: "off",
    SUBMISSION_PORT: "off",
    SMTPS_PORT: "off",
    // CI gives the test stages a real Elasticsearch node: the API tests then search through it too.
    ...(process.env.ELASTICSEARCH_URL ? { ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL } : {}),
    ...overrides,
  });
  const server = await startServer(env);
  const passwords = new Map<string, string>();
  const account = (username: string): DemoAccount => {
    const found = server.demoAccounts.find((a) => a.username === username);
    if (!found) throw new Error(`no demo account ${username}`);
    return found;
  };
  const signInWith = async (username: string, initial: string): Promise<ApiClient> => {
    const client = new ApiClient(server.url);
    const known = passwords.get(username);
    const res = await client.post("/api/auth/login", { username, password: known ?? initial });
    if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${res.text}`);
    if (res.body.mustChangePassword) {
      const change = await client.post("/api/auth/password", {
        currentPassword: initial,
        newPassword: STRONG_PASSWORD,
      });
      if (change.status !== 204) throw new Error(`password change failed: ${change.text}`);
      passwords.set(username, STRONG_PASSWORD);
    }
    return client;
  };
  const signIn = (username: string) => signInWith(username, account(username).password);
  const signInAs = async (username: string): Promise<ApiClient> => {
    if (server.demoAccounts.some((a) => a.username === username)) return signIn(username);
    // Its password was issued and changed before: signInWith uses the changed one.
    if (passwords.has(username)) return signInWith(username, "");
    const admin = await signIn("sysadmin");
    const found = await admin.get(`/api/org/users?q=${encodeURIComponent(username)}`);
    const user = found.body.items.find((u: { username: string }) => u.username === username);
    if (!user) throw new Error(`no account ${username}`);
    const reset = await admin.post(`/api/org/users/${user.id}/reset-password`);
    if (reset.status !== 200) throw new Error(`reset ${username}: ${reset.text}`);
    return signInWith(username, reset.body.initialPassword);
  };
  const self: TestServer = {
    ...server,
    db,
    account,
    signIn,
    signInAs,
    client: () => new ApiClient(server.url),
    newUser: async ({ username, unitId, departmentId }) => {
      const admin = await signIn("sysadmin");
      const tree = await admin.get("/api/org/tree");
      const office = tree.body.units[0].children[0];
      const created = await admin.post("/api/org/users", {
        username,
        displayName: "测试用户",
        unitId: unitId ?? office.id,
        departmentId: departmentId === undefined ? office.departments[0].id : departmentId,
      });
      if (created.status !== 201) throw new Error(`create ${username}: ${created.text}`);
      return { client: await signInWith(username, created.body.initialPassword), id: created.body.user.id };
    },
    grantRole: async (userId, roleCode) => {
      const secadmin = await signIn("secadmin");
      const roles = await secadmin.get("/api/org/roles");
      const role = roles.body.items.find((r: { code: string }) => r.code === roleCode);
      if (!role) throw new Error(`no role ${roleCode}`);
      const granted = await secadmin.post(`/api/org/users/${userId}/roles`, { roleId: role.id, unitId: null });
      if (granted.status !== 200) throw new Error(`grant ${roleCode}: ${granted.text}`);
    },
    stop: async () => {
      await server.close();
      await db.drop();
      // The audit checkpoints of this throwaway database (server/audit/services/auditAnchor.ts).
      const checkpoints = join(env.AUDIT_CHECKPOINT_DIR ?? join(env.DATA_DIR, "audit-checkpoints"), databaseId(db.url));
      rmSync(checkpoints, { recursive: true, force: true });
      for (const suffix of ["", "-wal", "-shm"])
        rmSync(`${embeddedSearchFile(searchConfig(env))}${suffix}`, { force: true });
    },
  };
  return self;
}
