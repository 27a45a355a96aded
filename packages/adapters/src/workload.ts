import { ValidationError } from '@nlbd/core';

/** A map value every adapted library stores natively. */
export type Scalar = string | number | boolean | null;

/**
 * What a replica shows, as plain JSON, so replicas of different libraries compare with
 * `JSON.stringify`: map entries sorted by key, the counter, the set's elements sorted.
 */
export interface WorkloadValue {
  readonly map: Readonly<Record<string, Scalar>>;
  readonly counter: number;
  readonly set: readonly string[];
}

/** Options for {@link Adapter.createReplica}. */
export interface ReplicaOptions {
  /**
   * The physical clock in integer ms, for adapters whose conflict rule reads wall time (the
   * plain-JS baseline and nlbd use hybrid logical clocks). Inject a constant to make a
   * scripted scenario deterministic. Libraries with purely logical clocks ignore it.
   */
  readonly now?: () => number;
}

/**
 * One replica of a document holding a map, a counter and a set, over some CRDT library.
 * Mutators change the replica at once; {@link transact} batches them the way the library
 * recommends (one Yjs transaction, one Automerge change, one Loro commit).
 *
 * Sync is state-based and stateless on the sender: a peer sends its {@link digest}; the other
 * answers with {@link encodeSince}; the peer {@link apply}s it. `apply(encodeState())` on any
 * replica merges everything the sender holds.
 */
export interface WorkloadReplica {
  /** The workload id this replica was created with. */
  readonly id: string;
  mapSet(key: string, value: Scalar): void;
  mapDelete(key: string): void;
  /** Adds `n` (a safe integer, may be negative where the library allows) to the counter. */
  counterIncrement(n: number): void;
  setAdd(element: string): void;
  setRemove(element: string): void;
  /** Runs `fn` (which calls this replica's mutators) as one batch. */
  transact(fn: () => void): void;
  /** The full state, encoded as the library recommends for storage or a first sync. */
  encodeState(): Uint8Array;
  /** A compact summary of what this replica holds (a state vector, heads, version vector). */
  digest(): Uint8Array;
  /** What a replica whose digest is `peerDigest` lacks from this one. */
  encodeSince(peerDigest: Uint8Array): Uint8Array;
  /** Merges bytes from {@link encodeState} or {@link encodeSince} of a replica of the same adapter. */
  apply(bytes: Uint8Array): void;
  /**
   * Merges another replica of the same adapter in memory, without encoding; present only where
   * the library has such an operation.
   */
  joinFrom?(other: WorkloadReplica): void;
  value(): WorkloadValue;
}

/** A library behind the workload interface. */
export interface Adapter {
  /** Short stable name: `'yjs'`, `'automerge'`, ... */
  readonly name: string;
  /** The npm package measured (its version is read from its package.json), or null for plain JS. */
  readonly library: string | null;
  /** How the workload maps onto the library, especially what it emulates. */
  readonly notes: readonly string[];
  createReplica(id: string, options?: ReplicaOptions): WorkloadReplica;
}

const WORKLOAD_ID = /^[0-9a-z]{1,5}$/;

/**
 * Throws a {@link ValidationError} unless `id` is a workload replica id: 1 to 5 characters of
 * `[0-9a-z]`. That is what every library can carry: Yjs and Loro take numeric ids, and
 * {@link replicaNumber} maps these into 32 bits without collisions.
 */
export function assertWorkloadId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !WORKLOAD_ID.test(id)) {
    throw new ValidationError(
      `must be 1 to 5 characters of [0-9a-z], got ${JSON.stringify(id)}`,
      'replica id',
    );
  }
}

/**
 * The number a library with numeric replica ids uses for workload id `id`: distinct ids give
 * distinct numbers below 2^32, and ids of equal length keep their order.
 */
export function replicaNumber(id: string): number {
  return Number.parseInt(`1${id}`, 36);
}

/** Throws a {@link ValidationError} unless `n` is a safe integer. */
export function assertIncrement(n: number): void {
  if (!Number.isSafeInteger(n)) throw new ValidationError(`must be a safe integer, got ${n}`, 'increment');
}

/** Builds a {@link WorkloadValue} from unordered parts. */
export function workloadValue(
  map: Iterable<readonly [string, Scalar]>,
  counter: number,
  set: Iterable<string>,
): WorkloadValue {
  const entries = [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { map: Object.fromEntries(entries), counter, set: [...set].sort() };
}
