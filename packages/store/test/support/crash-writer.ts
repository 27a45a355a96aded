/**
 * The process the crash test kills: appends to an OR-Set document in a SQLite file forever,
 * printing one line per append after it returned, `<seq> <element>`, and `compact` / `compacted`
 * around an explicit compaction every `every` appends. It prints `ready` once open.
 *
 * Usage: node --import tsx crash-writer.ts <file> <run> <full|normal> <every>
 */
import { writeSync } from 'node:fs';
import { ORSet } from '@nlbd/crdts';
import { openDocument, SqliteStorage } from '@nlbd/store';

const [path, run, synchronous, every] = process.argv.slice(2);
if (path === undefined || run === undefined || (synchronous !== 'full' && synchronous !== 'normal')) {
  throw new Error('usage: crash-writer.ts <file> <run> <full|normal> <every>');
}
const compactEvery = Number(every);

const say = (line: string) => writeSync(1, `${line}\n`);

const storage = new SqliteStorage(path, { synchronous });
const doc = await openDocument(storage, 'doc', ORSet, { compactEvery: Number.POSITIVE_INFINITY });
say('ready');
// Long elements make the snapshot grow fast, so compactions take long enough to be hit.
const padding = 'x'.repeat(200);
for (let i = 1; ; i++) {
  const element = `${run}:${i}:${padding}`;
  const seq = await doc.persist(ORSet.add(doc.state, 'writer', element));
  say(`${seq} ${element}`);
  if (i % compactEvery === 0) {
    say('compact');
    await doc.compact();
    say('compacted');
  }
}
