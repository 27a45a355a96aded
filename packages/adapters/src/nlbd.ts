import { decode, decodeDigest, decodeInto, type EncodeOptions, encode, encodeDigest } from '@nlbd/codec';
import { type Crdt, DecodeError, HybridLogicalClock } from '@nlbd/core';
import {
  LWWMap,
  type LWWMapState,
  ORSet,
  type ORSetState,
  PNCounter,
  type PNCounterState,
} from '@nlbd/crdts';
import {
  type Adapter,
  assertIncrement,
  assertWorkloadId,
  type ReplicaOptions,
  type Scalar,
  type WorkloadReplica,
  type WorkloadValue,
  workloadValue,
} from './workload.js';

/** The three states of one replica, in wire order. */
interface States {
  map: LWWMapState;
  counter: PNCounterState;
  set: ORSetState;
}

/** Calls `f` on each part of `states` with its type, in wire order. */
function eachPart<R>(states: States, f: <S>(crdt: Crdt<S, unknown>, state: S, index: number) => R): R[] {
  return [f(LWWMap, states.map, 0), f(PNCounter, states.counter, 1), f(ORSet, states.set, 2)];
}

const PARTS = 3;

/** Concatenates `parts`, each behind its length as a 4-byte big-endian integer. */
function frame(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.byteLength, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    view.setUint32(at, part.byteLength);
    out.set(part, at + 4);
    at += 4 + part.byteLength;
  }
  return out;
}

/** The inverse of {@link frame}, refusing anything but exactly `count` parts. */
function unframe(bytes: Uint8Array, count: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    if (at + 4 > bytes.byteLength)
      throw new DecodeError('truncated frame length', `nlbd frame ${parts.length}`);
    const length =
      (bytes[at] as number) * 0x1000000 + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
    const end = at + 4 + length;
    if (end > bytes.byteLength)
      throw new DecodeError('frame runs past the end', `nlbd frame ${parts.length}`);
    parts.push(bytes.subarray(at + 4, end));
    at = end;
  }
  if (parts.length !== count)
    throw new DecodeError(`expected ${count} frames, got ${parts.length}`, 'nlbd frame');
  return parts;
}

/**
 * An nlbd replica: an `LWWMap`, a `PNCounter` and an `ORSet` from `@nlbd/crdts`, each updated the
 * delta-state way (a mutator returns a delta, `joinInto` applies it). Wire bytes are the three
 * `@nlbd/codec` encodings, framed; digests likewise, and `encodeSince` ships `deltaSince`;
 * received maps are joined with `decodeInto`, the codec's way to merge bytes into a state.
 */
class NlbdReplica implements WorkloadReplica {
  readonly id: string;
  readonly #clock: HybridLogicalClock;
  readonly #states: States = { map: LWWMap.empty(), counter: PNCounter.empty(), set: ORSet.empty() };
  readonly #options: EncodeOptions;

  constructor(id: string, options: ReplicaOptions, encodeOptions: EncodeOptions) {
    assertWorkloadId(id);
    this.id = id;
    this.#clock = new HybridLogicalClock(id, options.now ? { now: options.now } : {});
    this.#options = encodeOptions;
  }

  mapSet(key: string, value: Scalar): void {
    const s = this.#states.map;
    LWWMap.joinInto(s, LWWMap.set(s, this.id, key, value, this.#clock));
  }

  mapDelete(key: string): void {
    const s = this.#states.map;
    LWWMap.joinInto(s, LWWMap.delete(s, this.id, key, this.#clock));
  }

  counterIncrement(n: number): void {
    assertIncrement(n);
    const s = this.#states.counter;
    PNCounter.joinInto(s, n >= 0 ? PNCounter.increment(s, this.id, n) : PNCounter.decrement(s, this.id, -n));
  }

  setAdd(element: string): void {
    const s = this.#states.set;
    ORSet.joinInto(s, ORSet.add(s, this.id, element));
  }

  setRemove(element: string): void {
    const s = this.#states.set;
    ORSet.joinInto(s, ORSet.remove(s, element));
  }

  /** Deltas are joined as they are made, so a batch needs nothing more. */
  transact(fn: () => void): void {
    fn();
  }

  encodeState(): Uint8Array {
    return frame(eachPart(this.#states, (crdt, state) => encode(crdt, state, this.#options)));
  }

  digest(): Uint8Array {
    return frame(eachPart(this.#states, (crdt, state) => encodeDigest(crdt.digest(state))));
  }

  encodeSince(peerDigest: Uint8Array): Uint8Array {
    const digests = unframe(peerDigest, PARTS).map((bytes) => decodeDigest(bytes));
    const options: EncodeOptions = { ...this.#options, kind: 'delta' };
    return frame(
      eachPart(this.#states, (crdt, state, i) => encode(crdt, crdt.deltaSince(state, digests[i]!), options)),
    );
  }

  apply(bytes: Uint8Array): void {
    // Bad bytes leave the replica unchanged: the small parts are decoded first, then the map is
    // decoded straight into its state (which validates everything before joining anything).
    const parts = unframe(bytes, PARTS);
    const counter = decode(PNCounter, parts[1]!);
    const set = decode(ORSet, parts[2]!);
    decodeInto(LWWMap, this.#states.map, parts[0]!);
    PNCounter.joinInto(this.#states.counter, counter);
    ORSet.joinInto(this.#states.set, set);
  }

  /** `joinInto` of each state, in memory. */
  joinFrom(other: WorkloadReplica): void {
    if (!(other instanceof NlbdReplica)) throw new TypeError('joinFrom needs an nlbd replica');
    LWWMap.joinInto(this.#states.map, other.#states.map);
    PNCounter.joinInto(this.#states.counter, other.#states.counter);
    ORSet.joinInto(this.#states.set, other.#states.set);
  }

  value(): WorkloadValue {
    const { map, counter, set } = this.#states;
    return workloadValue(
      LWWMap.value(map) as Map<string, Scalar>,
      PNCounter.value(counter),
      ORSet.value(set) as Set<string>,
    );
  }
}

function nlbdAdapter(compress: boolean): Adapter {
  return {
    name: compress ? 'nlbd-compressed' : 'nlbd',
    library: null,
    notes: [
      'map: LWWMap (last writer wins by hybrid-logical timestamp, then replica id; a delete is a timestamped tombstone)',
      'counter: PNCounter; set: ORSet (add wins over a concurrent remove; a remove removes only the adds it has seen)',
      `sync: digests and deltaSince per type, @nlbd/codec encodings${compress ? ' with the optional compression' : ''}; each mutation is a delta joined at once`,
    ],
    createReplica: (id, options = {}) => new NlbdReplica(id, options, compress ? { compress: true } : {}),
  };
}

/** nlbd's delta-state CRDTs with the default wire format. */
export const nlbdAdapterPlain: Adapter = nlbdAdapter(false);
/** nlbd with the codec's optional compression, for the full-state size target. */
export const nlbdAdapterCompressed: Adapter = nlbdAdapter(true);
