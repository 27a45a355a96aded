import type { Adapter, WorkloadReplica } from '@nlbd/adapters';
import type { RunConfig } from '../config.js';
import type { Timed, Timing } from '../measure.js';
import type { Measured } from '../result.js';
import { summarize } from '../stats.js';

/** One benchmark scenario, run on each adapter with the same inputs. */
export interface Scenario {
  /** Stable id for `--filter` and file names: `full-sync`, ... */
  readonly id: string;
  /** Its number in the list, also accepted by `--filter`. */
  readonly number: number;
  readonly title: string;
  /** One sentence on what it measures. */
  readonly measures: string;
  /** The adapters it applies to, by name; every adapter when absent. */
  readonly adapters?: readonly string[];
  /**
   * Measures `adapter`: a generator that yields each body to time ({@link timed}) and returns the
   * metrics. The runner steps every adapter's run together and times their bodies side by side
   * (`timeInterleaved`), so the ratios between libraries come from the same spell of the machine.
   * A scenario that times nothing in this process returns its metrics directly. Throws when the
   * adapter's replicas end up wrong (unequal after a merge, missing entries): a fast wrong answer
   * is not a result.
   */
  run(adapter: Adapter, config: RunConfig): ScenarioRun | Measured[];
}

/** A scenario's run on one adapter: yields the bodies to time, gets their timings back. */
export type ScenarioRun = Generator<Timing, Measured[], Timed>;

/**
 * Times `run` on a fresh `setup()` each time, side by side with the other adapters' same body:
 * `const t = yield* timed(setup, run)`. `keepResults: false` keeps only the last run's result.
 */
export function* timed<C, R>(
  setup: () => C,
  run: (context: C) => R,
  keepResults = true,
): Generator<Timing, Timed<R>, Timed> {
  return (yield { setup, run, keepResults } as Timing) as Timed<R>;
}

const keyCache = new Map<number, string[]>();

/** Key `i`: 10 characters whatever `i` (below ten million), so sizes compare across map sizes. */
export function key(i: number): string {
  return `key${String(i).padStart(7, '0')}`;
}

/** `key(0)` ... `key(n - 1)`, built once so every adapter gets the same strings. */
export function keys(n: number): string[] {
  let list = keyCache.get(n);
  if (!list) keyCache.set(n, (list = Array.from({ length: n }, (_, i) => key(i))));
  return list;
}

/** Sets `list[i]` to `offset + i` on `replica`, in one batch. */
export function fill(replica: WorkloadReplica, list: readonly string[], offset = 0): void {
  replica.transact(() => {
    for (let i = 0; i < list.length; i++) replica.mapSet(list[i]!, offset + i);
  });
}

/** A replica of `adapter` holding `n` entries `key{i} = i`. */
export function filled(adapter: Adapter, id: string, n: number): WorkloadReplica {
  const replica = adapter.createReplica(id);
  fill(replica, keys(n));
  return replica;
}

/** Throws unless `ok`: a scenario's correctness check. */
export function check(ok: boolean, adapter: Adapter, what: string): void {
  if (!ok) throw new Error(`${adapter.name}: ${what}`);
}

/** Whether the replicas show the same value. */
export function sameValue(a: WorkloadReplica, b: WorkloadReplica): boolean {
  return JSON.stringify(a.value()) === JSON.stringify(b.value());
}

/** A size metric whose samples are the byte lengths of `results`. */
export function bytes(metric: string, results: readonly Uint8Array[]): Measured {
  const samples = results.map((r) => r.byteLength);
  return { metric, unit: 'B', stats: summarize(samples) };
}

/**
 * Times encoding `source`'s full state and applying it into a fresh empty replica; checks the
 * receiver ends equal to the sender. Returns the timings, the state and the last receiver.
 */
export function* shipToEmpty(adapter: Adapter, source: WorkloadReplica) {
  const encode = yield* timed(
    () => source,
    (r) => r.encodeState(),
  );
  const state = encode.results[0]!;
  const apply = yield* timed(
    () => adapter.createReplica('b'),
    (r) => {
      r.apply(state);
      return r;
    },
    false,
  );
  const received = apply.last;
  check(sameValue(source, received), adapter, 'the receiver differs from the sender');
  return { encode, apply, state, received };
}
