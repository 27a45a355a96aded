/**
 * Delta-state CRDTs as join-semilattices: G-Counter, PN-Counter, G-Set, OR-Set, EW-Flag,
 * MV-Register, LWW-Register, LWW-Map and nested OR-Maps, each a `Crdt` descriptor with delta
 * mutators, plus thin replica classes. Semantics and when to pick each: `docs/types.md`.
 * @module @nlbd/crdts
 */
export {
  type Causal,
  causalLattice,
  type DotFun,
  type DotMap,
  type DotSet,
  DotSetStore,
  type DotStore,
  type DotValue,
  dotFunStore,
  dotMapStore,
  keysTouchedBy,
  liveDots,
} from './causal.js';
export { EWFlag, EWFlagReplica, type EWFlagState } from './ew-flag.js';
export { GCounter, GCounterReplica, type GCounterState } from './g-counter.js';
export { GSet, GSetReplica, type GSetState } from './g-set.js';
export {
  compareStoredKeys,
  isBytesKey,
  type Key,
  keyRank,
  loadKey,
  rankedBefore,
  type StoredKey,
  storeKey,
} from './key.js';
export { CHUNK_ENTRIES, type KeyChunk, KeyMap, type KeyMerge } from './key-map.js';
export { type LWWEntry, lwwEntry, stampWins as lwwStampWins, wins as lwwWins } from './lww.js';
export { LWWMap, LWWMapReplica, type LWWMapState, type LWWReplicaOptions } from './lww-map.js';
export { LWWRegister, LWWRegisterReplica, type LWWRegisterState } from './lww-register.js';
export { MVRegister, MVRegisterReplica, type MVRegisterState } from './mv-register.js';
export {
  type CausalCrdt,
  ORMap,
  ORMapReplica,
  type ORMapReplicaOptions,
  type ORMapState,
  type ORMapType,
  type Presence,
} from './or-map.js';
export { ORSet, ORSetReplica, type ORSetState } from './or-set.js';
export {
  joinPNEntryInto,
  PNCounter,
  PNCounterReplica,
  type PNCounterState,
  type PNEntry,
} from './pn-counter.js';
export { type ChangeEvent, Replica, type ReplicaOptions } from './replica.js';
export { admitTimestamps, checkTimestamps, latestTimestamp, timestampsIn } from './timestamps.js';
export { BASE_TYPE_TAGS, crdtOf, MAX_TYPE_DEPTH } from './types.js';
export { assertValue, MAX_VALUE_DEPTH, storableValue, type Value, valueEquals } from './value.js';
export { type WriteIndex, writeIndexOf } from './write-index.js';
