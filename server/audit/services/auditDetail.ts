/**
 * The values `record` had for the fields a patch sets: written beside the
 * patch (`detail: {before, changes}`) so the audit log shows each change as
 * before → after. Read before the update, inside its transaction.
 */
export function valuesBefore<T extends object>(record: T, patch: Partial<T>): Partial<T> {
  const before: Partial<T> = {};
  for (const key of Object.keys(patch)) {
    if (key in record) {
      const field = key as keyof T;
      before[field] = record[field];
    }
  }
  return before;
}
