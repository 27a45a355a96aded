import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import {
  IntegrityError,
  SchemaVersionError,
  SQLITE_SCHEMA_VERSION,
  SqliteStorage,
  StorageError,
} from '@nlbd/store';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-dir.js';

const temp = useTempDir('sqlite');

/** Runs `fn` on a raw connection to `path` (what another program, or damage, could do). */
function raw<T>(path: string, fn: (db: Sqlite.Database) => T): T {
  const db = new Sqlite(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** What opening `path` throws. */
function openError(path: string): unknown {
  try {
    new SqliteStorage(path).close();
  } catch (error) {
    return error;
  }
  throw new Error(`opening ${path} did not throw`);
}

/** A database file holding `count` deltas of 200 bytes in document 'doc', closed. */
async function filled(name: string, count: number): Promise<string> {
  const path = temp.file(name);
  const storage = new SqliteStorage(path, { synchronous: 'normal' });
  for (let i = 0; i < count; i++) await storage.append('doc', new Uint8Array(200).fill(i));
  await storage.close();
  return path;
}

describe('SqliteStorage: file layout', () => {
  it('creates the schema at the current version, in WAL mode, beside the application tables', async () => {
    const path = temp.file('layout.db');
    raw(path, (db) => db.exec('CREATE TABLE app_users (id INTEGER PRIMARY KEY, name TEXT)'));
    const storage = new SqliteStorage(path);
    await storage.append('doc', new Uint8Array([1]));
    await storage.close();
    raw(path, (db) => {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT version FROM nlbd_schema').pluck().get()).toBe(SQLITE_SCHEMA_VERSION);
      const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).pluck();
      expect(tables.all()).toEqual(['app_users', 'nlbd_deltas', 'nlbd_documents', 'nlbd_schema']);
    });
    // Reopening an up-to-date file migrates nothing and keeps the data.
    const again = new SqliteStorage(path, { check: 'full' });
    expect((await again.load('doc')).deltas).toHaveLength(1);
    await again.close();
  });

  it('refuses a newer schema version with SchemaVersionError and leaves the file untouched', async () => {
    const path = await filled('newer.db', 3);
    raw(path, (db) => db.prepare('UPDATE nlbd_schema SET version = ?').run(SQLITE_SCHEMA_VERSION + 1));
    const before = readFileSync(path);
    const error = openError(path);
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect(error).toMatchObject({ code: 'schema-version', found: 2, supported: 1 });
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a schema table without a valid version', async () => {
    const path = await filled('no-version.db', 1);
    raw(path, (db) => db.exec('DELETE FROM nlbd_schema'));
    expect(() => new SqliteStorage(path)).toThrow(IntegrityError);
  });
});

describe('SqliteStorage: consistency check on open', () => {
  it('refuses a file that is not a SQLite database', () => {
    const path = temp.file('text.db');
    writeFileSync(path, 'these are notes, not a database; '.repeat(100));
    expect(() => new SqliteStorage(path)).toThrow(IntegrityError);
  });

  it('refuses a file whose pages were overwritten', async () => {
    const path = await filled('damaged.db', 200); // about 10 pages of 4 KiB
    const fd = openSync(path, 'r+');
    writeSync(fd, new Uint8Array(4096).fill(0x5a), 0, 4096, 3 * 4096); // page 4: a b-tree page
    closeSync(fd);
    const error = openError(path);
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/quick_check|damaged/);
  });

  it('refuses a log whose deltas lie outside their document’s range (unless told not to check)', async () => {
    const path = await filled('misplaced.db', 2);
    raw(path, (db) => db.exec("INSERT INTO nlbd_deltas (doc, seq, bytes, crc) VALUES (1, 7, X'01', 0)"));
    expect(() => new SqliteStorage(path)).toThrow(/document 'doc' holds delta seq 7/);
    const unchecked = new SqliteStorage(path, { check: 'none' });
    await unchecked.close();
  });
});
