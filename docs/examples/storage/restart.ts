import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ORSet } from '@nlbd/crdts';
import { openDocument, SqliteStorage } from '@nlbd/store';

const dir = mkdtempSync(join(tmpdir(), 'nlbd-example-'));
const file = join(dir, 'replica.db');

// First run: each persist resolves once its delta is committed to the file.
const storage = new SqliteStorage(file);
const list = await openDocument(storage, 'groceries', ORSet, { compactEvery: 2 });
await list.persist(ORSet.add(list.state, 'alice', 'milk'));
await list.persist(ORSet.add(list.state, 'alice', 'eggs')); // the 2nd delta: compacted into a snapshot
await list.persist(ORSet.remove(list.state, 'milk'));
await storage.close();

// After a restart, or a crash: the snapshot joined with the one delta after it.
const again = new SqliteStorage(file);
const restored = await openDocument(again, 'groceries', ORSet);
export const items = [...restored.value]; // ['eggs']
export const same = ORSet.equals(restored.state, list.state); // true
export const log = (await again.load('groceries')).deltas.map((d) => d.seq); // [3]
await again.close();
rmSync(dir, { recursive: true });
