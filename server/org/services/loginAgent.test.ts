import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type * as Passwords from "./passwords.js";
import type { Sequelize } from "sequelize";
import { parseEnv } from "../../env.js";
import { createLogger } from "../../core/logger.js";
import { prepareDatabase } from "../../server.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { Unit, User } from "../models/index.js";
import type { SecurityPolicy } from "./settings.js";

/**
 * Hashing is replaced by a gate the test opens: every verification stays "in
 * flight" until released, so the test decides the interleaving. Each call is
 * recorded with the hash it was checked against.
 */
const gate = vi.hoisted(() => {
  const calls: { password: string; stored: string; release: () => void }[] = [];
  return { calls, hold: true };
});
vi.mock("./passwords.js", async (importOriginal) => {
  const real = await importOriginal<typeof Passwords>();
  return {
    ...real,
    hashPassword: async (password: string) =>
      `$argon2id$v=19$m=1024,t=2,p=1$c2FsdA$${Buffer.from(password).toString("base64").replace(/=+$/, "")}`,
    verifyPassword: (password: string, stored: string) =>
      new Promise<boolean>((resolve) => {
        const result =
          real.isPasswordHash(stored) &&
          stored.endsWith(`$${Buffer.from(password).toString("base64").replace(/=+$/, "")}`);
        const call = { password, stored, release: () => resolve(result) };
        gate.calls.push(call);
        if (!gate.hold) call.release();
      }),
  };
});

const { attemptLogin, dummyHash } = await import("./loginAgent.js");

const POLICY: SecurityPolicy = {
  minPasswordLength: 8,
  lockoutThreshold: 5,
  lockoutMinutes: 15,
  idleTimeoutMinutes: 30,
  sessionMaxHours: 12,
};
const RIGHT = "Right#Pass1";
const stored = (password: string) =>
  `$argon2id$v=19$m=1024,t=2,p=1$c2FsdA$${Buffer.from(password).toString("base64").replace(/=+$/, "")}`;

let db: TestDatabase;
let sequelize: Sequelize;
let unitId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(
    parseEnv({ DATABASE_URL: db.url, LOG_LEVEL: "silent", SEED_DEMO: "false" }),
    createLogger("silent"),
  );
  const unit = await Unit.create({
    parentId: null,
    path: "/",
    code: "U1",
    name: "单位",
    shortName: null,
    kind: "government",
  });
  unitId = unit.id;
});
afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});
beforeEach(() => {
  gate.calls.length = 0;
  gate.hold = true;
});

let seq = 0;
async function newAccount(passwordHash = stored(RIGHT)): Promise<User> {
  seq += 1;
  return User.create({
    username: `agent${seq}`,
    displayName: "测试",
    email: null,
    phone: null,
    unitId,
    departmentId: null,
    positionId: null,
    passwordHash,
    mustChangePassword: false,
    passwordChangedAt: null,
    lockedUntil: null,
    totpSecret: null,
    recoveryCodes: null,
    lastLoginAt: null,
  });
}

/** Waits until `n` verifications are in flight (or the attempts settled). */
async function inFlight(n: number, settled: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && gate.calls.length < n && !settled(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe("attemptLogin under parallel attempts", () => {
  it("lets at most `lockoutThreshold` checks of the real password start, whatever the interleaving", async () => {
    const user = await newAccount();
    let done = 0;
    const attempts = Array.from({ length: 30 }, (_, i) =>
      attemptLogin(sequelize, { username: user.username, password: i === 24 ? RIGHT : `Wrong#${i}` }, POLICY, 10).then(
        (r) => {
          done += 1;
          return r;
        },
      ),
    );
    // Hold every real verification open until all 30 attempts have claimed or been refused.
    await inFlight(30, () => done === 30);
    const real = () => gate.calls.filter((c) => c.stored === user.passwordHash);
    expect(real().length).toBeLessThanOrEqual(POLICY.lockoutThreshold);
    gate.hold = false;
    for (const call of gate.calls) call.release();
    const results = await Promise.all(attempts);
    expect(real().length).toBe(POLICY.lockoutThreshold);
    const refused = results.filter((r) => !r.ok && r.reason === "account_locked");
    expect(refused.length).toBe(30 - POLICY.lockoutThreshold);
    // The right password (position 25) did not get in after the budget was spent.
    const right = results[24];
    if (right?.ok) expect(real().some((c) => c.password === RIGHT)).toBe(true);
    else expect(right?.ok).toBe(false);
    expect(results.filter((r) => r.ok).length).toBeLessThanOrEqual(1);
    const after = await User.findByPk(user.id);
    if (!results.some((r) => r.ok)) expect(after?.lockedUntil?.getTime()).toBeGreaterThan(Date.now());
  });

  it("refuses the right password while locked and never checks it", async () => {
    const user = await newAccount();
    await User.update({ lockedUntil: new Date(Date.now() + 60_000), failedLogins: 5 }, { where: { id: user.id } });
    gate.hold = false;
    const result = await attemptLogin(sequelize, { username: user.username, password: RIGHT }, POLICY, 10);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe("account_locked");
    expect(!result.ok && result.error.code).toBe("invalid_credentials");
    expect(gate.calls.some((c) => c.stored === user.passwordHash)).toBe(false);
  });

  it("starts a fresh budget once the lockout has run out", async () => {
    const user = await newAccount();
    await User.update({ lockedUntil: new Date(Date.now() - 1000), failedLogins: 5 }, { where: { id: user.id } });
    gate.hold = false;
    const result = await attemptLogin(sequelize, { username: user.username, password: RIGHT }, POLICY, 10);
    expect(result.ok).toBe(true);
    const after = await User.findByPk(user.id);
    expect(after?.failedLogins).toBe(0);
    expect(after?.lockedUntil).toBeNull();
  });
});

describe("attemptLogin does not tell accounts apart", () => {
  it("runs one hash check for an unknown user, against the dummy hash at the configured cost", async () => {
    gate.hold = false;
    const result = await attemptLogin(sequelize, { username: "no-such-user", password: "Whatever#1" }, POLICY, 10);
    expect(!result.ok && result.error.code).toBe("invalid_credentials");
    expect(gate.calls).toHaveLength(1);
    expect(gate.calls[0]?.stored).toBe(await dummyHash(10));
  });

  it("runs one hash check for an account without a password and for a locked account", async () => {
    gate.hold = false;
    const none = await newAccount("!");
    await attemptLogin(sequelize, { username: none.username, password: "Whatever#1" }, POLICY, 10);
    const locked = await newAccount();
    await User.update({ lockedUntil: new Date(Date.now() + 60_000) }, { where: { id: locked.id } });
    await attemptLogin(sequelize, { username: locked.username, password: "Whatever#1" }, POLICY, 10);
    expect(gate.calls.map((c) => c.stored)).toEqual([await dummyHash(10), await dummyHash(10)]);
  });

  it("gives an unknown user, a wrong password, a locked and a disabled account the same error", async () => {
    gate.hold = false;
    const known = await newAccount();
    const locked = await newAccount();
    await User.update({ lockedUntil: new Date(Date.now() + 60_000) }, { where: { id: locked.id } });
    const disabled = await newAccount();
    await User.update({ disabled: true }, { where: { id: disabled.id } });
    const errors = [];
    for (const username of ["nobody", known.username, locked.username, disabled.username]) {
      const r = await attemptLogin(sequelize, { username, password: "Wrong#Pass1" }, POLICY, 10);
      if (r.ok) throw new Error("wrong password accepted");
      errors.push({ status: r.error.status, code: r.error.code, message: r.error.message, details: r.error.details });
    }
    expect(new Set(errors.map((e) => JSON.stringify(e))).size).toBe(1);
    // Only the right password names a disabled account.
    const right = await attemptLogin(sequelize, { username: disabled.username, password: RIGHT }, POLICY, 10);
    expect(!right.ok && right.error.code).toBe("account_disabled");
  });
});
