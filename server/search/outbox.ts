import { insertRows } from "../core/rows.js";
import {
  DataTypes,
  Model,
  Op,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
  type Transaction,
} from "sequelize";
import { bigintNumber } from "../core/columns.js";
import type { Logger } from "pino";
import type { SearchBackend, SearchDocument } from "./types.js";

/**
 * Index changes, written by the module in the same transaction as the change
 * to its records (migration 0008), so the index never silently drifts from the
 * database: whatever committed is in the outbox until a drain has put it into
 * the backend. Draining is idempotent (an upsert twice, a delete of something
 * gone, are harmless), so two app instances draining at once do no harm.
 */
export class SearchOutbox extends Model<InferAttributes<SearchOutbox>, InferCreationAttributes<SearchOutbox>> {
  declare id: CreationOptional<number>;
  declare collection: string;
  declare docId: string;
  declare op: "upsert" | "delete";
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    SearchOutbox.init(
      {
        id: { ...bigintNumber("id"), primaryKey: true, autoIncrement: true },
        collection: { type: DataTypes.STRING(32), allowNull: false },
        docId: { type: DataTypes.STRING(64), allowNull: false },
        op: { type: DataTypes.STRING(8), allowNull: false },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "search_outbox", updatedAt: false },
    );
  }
}

/** Turns record ids of one collection into documents; ids with no record (deleted since) are left out. */
export type DocumentLoader = (ids: string[]) => Promise<SearchDocument[]>;

/** Records that these documents must be (re)indexed or removed, in the caller's transaction. */
export async function enqueueIndexing(
  collection: string,
  ids: readonly (string | number)[],
  op: "upsert" | "delete",
  transaction: Transaction,
): Promise<void> {
  if (ids.length === 0) return;
  // One plain INSERT (core/rows.ts): every record change and every message filed writes here.
  await insertRows(
    SearchOutbox,
    ids.map((id) => ({ collection, docId: String(id), op })),
    transaction,
  );
}

const BATCH = 200;

/**
 * Applies the outbox to the backend in order, a batch at a time, and deletes
 * what it applied. For each document only its latest entry counts: a record
 * upserted then deleted in one batch is removed.
 */
export async function drainOutbox(backend: SearchBackend, loaders: Record<string, DocumentLoader>): Promise<number> {
  let applied = 0;
  for (;;) {
    const entries = await SearchOutbox.findAll({ order: [["id", "ASC"]], limit: BATCH });
    if (entries.length === 0) return applied;
    const latest = new Map<string, SearchOutbox>();
    for (const e of entries) latest.set(`${e.collection}\u0000${e.docId}`, e);
    const byCollection = new Map<string, { upsert: string[]; delete: string[] }>();
    for (const e of latest.values()) {
      const lists = byCollection.get(e.collection) ?? { upsert: [], delete: [] };
      lists[e.op === "delete" ? "delete" : "upsert"].push(e.docId);
      byCollection.set(e.collection, lists);
    }
    for (const [collection, lists] of byCollection) {
      const load = loaders[collection];
      if (!load) throw new Error(`no search document loader for collection ${collection}`);
      const documents = lists.upsert.length ? await load(lists.upsert) : [];
      const found = new Set(documents.map((d) => d.id));
      await backend.upsert(documents);
      await backend.remove(collection, [...lists.delete, ...lists.upsert.filter((id) => !found.has(id))]);
    }
    // Exactly the entries read: one committed later with a lower id (transactions finish out of order) stays.
    await SearchOutbox.destroy({ where: { id: { [Op.in]: entries.map((e) => e.id) } } });
    applied += entries.length;
  }
}

/**
 * Drains the outbox soon after a change and every `intervalMs` (changes made
 * by other instances), one drain at a time. Failures are logged and retried.
 */
export class OutboxDrainer {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly backend: SearchBackend,
    private readonly loaders: Record<string, DocumentLoader>,
    private readonly logger: Logger,
    private readonly intervalMs = 2000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.kick(), this.intervalMs).unref();
  }

  /** Asks for a drain; resolves when the outbox has been drained at least once after the call. */
  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await drainOutbox(this.backend, this.loaders);
        } catch (err) {
          this.logger.error({ err }, "search outbox drain failed; retrying later");
          return;
        }
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
