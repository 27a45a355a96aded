import {
  DotContext,
  type HybridLogicalClock,
  type ReplicaId,
  type Timestamp,
  ValidationError,
} from '@nlbd/core';
import type { Value } from './value.js';

/**
 * One last-writer-wins write: a value (or a deletion), its hybrid-logical timestamp, and the
 * dot of the write (`replica` is the writer, `seq` its event number), which digests summarise.
 * Entries are immutable and shared between states.
 */
export interface LWWEntry {
  readonly value: Value | undefined;
  readonly deleted: boolean;
  readonly wall: number;
  readonly counter: number;
  readonly replica: ReplicaId;
  readonly seq: number;
}

/** Whether `a` beats `b`: the greater timestamp wins (wall, then counter, then replica id). */
export function wins(a: LWWEntry, b: LWWEntry): boolean {
  return stampWins(a.wall, a.counter, a.replica, b);
}

/**
 * Whether a write stamped `(wall, counter, replica)` beats `b`, as {@link wins} decides: for a
 * decoder that builds the write's entry only if it wins.
 */
export function stampWins(wall: number, counter: number, replica: ReplicaId, b: LWWEntry): boolean {
  if (wall !== b.wall) return wall > b.wall;
  if (counter !== b.counter) return counter > b.counter;
  return replica > b.replica;
}

/** The timestamp of an entry. */
export function timestampOf(e: LWWEntry): Timestamp {
  return { wall: e.wall, counter: e.counter, replica: e.replica };
}

/**
 * Stamps a new write by `replica` with `clock`: the timestamp is after `previous` (the entry
 * being overwritten, if any), so a replica's own later write always wins over what it has seen.
 */
export function stamp(
  clock: HybridLogicalClock,
  replica: ReplicaId,
  context: DotContext,
  previous: LWWEntry | undefined,
  value: Value | undefined,
): LWWEntry {
  if (clock.replica !== replica) {
    throw new ValidationError(`clock belongs to '${clock.replica}', not '${replica}'`, 'clock');
  }
  let ts = clock.now();
  if (previous !== undefined && !stampWins(ts.wall, ts.counter, ts.replica, previous))
    ts = clock.receive(timestampOf(previous));
  const seq = DotContext.max(context, replica) + 1;
  return { value, deleted: value === undefined, wall: ts.wall, counter: ts.counter, replica, seq };
}
