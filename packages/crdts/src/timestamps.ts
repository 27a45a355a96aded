import { type Crdt, compareTimestamps, type HybridLogicalClock, type Timestamp } from '@nlbd/core';
import type { DotValue } from './causal.js';
import { type LWWEntry, timestampOf } from './lww.js';
import type { ORMapState, ORMapType } from './or-map.js';

function isORMap(crdt: Crdt<unknown, unknown>): crdt is ORMapType<unknown, unknown> {
  return 'valueType' in crdt && 'nestedCausal' in crdt;
}

/**
 * Every hybrid-logical timestamp a state (or delta) of `crdt` carries: the entries of LWW-Maps
 * and LWW-Registers, at any depth inside OR-Maps. Other types carry none.
 */
export function* timestampsIn(crdt: Crdt<unknown, unknown>, state: unknown): Generator<Timestamp> {
  if (crdt.type === 'lwwmap' || crdt.type === 'lwwregister') {
    for (const e of (state as { entries: ReadonlyMap<unknown, LWWEntry> }).entries.values())
      yield timestampOf(e);
    return;
  }
  if (!isORMap(crdt)) return;
  const { valueType, nestedCausal } = crdt;
  for (const nested of (state as ORMapState).store.values()) {
    if (nestedCausal)
      yield* timestampsIn(valueType, { store: nested, context: (state as ORMapState).context });
    else for (const entry of nested as DotValue<unknown>[]) yield* timestampsIn(valueType, entry.value);
  }
}

/** The greatest of `stamps`, calling `visit` on each on the way. */
function greatest(stamps: Iterable<Timestamp>, visit?: (ts: Timestamp, i: number) => void) {
  let latest: Timestamp | undefined;
  let i = 0;
  for (const ts of stamps) {
    visit?.(ts, i++);
    if (latest === undefined || compareTimestamps(ts, latest) > 0) latest = ts;
  }
  return latest;
}

/** The greatest timestamp in a state of `crdt` ({@link timestampsIn}), if it has any. */
export function latestTimestamp(crdt: Crdt<unknown, unknown>, state: unknown): Timestamp | undefined {
  return greatest(timestampsIn(crdt, state));
}

/**
 * Checks every timestamp in a state of `crdt` against `clock` (malformed or too far ahead: a
 * `ValidationError` naming the entry) and returns the latest, for the clock to adopt.
 */
export function checkTimestamps(
  crdt: Crdt<unknown, unknown>,
  state: unknown,
  clock: HybridLogicalClock,
): Timestamp | undefined {
  return greatest(timestampsIn(crdt, state), (ts, i) => clock.check(ts, `timestamps[${i}]`));
}

/**
 * Admits a remote state or delta of `crdt` into a replica that writes with `clock`: refuses it
 * with a `ValidationError` (changing nothing) if a timestamp is malformed or further ahead of
 * the clock than the clock's maximum forward skew ({@link checkTimestamps}), and otherwise moves
 * the clock past it, so the replica's next write wins over every write it has seen (the point of
 * a hybrid logical clock).
 * @example
 * new SyncNode({ crdt: LWWMap, ..., admit: (incoming) => admitTimestamps(LWWMap, incoming, clock) });
 */
export function admitTimestamps(
  crdt: Crdt<unknown, unknown>,
  state: unknown,
  clock: HybridLogicalClock,
): void {
  const latest = checkTimestamps(crdt, state, clock);
  if (latest !== undefined && latest.replica !== clock.replica) clock.receive(latest);
}
