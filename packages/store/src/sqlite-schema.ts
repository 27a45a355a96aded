import type { Database } from 'better-sqlite3';
import { IntegrityError, SchemaVersionError } from './errors.js';

/**
 * The schema version {@link SqliteStorage} writes. Opening a database of an older version
 * migrates it (in one transaction); a newer one is refused with a {@link SchemaVersionError}.
 */
export const SQLITE_SCHEMA_VERSION = 1;

/**
 * `MIGRATIONS[v]` takes a database from schema version `v` to `v + 1` (version 0 is a database
 * without nlbd tables). Released entries never change; a new layout appends one.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE nlbd_schema (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     version INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE nlbd_documents (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     last_seq INTEGER NOT NULL CHECK (last_seq >= 0),
     snapshot BLOB,
     snapshot_crc INTEGER,
     snapshot_seq INTEGER NOT NULL DEFAULT 0 CHECK (snapshot_seq BETWEEN 0 AND last_seq)
   ) STRICT;
   CREATE TABLE nlbd_deltas (
     doc INTEGER NOT NULL REFERENCES nlbd_documents (id),
     seq INTEGER NOT NULL CHECK (seq > 0),
     bytes BLOB NOT NULL,
     crc INTEGER NOT NULL,
     PRIMARY KEY (doc, seq)
   ) STRICT, WITHOUT ROWID;
   INSERT INTO nlbd_schema (id, version) VALUES (1, 0);`,
];

/** The schema version of `db`: 0 without nlbd tables. */
function versionOf(db: Database): number {
  const table = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'nlbd_schema'`).get();
  if (table === undefined) return 0;
  const row = db.prepare('SELECT version FROM nlbd_schema WHERE id = 1').get() as
    | { version: unknown }
    | undefined;
  if (row === undefined || !Number.isSafeInteger(row.version) || (row.version as number) < 0) {
    throw new IntegrityError('the nlbd_schema table holds no valid version');
  }
  return row.version as number;
}

/**
 * Brings `db` to {@link SQLITE_SCHEMA_VERSION}, or throws a {@link SchemaVersionError} for a
 * newer one without writing. The check runs first without a write lock, so opening an
 * up-to-date database never waits for another writer.
 */
export function migrate(db: Database): void {
  const refuseNewer = (version: number): number => {
    if (version > SQLITE_SCHEMA_VERSION) throw new SchemaVersionError(version, SQLITE_SCHEMA_VERSION);
    return version;
  };
  if (refuseNewer(versionOf(db)) === SQLITE_SCHEMA_VERSION) return;
  db.transaction(() => {
    // Another process may have migrated between the check and the lock: read again.
    for (let v = refuseNewer(versionOf(db)); v < SQLITE_SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v] as string);
    }
    db.prepare('UPDATE nlbd_schema SET version = ? WHERE id = 1').run(SQLITE_SCHEMA_VERSION);
  }).immediate();
}

/** How thoroughly {@link SqliteStorage} checks a database when it opens it. */
export type ConsistencyCheck = 'quick' | 'full' | 'none';

/**
 * Throws an {@link IntegrityError} unless `db` passes SQLite's `quick_check` (or the slower
 * `integrity_check` for `'full'`), has no delta without its document, and every delta's
 * sequence number lies after its document's snapshot and within its last sequence number.
 */
export function checkConsistency(db: Database, level: ConsistencyCheck): void {
  if (level === 'none') return;
  const pragma = level === 'full' ? 'integrity_check' : 'quick_check';
  const problems = (db.pragma(pragma) as Record<string, string>[]).map((row) => Object.values(row)[0]);
  if (problems.length !== 1 || problems[0] !== 'ok') {
    throw new IntegrityError(`${pragma} failed: ${problems.slice(0, 5).join('; ')}`);
  }
  if ((db.pragma('foreign_key_check(nlbd_deltas)') as unknown[]).length > 0) {
    throw new IntegrityError('nlbd_deltas holds deltas of documents that do not exist');
  }
  const misplaced = db
    .prepare(
      `SELECT m.name AS name, d.seq AS seq FROM nlbd_deltas d JOIN nlbd_documents m ON m.id = d.doc
       WHERE d.seq <= m.snapshot_seq OR d.seq > m.last_seq LIMIT 1`,
    )
    .get() as { name: string; seq: number } | undefined;
  if (misplaced !== undefined) {
    throw new IntegrityError(
      `document '${misplaced.name}' holds delta seq ${misplaced.seq} outside its snapshot..last range`,
    );
  }
}
