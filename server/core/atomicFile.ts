import { rename, writeFile } from "node:fs/promises";

/**
 * Writes a file whole or not at all: the data goes to a temporary file of this
 * process beside it, which is then renamed over `path`, so that readers (other
 * processes, other instances) see the old file or the new one, never part of one.
 */
export async function writeFileAtomically(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, data, options);
  await rename(temporary, path);
}
