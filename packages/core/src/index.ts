/**
 * Causality for nlbd, with no runtime dependency: the {@link Crdt} contract every type keeps,
 * replica ids, dots, version vectors, dot contexts (version vector + dot cloud), hybrid logical
 * clocks and the typed errors the whole toolkit throws. Concepts: `docs/concepts.md`.
 * @module @nlbd/core
 */
export type { Crdt, Digest, StateOf, ValueOf } from './crdt.js';
export { assertDot, compareDots, type Dot } from './dot.js';
export { DotContext } from './dot-context.js';
export { DecodeError, MismatchError, NlbdError, OverflowError, ValidationError } from './errors.js';
export {
  assertTimestamp,
  compareTimestamps,
  HybridLogicalClock,
  type HybridLogicalClockOptions,
  type Timestamp,
} from './hlc.js';
export { assertSafeCount, safeAdd } from './integers.js';
export {
  assertReplicaId,
  isReplicaId,
  MAX_REPLICA_ID_BYTES,
  type ReplicaId,
  randomReplicaId,
} from './replica-id.js';
export { type Ordering, VersionVector } from './version-vector.js';
