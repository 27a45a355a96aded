import type { Adapter, WorkloadReplica } from '@nlbd/adapters';
import type { RunConfig } from '../config.js';
import { type Repetitions, timeSamples } from '../measure.js';
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
   * Measures `adapter`. Throws when the adapter's replicas end up wrong (unequal after a merge,
   * missing entries): a fast wrong answer is not a result.
   */
  run(adapter: Adapter, config: RunConfig): Measured[];
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
 * receiver ends equal to the sender. Returns the timings, the states and the last receiver.
 */
export function shipToEmpty(adapter: Adapter, source: WorkloadReplica, repetitions: Repetitions) {
  const encode = timeSamples(
    repetitions,
    () => source,
    (r) => r.encodeState(),
  );
  const state = encode.results[0]!;
  const apply = timeSamples(
    repetitions,
    () => adapter.createReplica('b'),
    (r) => {
      r.apply(state);
      return r;
    },
  );
  const received = apply.results.at(-1)!;
  check(sameValue(source, received), adapter, 'the receiver differs from the sender');
  return { encode, apply, state, received };
}
