import { existsSync } from 'node:fs';
import { inspect } from '@nlbd/codec';
import { ValidationError } from '@nlbd/core';
import { assertDocumentName, type DocumentUsage, SqliteStorage } from '@nlbd/store';

/** One stored document as `nlbd store list` shows it: its name, CRDT type and size. */
export interface StoredDocumentRow extends DocumentUsage {
  readonly name: string;
  /** The CRDT type tag in its first record's envelope; `'?'` if that does not read. */
  readonly type: string;
}

/**
 * Runs `fn` on the nlbd SQLite file `db`, which must exist (a mistyped path must not create an
 * empty database), and closes it after.
 */
async function withStorage<T>(db: string, fn: (storage: SqliteStorage) => Promise<T>): Promise<T> {
  if (typeof db !== 'string' || !existsSync(db))
    throw new ValidationError(`no such file: ${String(db)}`, 'db');
  const storage = new SqliteStorage(db);
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

/** The type tag of a stored document, from the envelope of its snapshot or first delta. */
async function typeOf(storage: SqliteStorage, doc: string): Promise<string> {
  try {
    const { snapshot, deltas } = await storage.load(doc);
    const first = snapshot ?? deltas[0]?.bytes;
    return first === undefined ? '?' : inspect(first).tag;
  } catch {
    return '?'; // a record that does not verify or read: listed anyway
  }
}

/** Every document stored in the SQLite file `db`, by name, with its type and size. */
export function listStored(db: string): Promise<StoredDocumentRow[]> {
  return withStorage(db, async (storage) => {
    const rows: StoredDocumentRow[] = [];
    for (const name of await storage.documents()) {
      const usage = await storage.usage(name);
      if (usage !== undefined) rows.push({ name, type: await typeOf(storage, name), ...usage });
    }
    return rows;
  });
}

/**
 * Removes documents `docs` from the SQLite file `db` (`StorageAdapter.remove`); says, for each,
 * whether it held anything. Run it with no server on the file: a server that has the document
 * loaded would store it again (a running server deletes with `SyncServer.deleteDocument`).
 */
export async function removeStored(db: string, docs: readonly string[]): Promise<Map<string, boolean>> {
  // Every name is checked before any document is removed.
  docs.forEach((doc, i) => {
    assertDocumentName(doc, `docs[${i}]`);
  });
  return withStorage(db, async (storage) => {
    const removed = new Map<string, boolean>();
    for (const doc of docs) removed.set(doc, await storage.remove(doc));
    return removed;
  });
}

/** `rows` as an aligned text table, one document a line under a header. */
export function storedTable(rows: readonly StoredDocumentRow[]): string {
  const header = ['document', 'type', 'snapshot B', 'deltas', 'delta B', 'last seq'];
  const cells = rows.map((r) => [
    r.name,
    r.type,
    String(r.snapshotBytes),
    String(r.deltas),
    String(r.deltaBytes),
    String(r.lastSeq),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  // Names and types flush left, numbers flush right.
  const line = (c: readonly string[]) =>
    c.map((x, i) => (i < 2 ? x.padEnd(widths[i] as number) : x.padStart(widths[i] as number))).join('  ');
  return [line(header), ...cells.map(line)].map((l) => l.trimEnd()).join('\n');
}
