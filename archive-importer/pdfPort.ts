/** pdf.js's own code for a message that carries one chunk of a stream (StreamKind.ENQUEUE). */
const STREAM_CHUNK = 4;

/** A chunk of a page's text as the worker half sends it: fresh items, in a chunk object it then reuses. */
function isTextChunk(data: unknown): data is { chunk: { items: unknown[] } } {
  if (typeof data !== "object" || data === null) return false;
  const message = data as { stream?: unknown; chunk?: { items?: unknown } };
  return message.stream === STREAM_CHUNK && Array.isArray(message.chunk?.items);
}

/**
 * The port between pdf.js's two halves when both run in one thread (the PDF
 * reader process, pdfWorker.ts). pdf.js's own
 * loopback port structured-clones every message, and a page's text comes in
 * chunks of ten items: cloning them took 4–5% of a reader's CPU. This port
 * clones every other message, and copies a text chunk shallowly: the worker
 * half makes new items for each chunk and, after sending one, gives the chunk
 * object new arrays rather than changing the old ones (so the chunk object is
 * copied, the items are not). The text of every PDF of the corpus is
 * byte-identical either way. A message of any other shape is cloned.
 */
export class SameThreadPort {
  readonly #listeners = new Set<(event: { data: unknown }) => void>();

  postMessage(data: unknown, transfer?: NonNullable<Parameters<typeof structuredClone>[1]>["transfer"]): void {
    const copy = isTextChunk(data)
      ? { ...data, chunk: { ...data.chunk } }
      : structuredClone(data, transfer ? { transfer } : undefined);
    queueMicrotask(() => {
      for (const listener of this.#listeners) listener.call(this, { data: copy });
    });
  }

  addEventListener(_type: "message", listener: (event: { data: unknown }) => void): void {
    this.#listeners.add(listener);
  }

  removeEventListener(_type: "message", listener: (event: { data: unknown }) => void): void {
    this.#listeners.delete(listener);
  }

  terminate(): void {
    this.#listeners.clear();
  }
}
