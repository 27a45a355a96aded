import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listStored, removeStored, storedTable } from '@nlbd/cli';
import { ValidationError } from '@nlbd/core';
import { GCounter, ORSet } from '@nlbd/crdts';
import { openDocument, SqliteStorage } from '@nlbd/store';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'nlbd-store-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `nlbd ...args` from source in a child process, to its exit. */
function nlbd(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', bin, ...args], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.test.json' },
    encoding: 'utf8',
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

/** A SQLite file holding an OR-Set of three deltas and a compacted G-Counter. */
async function fixtureFile(name: string): Promise<string> {
  const file = join(dir, name);
  const storage = new SqliteStorage(file);
  const groceries = await openDocument(storage, 'groceries', ORSet);
  for (const item of ['milk', 'eggs', 'bread'])
    await groceries.persist(ORSet.add(groceries.state, 'ann', item));
  const views = await openDocument(storage, 'views', GCounter);
  await views.persist(GCounter.increment(views.state, 'bob', 7));
  await views.compact();
  await storage.close();
  return file;
}

describe('nlbd store', () => {
  it('lists every document with its type and size, as a table or JSON', async () => {
    const file = await fixtureFile('list.db');
    const rows = await listStored(file);
    const storage = new SqliteStorage(file);
    expect(rows).toEqual([
      { name: 'groceries', type: ORSet.type, ...(await storage.usage('groceries')) },
      { name: 'views', type: GCounter.type, ...(await storage.usage('views')) },
    ]);
    await storage.close();
    expect(rows[0]).toMatchObject({ snapshotBytes: 0, deltas: 3, lastSeq: 3 });
    expect(rows[0]?.deltaBytes).toBeGreaterThan(0);
    expect(rows[1]).toMatchObject({ deltas: 0, deltaBytes: 0, lastSeq: 1 });
    expect(rows[1]?.snapshotBytes).toBeGreaterThan(0);

    const table = storedTable(rows).split('\n');
    expect(table).toHaveLength(3);
    expect(table[0]).toMatch(/^document\s+type\s+snapshot B\s+deltas\s+delta B\s+last seq$/);
    expect(table[1]?.split(/\s+/)).toEqual([
      'groceries',
      ORSet.type,
      '0',
      '3',
      String(rows[0]?.deltaBytes),
      '3',
    ]);
    // Numbers are flush right: every line ends at the same column.
    expect(new Set(table.map((l) => l.length)).size).toBe(1);

    const shown = nlbd('store', 'list', file);
    expect(shown.code).toBe(0);
    expect(shown.out.trimEnd()).toBe(storedTable(rows));
    const json = nlbd('store', 'list', '--json', file);
    expect(JSON.parse(json.out)).toEqual(rows);
  });

  it('deletes documents, says which held nothing (exit 1), and leaves the others', async () => {
    const file = await fixtureFile('delete.db');
    const run = nlbd('store', 'delete', file, 'groceries', 'nothing-here');
    expect(run.out).toBe("removed 'groceries'\n");
    expect(run.err).toBe("nlbd store: nothing stored under 'nothing-here'\n");
    expect(run.code).toBe(1);
    expect((await listStored(file)).map((r) => r.name)).toEqual(['views']);
    expect(nlbd('store', 'list', file).out).not.toContain('groceries');
    expect(await removeStored(file, ['views'])).toEqual(new Map([['views', true]]));
    expect(nlbd('store', 'list', file).out).toBe('no documents stored\n');
  });

  it('refuses a file that does not exist (creating none) and bad names (removing nothing)', async () => {
    const missing = join(dir, 'missing.db');
    const run = nlbd('store', 'list', missing);
    expect(run.code).toBe(1);
    expect(run.err).toContain(`no such file: ${missing}`);
    expect(existsSync(missing)).toBe(false);
    await expect(listStored(missing)).rejects.toThrow(ValidationError);

    const file = await fixtureFile('names.db');
    await expect(removeStored(file, ['groceries', ''])).rejects.toThrow(ValidationError);
    const bad = nlbd('store', 'delete', file, 'views', 'tab\there');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('docs[1]');
    expect((await listStored(file)).map((r) => r.name)).toEqual(['groceries', 'views']);
  });
});
