import type { Adapter, WorkloadReplica } from './workload.js';

/** A fixed wall clock: with it, hybrid logical clocks order events by count alone, deterministically. */
const FIXED_NOW = () => 1_700_000_000_000;

/** What one scripted scenario ended with on one adapter. */
export interface Outcome {
  /** Every replica shows the same value after the final sync. */
  readonly converged: boolean;
  /** The part of the value the scenario is about, rendered for the table. */
  readonly shown: string;
}

/** A scripted concurrent scenario run the same way through every adapter. */
export interface ComparisonScenario {
  readonly title: string;
  /** What the script does, for the table. */
  readonly script: string;
  run(adapter: Adapter): Outcome;
}

/** `to` catches up with `from` by digest: one round trip of {@link WorkloadReplica.encodeSince}. */
export function pull(to: WorkloadReplica, from: WorkloadReplica): void {
  to.apply(from.encodeSince(to.digest()));
}

/** Both replicas catch up with each other. */
export function syncPair(a: WorkloadReplica, b: WorkloadReplica): void {
  pull(a, b);
  pull(b, a);
}

/** Whether every replica shows the same value. */
export function converged(replicas: readonly WorkloadReplica[]): boolean {
  const [first, ...rest] = replicas.map((r) => JSON.stringify(r.value()));
  return rest.every((v) => v === first);
}

function replicas(adapter: Adapter, ids: readonly string[]): WorkloadReplica[] {
  return ids.map((id) => adapter.createReplica(id, { now: FIXED_NOW }));
}

/** Runs `concurrent` on two replicas that share `setup`'s effects, then syncs them. */
function twoWay(
  adapter: Adapter,
  setup: (a: WorkloadReplica) => void,
  concurrent: (a: WorkloadReplica, b: WorkloadReplica) => void,
  show: (a: WorkloadReplica) => string,
): Outcome {
  const [a, b] = replicas(adapter, ['a', 'b']) as [WorkloadReplica, WorkloadReplica];
  setup(a);
  syncPair(a, b);
  concurrent(a, b);
  syncPair(a, b);
  return { converged: converged([a, b]), shown: show(a) };
}

function showKey(r: WorkloadReplica, key: string): string {
  const v = r.value().map;
  return Object.hasOwn(v, key) ? JSON.stringify(v[key]) : 'absent';
}

function showElement(r: WorkloadReplica, element: string): string {
  return r.value().set.includes(element) ? 'present' : 'absent';
}

/** A conflict on map key `k`, which both replicas first hold as `"0"`. */
function keyConflict(
  title: string,
  script: string,
  concurrent: (a: WorkloadReplica, b: WorkloadReplica) => void,
): ComparisonScenario {
  const run = (adapter: Adapter) =>
    twoWay(
      adapter,
      (a) => a.mapSet('k', '0'),
      concurrent,
      (r) => showKey(r, 'k'),
    );
  return { title, script, run };
}

/** A conflict on set element `x`, after `setup` on replica a. */
function elementConflict(
  title: string,
  script: string,
  setup: (a: WorkloadReplica) => void,
  concurrent: (a: WorkloadReplica, b: WorkloadReplica) => void,
): ComparisonScenario {
  return { title, script, run: (adapter) => twoWay(adapter, setup, concurrent, (r) => showElement(r, 'x')) };
}

/** The scripted scenarios behind `docs/comparison.md`. */
export const comparisonScenarios: readonly ComparisonScenario[] = [
  keyConflict('set/set on one key', 'k = "0" synced; then a sets k = "a" while b sets k = "b"', (a, b) => {
    a.mapSet('k', 'a');
    b.mapSet('k', 'b');
  }),
  keyConflict(
    'set/set, a wrote more first',
    'as above, but a first writes 3 other keys, so its write is later in logical time',
    (a, b) => {
      for (const key of ['x', 'y', 'z']) a.mapSet(key, 1);
      a.mapSet('k', 'a');
      b.mapSet('k', 'b');
    },
  ),
  keyConflict('set/delete on one key', 'k = "0" synced; then a sets k = "a" while b deletes k', (a, b) => {
    a.mapSet('k', 'a');
    b.mapDelete('k');
  }),
  keyConflict('delete/set on one key', 'k = "0" synced; then a deletes k while b sets k = "b"', (a, b) => {
    a.mapDelete('k');
    b.mapSet('k', 'b');
  }),
  elementConflict(
    'add/remove on one element',
    'x in the set, synced; then a removes x while b adds x again',
    (a) => a.setAdd('x'),
    (a, b) => {
      a.setRemove('x');
      b.setAdd('x');
    },
  ),
  elementConflict(
    'remove of an unseen add',
    'a adds x while b, which never saw x, removes x',
    () => {},
    (a, b) => {
      a.setAdd('x');
      b.setRemove('x');
    },
  ),
  {
    title: 'concurrent increments',
    script: 'counter 10 synced; then a adds 2 while b adds 3',
    run: (adapter) =>
      twoWay(
        adapter,
        (a) => a.counterIncrement(10),
        (a, b) => {
          a.counterIncrement(2);
          b.counterIncrement(3);
        },
        (r) => String(r.value().counter),
      ),
  },
  {
    title: 'partition, then heal',
    script:
      '{a, b} and {c, d} apart: a sets k = "left", c sets k = "right", b deletes j while d sets j = "d", ' +
      'a adds 1 and c adds 2, b adds x while d removes x; then a and c exchange digests and each side syncs',
    run: (adapter) => {
      const [a, b, c, d] = replicas(adapter, ['a', 'b', 'c', 'd']) as [
        WorkloadReplica,
        WorkloadReplica,
        WorkloadReplica,
        WorkloadReplica,
      ];
      a.transact(() => {
        a.mapSet('j', '0');
        a.setAdd('x');
      });
      for (const r of [b, c, d]) pull(r, a);
      a.transact(() => {
        a.mapSet('k', 'left');
        a.counterIncrement(1);
      });
      b.transact(() => {
        b.mapDelete('j');
        b.setAdd('x');
      });
      c.transact(() => {
        c.mapSet('k', 'right');
        c.counterIncrement(2);
      });
      d.transact(() => {
        d.mapSet('j', 'd');
        d.setRemove('x');
      });
      syncPair(a, b);
      syncPair(c, d);
      syncPair(a, c);
      pull(b, a);
      pull(d, c);
      const { map, counter, set } = a.value();
      return { converged: converged([a, b, c, d]), shown: JSON.stringify({ ...map, counter, set }) };
    },
  },
];

/** Every scenario's outcome on every adapter, in table order. */
export function runComparison(list: readonly Adapter[]): Outcome[][] {
  return comparisonScenarios.map((scenario) => list.map((adapter) => scenario.run(adapter)));
}

function cell({ converged, shown }: Outcome): string {
  const text = `\`${shown}\``.replaceAll('|', '\\|');
  return converged ? text : `${text} ✗ diverged`;
}

/** A Markdown table with padded columns, laid out the way `biome format` lays tables out. */
function markdownTable(rows: readonly (readonly string[])[]): string[] {
  const widths = (rows[0] ?? []).map((_, col) => Math.max(3, ...rows.map((row) => (row[col] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [header = [], ...body] = rows;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

/** The Markdown page `docs/comparison.md`, from the outcomes of {@link runComparison}. */
export function renderComparison(
  list: readonly Adapter[],
  outcomes: readonly (readonly Outcome[])[],
): string {
  const table = markdownTable([
    ['scenario', 'script', ...list.map((a) => a.name)],
    ...comparisonScenarios.map((s, i) => [s.title, s.script, ...(outcomes[i] ?? []).map(cell)]),
  ]);
  const notes = list.flatMap((a) => [`### ${a.name}`, '', ...a.notes.map((n) => `- ${n}`), '']);
  return [
    '# Semantics compared',
    '',
    '<!-- Generated by `pnpm --filter @nlbd/benchmarks comparison`; a test fails when this page is stale. -->',
    '',
    'The same scripted concurrent edits through every adapter of `@nlbd/adapters`. Replicas are',
    '`a`, `b`, `c`, `d`; ids of equal length keep their order in every library (Yjs and Loro get',
    'numeric ids in the same order). Clocks are fixed, so hybrid-logical timestamps order events by',
    'count alone. "Synced" means a round trip of digest and `encodeSince` both ways. Every cell',
    'shows what every replica shows afterwards; a cell marked ✗ diverged would mean they differ.',
    '',
    ...table,
    '',
    '## How each adapter maps the workload',
    '',
    ...notes,
  ].join('\n');
}
