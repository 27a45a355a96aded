import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ORSet } from '@nlbd/crdts';
import { openDocument, SqliteStorage } from '@nlbd/store';
import Sqlite from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-dir.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const writer = fileURLToPath(new URL('./support/crash-writer.ts', import.meta.url));
const temp = useTempDir('crash');

/** Kills per file: each costs a process start (about a second here) and its appends. */
const KILLS = process.env.CI ? 12 : 8;
/** The writer compacts every this many appends. */
const COMPACT_EVERY = 25;
const seed = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31);

/** When to kill the writer: after some appends and a delay, at a compaction, or after a time. */
type Plan =
  | { readonly kind: 'appends'; readonly after: number; readonly delayMs: number }
  | { readonly kind: 'compaction'; readonly nth: number }
  | { readonly kind: 'time'; readonly ms: number };

const planArb: fc.Arbitrary<Plan> = fc.oneof(
  fc.record({
    kind: fc.constant('appends' as const),
    after: fc.integer({ min: 1, max: 120 }),
    delayMs: fc.integer({ min: 0, max: 8 }),
  }),
  fc.record({ kind: fc.constant('compaction' as const), nth: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 600 }) }),
);

/** What one writer said before it was killed. */
interface Run {
  /** Each append the writer saw return, in order. */
  readonly appended: readonly { readonly seq: number; readonly element: string }[];
  /** Whether it was killed between `compact` and `compacted`. */
  readonly inCompaction: boolean;
}

/** Starts the writer on `path`, kills it with SIGKILL as `plan` says, and reports what it said. */
function killWriter(path: string, run: number, synchronous: 'full' | 'normal', plan: Plan): Promise<Run> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', writer, path, String(run), synchronous, String(COMPACT_EVERY)],
    { cwd: root, env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.test.json' }, stdio: 'pipe' },
  );
  const kill = () => child.kill('SIGKILL');
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  let compactions = 0;
  const onLine = (line: string) => {
    lines.push(line);
    if (line === 'ready' && plan.kind === 'time') setTimeout(kill, plan.ms);
    if (line === 'compact' && plan.kind === 'compaction' && ++compactions === plan.nth) kill();
    if (plan.kind === 'appends' && lines.length === plan.after + 1) setTimeout(kill, plan.delayMs);
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    parts.forEach(onLine);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const guard = setTimeout(kill, 30_000); // a writer that never gets killed by plan
  return new Promise((resolve, reject) => {
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL' || lines[0] !== 'ready') {
        reject(new Error(`writer ended with ${code ?? signal}, not by our kill:\n${stderr}`));
        return;
      }
      const appended = lines
        .map((line) => line.match(/^(\d+) (\S+)$/))
        .filter((m) => m !== null)
        .map(([, seq, element]) => ({ seq: Number(seq), element: element as string }));
      resolve({ appended, inCompaction: lines.at(-1) === 'compact' });
    });
  });
}

/** The log as SQLite holds it, read by a plain connection after checking the whole file. */
function inspectFile(path: string) {
  const db = new Sqlite(path, { readonly: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    const row = db
      .prepare('SELECT id, last_seq AS lastSeq, snapshot_seq AS snapshotSeq FROM nlbd_documents')
      .get() as { id: number; lastSeq: number; snapshotSeq: number } | undefined;
    const seqs = row
      ? (db.prepare('SELECT seq FROM nlbd_deltas WHERE doc = ?').pluck().all(row.id) as number[])
      : [];
    return { integrity, lastSeq: row?.lastSeq ?? 0, snapshotSeq: row?.snapshotSeq ?? 0, seqs: new Set(seqs) };
  } finally {
    db.close();
  }
}

describe(`SqliteStorage survives SIGKILL (seed ${seed}; replay with CRASH_SEED=${seed})`, () => {
  it('keeps every append that returned, reuses no seq, and stays consistent', async () => {
    const path = temp.file('crash.db');
    const plans = fc.sample(planArb, { seed, numRuns: KILLS });
    const acknowledged: { seq: number; element: string }[] = [];
    for (const [run, plan] of plans.entries()) {
      const synchronous = run % 3 === 2 ? 'normal' : 'full'; // NORMAL is claimed to survive a process crash too
      const result = await killWriter(path, run, synchronous, plan);
      const moment = result.inCompaction ? 'inside a compaction' : 'between compactions';
      const where = `run ${run} (${synchronous}, ${JSON.stringify(plan)}, killed ${moment})`;
      for (const append of result.appended) {
        const previous = acknowledged.at(-1)?.seq ?? 0;
        expect(append.seq, `${where}: seq ${append.seq} reused or out of order`).toBeGreaterThan(previous);
        acknowledged.push(append);
      }

      const file = inspectFile(path);
      expect(file.integrity, where).toBe('ok');
      for (const { seq } of acknowledged) {
        const kept = seq <= file.snapshotSeq || file.seqs.has(seq);
        expect(kept && seq <= file.lastSeq, `${where}: acknowledged seq ${seq} is gone`).toBe(true);
      }
      const storage = new SqliteStorage(path);
      const value = (await openDocument(storage, 'doc', ORSet)).value;
      await storage.close();
      const lost = acknowledged.filter(({ element }) => !value.has(element));
      expect(
        lost.map((a) => a.seq),
        `${where}: acknowledged elements missing from the state`,
      ).toEqual([]);
    }
    expect(acknowledged.length).toBeGreaterThan(0);
  });
});
