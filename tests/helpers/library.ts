import { join } from "node:path";
import { Readable } from "node:stream";
import type { RunningServer } from "../../server/server.js";
import { readBookFile } from "../../server/library/services/bookFiles.js";
import {
  catalogueTransaction,
  createTitle,
  TitleFieldsSchema,
  type TitleInput,
} from "../../server/library/services/titles.js";
import type { LibraryTitle } from "../../server/library/models/index.js";

/** The real books: ../shared/corpus/books. */
export const CORPUS_BOOKS = join(import.meta.dirname, "../../../shared/corpus/books");

/**
 * Adds a book of the corpus to the catalogue through the catalogue's own
 * service, as an upload would (text, page count and a cover read from the
 * PDF), and waits until the search index has it. `fields` win over what the
 * PDF says; e.g. addBook(server, "001《史記》卷一.pdf", { title: "史記 卷一", classCode: "K204.2", copies: 1 }).
 */
export async function addBook(
  server: Pick<RunningServer, "blobs" | "drainSearch">,
  file: string,
  fields: Partial<TitleInput> = {},
): Promise<LibraryTitle> {
  const path = join(CORPUS_BOOKS, file);
  const book = await readBookFile(path, file);
  const { sha256, size } = await server.blobs.put(path);
  const cover = book.cover ? await server.blobs.put(Readable.from([book.cover])) : null;
  const parsed = TitleFieldsSchema.parse({
    title: book.metadata.title ?? file,
    authors: book.metadata.authors ?? [],
    licenceModel: "copies",
    ...fields,
  });
  const { title } = await catalogueTransaction((t) =>
    createTitle(
      {
        fields: parsed,
        files: [
          { sha256, size, mediaType: book.mediaType, pageCount: book.pageCount, fileName: file, text: book.text },
        ],
        coverSha256: cover?.sha256 ?? null,
      },
      t,
    ),
  );
  await server.drainSearch();
  return title;
}
