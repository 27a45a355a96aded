import { OverflowError, ValidationError } from './errors.js';
import { assertReplicaId, type ReplicaId } from './replica-id.js';

/**
 * A hybrid logical timestamp (Kulkarni et al., 2014): wall-clock milliseconds, a logical counter
 * for events within one millisecond (or while the wall clock lags), and the replica that made it.
 * Totally ordered by {@link compareTimestamps}; two distinct events never share a timestamp.
 */
export interface Timestamp {
  /** Wall-clock time in integer milliseconds since the Unix epoch (a safe integer ≥ 0). */
  readonly wall: number;
  /** Orders events that share `wall`: a safe integer ≥ 0, reset to 0 when `wall` advances. */
  readonly counter: number;
  /** The replica whose clock issued the timestamp; breaks ties, so timestamps are unique. */
  readonly replica: ReplicaId;
}

/**
 * The total order on timestamps: by `wall`, then `counter`, then `replica` (code-unit order).
 * Returns a negative number, zero or a positive number.
 */
export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  if (a.wall !== b.wall) return a.wall - b.wall;
  if (a.counter !== b.counter) return a.counter - b.counter;
  if (a.replica === b.replica) return 0;
  return a.replica < b.replica ? -1 : 1;
}

/**
 * Throws a {@link ValidationError} unless `value` is a well-formed {@link Timestamp}: `wall` a safe
 * integer ≥ 0 (NaN, infinities and negatives are refused), `counter` a safe integer ≥ 0, a valid
 * replica id.
 */
export function assertTimestamp(value: unknown, path = 'timestamp'): asserts value is Timestamp {
  if (typeof value !== 'object' || value === null)
    throw new ValidationError('timestamp must be an object', path);
  const { wall, counter, replica } = value as Record<string, unknown>;
  if (typeof wall !== 'number' || !Number.isSafeInteger(wall) || wall < 0) {
    throw new ValidationError(
      `wall time must be a safe integer ≥ 0 (ms), got ${String(wall)}`,
      `${path}.wall`,
    );
  }
  if (typeof counter !== 'number' || !Number.isSafeInteger(counter) || counter < 0) {
    throw new ValidationError(
      `counter must be a safe integer ≥ 0, got ${String(counter)}`,
      `${path}.counter`,
    );
  }
  assertReplicaId(replica, `${path}.replica`);
}

/** Options of a {@link HybridLogicalClock}. */
export interface HybridLogicalClockOptions {
  /** The physical clock in integer milliseconds; `Date.now` by default. Inject one for tests. */
  readonly now?: () => number;
  /**
   * How far ahead of the local physical clock a remote timestamp may be, in ms (default
   * 60,000). A remote further ahead is refused: one bad clock must not drag every replica's
   * timestamps into the future.
   */
  readonly maxForwardSkewMs?: number;
}

/**
 * A hybrid logical clock for one replica. Every timestamp it issues is strictly greater than
 * every timestamp it issued or received before, whatever the physical clock does (it may jump
 * back); and it stays close to physical time.
 * @example
 * const clock = new HybridLogicalClock('alice');
 * const t1 = clock.now();
 * const t2 = clock.receive(remoteTimestamp); // t2 > t1 and t2 > remoteTimestamp
 */
export class HybridLogicalClock {
  /** The replica whose timestamps this clock issues. */
  readonly replica: ReplicaId;
  readonly #now: () => number;
  readonly #maxForwardSkewMs: number;
  #wall = 0;
  #counter = 0;

  constructor(replica: ReplicaId, options: HybridLogicalClockOptions = {}) {
    assertReplicaId(replica, 'HybridLogicalClock.replica');
    const skew = options.maxForwardSkewMs ?? 60_000;
    if (!Number.isFinite(skew) || skew < 0) {
      throw new ValidationError(
        `must be a finite number ≥ 0, got ${skew}`,
        'HybridLogicalClock.maxForwardSkewMs',
      );
    }
    this.replica = replica;
    this.#now = options.now ?? Date.now;
    this.#maxForwardSkewMs = skew;
  }

  /** The last timestamp issued or received-and-adopted (wall 0, counter 0 before any event). */
  get last(): Timestamp {
    return { wall: this.#wall, counter: this.#counter, replica: this.replica };
  }

  #physical(): number {
    const now = this.#now();
    if (typeof now !== 'number' || !Number.isFinite(now)) {
      throw new ValidationError(`physical clock returned ${String(now)}`, 'HybridLogicalClock.now');
    }
    return Math.max(0, Math.floor(now));
  }

  #advance(wall: number, counter: number): Timestamp {
    if (!Number.isSafeInteger(counter)) {
      throw new OverflowError(
        'logical counter exceeds Number.MAX_SAFE_INTEGER',
        'HybridLogicalClock.counter',
      );
    }
    this.#wall = wall;
    this.#counter = counter;
    return { wall, counter, replica: this.replica };
  }

  /** A timestamp for a local event: greater than every earlier one. */
  now(): Timestamp {
    const physical = this.#physical();
    if (physical > this.#wall) return this.#advance(physical, 0);
    return this.#advance(this.#wall, this.#counter + 1);
  }

  /**
   * Adopts a timestamp received from another replica and returns a timestamp for the receive
   * event, greater than both `remote` and every earlier local timestamp. A malformed remote, or
   * one more than `maxForwardSkewMs` ahead of the physical clock, is refused with a
   * {@link ValidationError} and leaves the clock unchanged.
   */
  receive(remote: Timestamp): Timestamp {
    assertTimestamp(remote, 'remote');
    const physical = this.#physical();
    if (remote.wall - physical > this.#maxForwardSkewMs) {
      throw new ValidationError(
        `remote wall time ${remote.wall} is ${remote.wall - physical} ms ahead of the local clock (limit ${this.#maxForwardSkewMs} ms)`,
        'remote.wall',
      );
    }
    const wall = Math.max(this.#wall, remote.wall, physical);
    if (wall === this.#wall && wall === remote.wall) {
      return this.#advance(wall, Math.max(this.#counter, remote.counter) + 1);
    }
    if (wall === this.#wall) return this.#advance(wall, this.#counter + 1);
    if (wall === remote.wall) return this.#advance(wall, remote.counter + 1);
    return this.#advance(wall, 0);
  }

  /**
   * Checks `ts` as {@link receive} would (well-formed, not too far ahead) without changing the
   * clock; use it before accepting a remote write that carries its own timestamp.
   */
  check(ts: Timestamp, path = 'timestamp'): void {
    assertTimestamp(ts, path);
    const ahead = ts.wall - this.#physical();
    if (ahead > this.#maxForwardSkewMs) {
      throw new ValidationError(
        `wall time ${ts.wall} is ${ahead} ms ahead of the local clock (limit ${this.#maxForwardSkewMs} ms)`,
        `${path}.wall`,
      );
    }
  }
}
