import { ValidationError } from './errors.js';
import { assertReplicaId, type ReplicaId } from './replica-id.js';

/**
 * One event: the `counter`-th event of `replica`. Counters start at 1 and are safe integers, so a
 * dot names exactly one update in the whole system.
 */
export interface Dot {
  /** The replica that made the event. */
  readonly replica: ReplicaId;
  /** Its position among that replica's events: a safe integer ≥ 1. */
  readonly counter: number;
}

/**
 * Throws a {@link ValidationError} unless `value` is a {@link Dot} with a valid replica and a safe
 * integer counter ≥ 1.
 */
export function assertDot(value: unknown, path = 'dot'): asserts value is Dot {
  if (typeof value !== 'object' || value === null) throw new ValidationError('dot must be an object', path);
  const { replica, counter } = value as { replica?: unknown; counter?: unknown };
  assertReplicaId(replica, `${path}.replica`);
  if (typeof counter !== 'number' || !Number.isSafeInteger(counter) || counter < 1) {
    throw new ValidationError(
      `dot counter must be a safe integer ≥ 1, got ${String(counter)}`,
      `${path}.counter`,
    );
  }
}

/** Total order on dots (by replica, then counter), used wherever output must be deterministic. */
export function compareDots(a: Dot, b: Dot): number {
  if (a.replica !== b.replica) return a.replica < b.replica ? -1 : 1;
  return a.counter - b.counter;
}
