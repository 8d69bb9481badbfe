import { Op } from "sequelize";
import type { DocumentLoader } from "./outbox.js";
import { SearchOutbox } from "./outbox.js";
import type { SearchBackend } from "./types.js";

/** What a module tells the search about one of its collections, to rebuild it from the database. */
export interface ReindexSource {
  collection: string;
  /** Record ids after `afterId`, ascending, at most `limit`. */
  idsAfter(afterId: number, limit: number): Promise<number[]>;
  load: DocumentLoader;
}

const BATCH = 500;

/**
 * Rebuilds a collection of the index from the database: empties it, then
 * indexes every record in id order, a batch at a time. Outbox entries written
 * before the rebuild started are covered by it and removed; those written
 * while it runs stay, so a change made meanwhile is applied again afterwards.
 */
export async function reindex(
  backend: SearchBackend,
  source: ReindexSource,
  onProgress?: (indexed: number) => void,
): Promise<number> {
  const last = await SearchOutbox.max<number, SearchOutbox>("id", { where: { collection: source.collection } });
  await backend.clear(source.collection);
  let indexed = 0;
  let afterId = 0;
  for (;;) {
    const ids = await source.idsAfter(afterId, BATCH);
    if (ids.length === 0) break;
    await backend.upsert(await source.load(ids.map(String)));
    indexed += ids.length;
    afterId = ids[ids.length - 1] ?? afterId;
    onProgress?.(indexed);
  }
  if (last) await SearchOutbox.destroy({ where: { collection: source.collection, id: { [Op.lte]: Number(last) } } });
  return indexed;
}
