import { readFileSync } from "node:fs";
import { fileURLToPath, URL } from "node:url";
import type { Sequelize } from "sequelize";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import { parseEnv } from "../../env.js";
import { prepareDatabase } from "../../server.js";
import { createTestDatabase, type TestDatabase } from "../../../tests/helpers/testDatabase.js";
import { User } from "../../org/models/index.js";
import { NO_PASSWORD } from "../../org/services/passwords.js";
import { createUnit } from "../../org/services/units.js";
import { newUserRow } from "../../org/services/users.js";
import { Notification } from "../models/index.js";
import { notify, registerNotificationChannel, type SentNotification } from "./notifier.js";
import { pruneNotifications } from "./notificationPruner.js";
import { listNotifications, markAllRead, unreadSummary } from "./notifications.js";

/** Real titles: the laws of the corpus (../shared/corpus/laws/metadata.json), the longest first. */
const LAWS_DIR = fileURLToPath(new URL("../../../../shared/corpus/laws", import.meta.url));
const laws = (JSON.parse(readFileSync(`${LAWS_DIR}/metadata.json`, "utf8")) as { name: string; folder: string }[])
  .map((law) => law.name)
  .sort((a, b) => b.length - a.length);
/** A whole law's text: far longer than any message shows. */
const lawText = readFileSync(`${LAWS_DIR}/行政法/义务教育法(2018-12-29).md`, "utf8");

let db: TestDatabase;
let sequelize: Sequelize;
let drafter: User;
let reviewer: User;
let leader: User;

beforeAll(async () => {
  db = await createTestDatabase();
  sequelize = await prepareDatabase(parseEnv({ DATABASE_URL: db.url }), createLogger("silent"));
  const unit = await sequelize.transaction((t) =>
    createUnit({ name: "南宁市教育局", code: "n.edu", kind: "bureau", parent: null }, t),
  );
  const users = await User.bulkCreate(
    [
      ["n.drafter", "韦小红"],
      ["n.reviewer", "黄志强"],
      ["n.leader", "覃建国"],
    ].map(([username, displayName]) =>
      newUserRow({ username: username!, displayName: displayName!, unitId: unit.id, passwordHash: NO_PASSWORD }),
    ),
  );
  [drafter, reviewer, leader] = [users[0]!, users[1]!, users[2]!];
});

afterAll(async () => {
  await sequelize?.close();
  await db?.drop();
});

beforeEach(async () => {
  await Notification.destroy({ where: {} });
});

const title = laws[laws.length - 1]!;

describe("notify", () => {
  it("validates the kind, its params and the link, and writes nothing when they do not fit", async () => {
    const attempts = [
      // A kind the client has no message for.
      { kind: "oa.task.vanished", params: { documentTitle: title }, link: null },
      // A value the message needs is missing.
      { kind: "oa.task.assigned", params: { documentTitle: title }, link: null },
      // A key the kind does not know (a secret someone meant to pass along, a typo).
      { kind: "oa.task.assigned", params: { documentTitle: title, nodeName: "核稿", password: "x" }, link: null },
      // Wrong types.
      { kind: "archive.import.finished", params: { created: "12", failed: 0 }, link: null },
      { kind: "oa.task.remind", params: { documentTitle: title, nodeName: "核稿", dueAt: "tomorrow" }, link: null },
      // Links that leave the application.
      { kind: "oa.document.finished", params: { documentTitle: title }, link: "https://evil.example/" },
      { kind: "oa.document.finished", params: { documentTitle: title }, link: "//evil.example/oa" },
      { kind: "oa.document.finished", params: { documentTitle: title }, link: "/\\evil.example" },
      { kind: "oa.document.finished", params: { documentTitle: title }, link: "javascript:alert(1)" },
      { kind: "oa.document.finished", params: { documentTitle: title }, link: `/oa/${"x".repeat(260)}` },
    ];
    for (const attempt of attempts) {
      await expect(
        sequelize.transaction((t) =>
          // Deliberately outside the catalogue's types: what a careless caller could send from untyped code.
          notify({ recipients: [reviewer.id], ...attempt } as unknown as Parameters<typeof notify>[0], t),
        ),
        JSON.stringify(attempt),
      ).rejects.toThrow(/notify/);
    }
    // A recipient that is not a user id at all.
    await expect(
      sequelize.transaction((t) =>
        notify(
          { recipients: [Number.NaN], kind: "oa.document.finished", params: { documentTitle: title }, link: null },
          t,
        ),
      ),
    ).rejects.toThrow(/recipient/);
    expect(await Notification.count()).toBe(0);
  });

  it("sends once to each recipient and never to the actor, with the params as the client will read them", async () => {
    const longest = laws[0]!;
    const due = new Date("2026-03-02T09:30:00+08:00");
    const sent = await sequelize.transaction((t) =>
      notify(
        {
          recipients: [reviewer.id, leader.id, reviewer.id, drafter.id, leader.id],
          kind: "oa.task.urged",
          params: { documentTitle: longest, nodeName: "领导签发", message: lawText, byName: "韦小红" },
          link: "/oa/documents/12",
          actorId: drafter.id,
        },
        t,
      ),
    );
    expect(sent.map((n) => n.userId).sort()).toEqual([reviewer.id, leader.id].sort());
    const rows = await Notification.findAll({ order: [["id", "ASC"]] });
    expect(rows.map((r) => r.userId).sort()).toEqual([reviewer.id, leader.id].sort());
    // The ids channels get are the rows' ids.
    expect(sent.map((n) => n.id).sort()).toEqual(rows.map((r) => r.id).sort());
    const params = JSON.parse(rows[0]!.params) as Record<string, string>;
    expect(params.documentTitle).toBe(longest);
    // A whole law as a 催办 message is clipped to a preview; the document keeps the text.
    expect(params.message).toBe(`${lawText.slice(0, 199)}…`);
    expect(rows[0]).toMatchObject({
      kind: "oa.task.urged",
      link: "/oa/documents/12",
      actorId: drafter.id,
      readAt: null,
    });

    // Moments are stored as UTC ISO strings, whichever form the caller had.
    const [remind] = await sequelize.transaction((t) =>
      notify(
        {
          recipients: [leader.id],
          kind: "oa.task.remind",
          params: { documentTitle: longest, nodeName: "领导签发", dueAt: due },
          link: null,
        },
        t,
      ),
    );
    expect(remind?.params).toEqual({ documentTitle: longest, nodeName: "领导签发", dueAt: "2026-03-02T01:30:00.000Z" });

    // Only the actor: nothing to write.
    const alone = await sequelize.transaction((t) =>
      notify(
        {
          recipients: [drafter.id],
          kind: "oa.document.finished",
          params: { documentTitle: longest },
          link: null,
          actorId: drafter.id,
        },
        t,
      ),
    );
    expect(alone).toEqual([]);
    expect(await Notification.count({ where: { userId: drafter.id } })).toBe(0);
  });

  it("leaves nothing behind when the caller's transaction rolls back, and no channel hears of it", async () => {
    const delivered: SentNotification[][] = [];
    const prepared: number[] = [];
    const unregister = registerNotificationChannel({
      name: "test.rollback",
      withinTransaction: async (notifications) => void prepared.push(notifications.length),
      deliver: async (notifications) => void delivered.push([...notifications]),
      onError: () => undefined,
    });
    try {
      await expect(
        sequelize.transaction(async (t) => {
          await notify(
            {
              recipients: [reviewer.id, leader.id],
              kind: "oa.document.returned",
              params: { documentTitle: title, nodeName: "部门核稿", byName: "黄志强", comment: "请补充依据" },
              link: "/oa/documents/7",
              actorId: drafter.id,
            },
            t,
          );
          // Inside the transaction the rows are there...
          expect(await Notification.count({ transaction: t })).toBe(2);
          throw new Error("the approval failed after notifying");
        }),
      ).rejects.toThrow("the approval failed");
      // ...and gone with it.
      expect(await Notification.count()).toBe(0);
      expect((await unreadSummary(reviewer.id)).unreadCount).toBe(0);
      expect(prepared).toEqual([2]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(delivered).toEqual([]);
    } finally {
      unregister();
    }
  });

  it("hands the committed notifications to a channel after commit, and only then", async () => {
    const events: string[] = [];
    let received: readonly SentNotification[] = [];
    const errors: unknown[] = [];
    const unregister = registerNotificationChannel({
      name: "test.mail",
      withinTransaction: async () => void events.push("within"),
      deliver: async (notifications) => {
        // What the channel is handed is in the table for anyone to read: committed.
        events.push(`deliver:${await Notification.count()}`);
        received = notifications;
      },
      onError: (error) => errors.push(error),
    });
    const failing = registerNotificationChannel({
      name: "test.failing",
      deliver: () => Promise.reject(new Error("smtp down")),
      onError: (error) => errors.push(error),
    });
    try {
      expect(() => registerNotificationChannel({ name: "test.mail", onError: () => undefined })).toThrow(/exists/);
      await sequelize.transaction(async (t) => {
        await notify(
          {
            recipients: [drafter.id, reviewer.id],
            kind: "oa.document.received",
            params: { documentTitle: title, fromUnit: "南宁市人民政府办公室" },
            link: "/oa/documents/3",
          },
          t,
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
        events.push("before commit");
      });
      await expect.poll(() => events.length).toBe(3);
      expect(events).toEqual(["within", "before commit", "deliver:2"]);
      expect(received.map((n) => n.userId).sort()).toEqual([drafter.id, reviewer.id].sort());
      expect(received[0]).toMatchObject({
        kind: "oa.document.received",
        params: { documentTitle: title, fromUnit: "南宁市人民政府办公室" },
        link: "/oa/documents/3",
        actorId: null,
      });
      // A channel that fails after commit reports it; the notifications stay.
      await expect.poll(() => errors.length).toBe(1);
      expect(String(errors[0])).toMatch(/smtp down/);
      expect(await Notification.count()).toBe(2);
    } finally {
      unregister();
      failing();
    }
  });
});

describe("reading and marking", () => {
  it("pages newest first, counts unread, and marks all read only up to what the person saw", async () => {
    for (const name of laws.slice(0, 5)) {
      await sequelize.transaction((t) =>
        notify(
          {
            recipients: [reviewer.id],
            kind: "oa.read.requested",
            params: { documentTitle: name, byName: "覃建国" },
            link: null,
          },
          t,
        ),
      );
    }
    const page = await listNotifications(reviewer.id, { unread: true, page: 1, pageSize: 2 });
    expect(page.total).toBe(5);
    expect(page.rows.map((r) => (JSON.parse(r.params) as { documentTitle: string }).documentTitle)).toEqual([
      laws[4],
      laws[3],
    ]);
    const summary = await unreadSummary(reviewer.id);
    expect(summary).toEqual({ unreadCount: 5, latestId: page.rows[0]!.id });
    const seen = page.rows[1]!.id;
    expect(await sequelize.transaction((t) => markAllRead(reviewer.id, seen, t))).toBe(4);
    expect((await unreadSummary(reviewer.id)).unreadCount).toBe(1);
    expect((await listNotifications(reviewer.id, { unread: false, page: 1, pageSize: 10 })).total).toBe(5);
    expect((await unreadSummary(leader.id)).unreadCount).toBe(0);
  });
});

describe("retention", () => {
  it("removes read notifications 180 days after reading and unread ones after two years, in batches", async () => {
    const now = new Date("2026-06-01T00:00:00Z");
    const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 3600_000);
    const row = (name: string, createdAt: Date, readAt: Date | null) => ({
      userId: reviewer.id,
      kind: "oa.document.finished",
      params: JSON.stringify({ documentTitle: name }),
      link: null,
      actorId: null,
      readAt,
      createdAt,
    });
    const keep = [
      row(laws[0]!, daysAgo(10), daysAgo(5)),
      row(laws[1]!, daysAgo(400), daysAgo(100)), // old, but read only 100 days ago
      row(laws[2]!, daysAgo(700), null), // unread, not yet two years old
    ];
    const expire = [
      row(laws[3]!, daysAgo(200), daysAgo(181)),
      row(laws[4]!, daysAgo(900), daysAgo(800)),
      row(laws[5]!, daysAgo(731), null),
      row(laws[6]!, daysAgo(1000), null),
      row(laws[7]!, daysAgo(365), daysAgo(364)),
    ];
    await Notification.bulkCreate([...keep, ...expire]);
    expect(await pruneNotifications({ now, batchSize: 2 })).toEqual({ read: 3, unread: 2 });
    const left = await Notification.findAll({ order: [["id", "ASC"]] });
    expect(left.map((n) => (JSON.parse(n.params) as { documentTitle: string }).documentTitle)).toEqual(
      keep.map((k) => (JSON.parse(k.params) as { documentTitle: string }).documentTitle),
    );
    expect(await pruneNotifications({ now })).toEqual({ read: 0, unread: 0 });
  });
});
