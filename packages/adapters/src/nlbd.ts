import { type EncodeOptions, type MessageReader, type MessageWriter, registerMessage } from '@nlbd/codec';
import { type Crdt, type Digest, HybridLogicalClock } from '@nlbd/core';
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

/** The types of {@link States}, in wire order. */
const PARTS = [LWWMap, PNCounter, ORSet] as readonly Crdt<unknown, unknown>[];

/** A part in a message: nil for a bottom state (the commonest part of a delta). */
function writePart<S>(crdt: Crdt<S, unknown>, state: S, w: MessageWriter): unknown {
  return crdt.equals(state, crdt.empty()) ? null : w.state(crdt, state);
}

/** What a received document message joins into a replica's states, in wire order. */
type Joiners = ((target: unknown) => boolean)[];

/** Where a part's errors point. */
const PART_PATHS = PARTS.map((_, i) => `document[${i}]`);

/** The joiner of a nil (bottom) part: joins nothing. */
const joinNothing = (): boolean => false;

/** A document message: written from the three states (or deltas), read back as their joiners. */
type Document = States | Joiners;

/**
 * A document (its three states or deltas) as one `@nlbd/codec` message: one envelope and one
 * replica table for all three, each part nil when bottom. Decoding validates every part before
 * anything is joined; the map's rows join without its state being built, and each part joins
 * once, so a set received by an empty replica becomes its own, unjoined.
 */
const DocumentMessage = registerMessage<Document>('nlbd.adapter.document', {
  encode: (m, w) => {
    const { map, counter, set } = m as States;
    return [writePart(LWWMap, map, w), writePart(PNCounter, counter, w), writePart(ORSet, set, w)];
  },
  decode: (data, r: MessageReader): Joiners => {
    const parts = r.array(data, 'document');
    if (parts.length !== PARTS.length) r.fail(`expected ${PARTS.length} parts`, 'document');
    const joiners: Joiners = new Array(PARTS.length);
    for (let i = 0; i < PARTS.length; i++)
      joiners[i] = parts[i] === null ? joinNothing : r.joiner(PARTS[i]!, parts[i], PART_PATHS[i]!, true);
    return joiners;
  },
});

/** The three digests of a document as one message sharing one replica table. */
const DigestsMessage = registerMessage<Digest[]>('nlbd.adapter.digests', {
  encode: (digests, w) => digests.map((d) => w.digest(d)),
  decode: (data, r) => {
    const parts = r.array(data, 'digests');
    if (parts.length !== PARTS.length) r.fail(`expected ${PARTS.length} digests`, 'digests');
    return parts.map((x, i) => r.digest(x, `digests[${i}]`));
  },
});

/** How a replica encodes its whole state, and the deltas it ships. */
interface Encoding {
  readonly state: EncodeOptions;
  readonly delta: EncodeOptions;
}

/**
 * An nlbd replica: an `LWWMap`, a `PNCounter` and an `ORSet` from `@nlbd/crdts`. Map and set
 * writes use the in-place mutators (`setInto`, `addInto`, ...), which leave the state as joining
 * the delta would, since sync by digests never sends a mutation's delta; increments join a delta.
 * Wire bytes are one `@nlbd/codec` message holding the three states (or the deltas `encodeSince`
 * ships), digests one message of three digests; received parts join as `decodeInto` joins them
 * (maps row by row, a set into an empty replica taken whole).
 */
class NlbdReplica implements WorkloadReplica {
  readonly id: string;
  readonly #clock: HybridLogicalClock;
  readonly #states: States = { map: LWWMap.empty(), counter: PNCounter.empty(), set: ORSet.empty() };
  readonly #encoding: Encoding;

  constructor(id: string, options: ReplicaOptions, encoding: Encoding) {
    assertWorkloadId(id);
    this.id = id;
    this.#clock = new HybridLogicalClock(id, options.now ? { now: options.now } : {});
    this.#encoding = encoding;
  }

  mapSet(key: string, value: Scalar): void {
    LWWMap.setInto(this.#states.map, this.id, key, value, this.#clock);
  }

  mapDelete(key: string): void {
    LWWMap.deleteInto(this.#states.map, this.id, key, this.#clock);
  }

  counterIncrement(n: number): void {
    assertIncrement(n);
    const s = this.#states.counter;
    PNCounter.joinInto(s, n >= 0 ? PNCounter.increment(s, this.id, n) : PNCounter.decrement(s, this.id, -n));
  }

  setAdd(element: string): void {
    ORSet.addInto(this.#states.set, this.id, element);
  }

  setRemove(element: string): void {
    ORSet.removeInto(this.#states.set, element);
  }

  /** Writes apply in place as they are made, so a batch needs nothing more. */
  transact(fn: () => void): void {
    fn();
  }

  encodeState(): Uint8Array {
    return DocumentMessage.encode(this.#states, this.#encoding.state);
  }

  digest(): Uint8Array {
    const { map, counter, set } = this.#states;
    return DigestsMessage.encode([LWWMap.digest(map), PNCounter.digest(counter), ORSet.digest(set)]);
  }

  encodeSince(peerDigest: Uint8Array): Uint8Array {
    const [map, counter, set] = DigestsMessage.decode(peerDigest) as [Digest, Digest, Digest];
    const s = this.#states;
    return DocumentMessage.encode(
      {
        map: LWWMap.deltaSince(s.map, map),
        counter: PNCounter.deltaSince(s.counter, counter),
        set: ORSet.deltaSince(s.set, set),
      },
      this.#encoding.delta,
    );
  }

  apply(bytes: Uint8Array): void {
    // Every part is validated before any is joined, so bad bytes leave the replica unchanged.
    const [map, counter, set] = DocumentMessage.decode(bytes) as Joiners;
    map!(this.#states.map);
    counter!(this.#states.counter);
    set!(this.#states.set);
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
      `sync: digests and deltaSince per type, the three in one @nlbd/codec message${compress ? ' with the optional compression' : " (a whole state with the map's key text as it is, deflateKeyText: false; deltas with it deflated, the default)"}; map and set writes apply in place (setInto, addInto: the state joining their delta would give, no delta built, since digest sync never sends one); counter increments are deltas joined at once`,
    ],
    createReplica: (id, options = {}) => new NlbdReplica(id, options, compress ? COMPRESSED : PLAIN),
  };
}

/**
 * The default wire format, but for whole states' key text, written as it is: a whole state is
 * sent in bulk, where the key text's DEFLATE saved a quarter of the bytes (10k entries: 34.2 KB
 * against 45.1 KB) for 12% to 17% of a 5k-key merge's time (see `WriteOptions`).
 */
const PLAIN: Encoding = { state: { deflateKeyText: false }, delta: {} };
/** The codec's optional compression of the whole message, states and deltas alike. */
const COMPRESSED: Encoding = { state: { compress: true }, delta: { compress: true } };

/** nlbd's delta-state CRDTs with the default wire format. */
export const nlbdAdapterPlain: Adapter = nlbdAdapter(false);
/** nlbd with the codec's optional compression, for the full-state size target. */
export const nlbdAdapterCompressed: Adapter = nlbdAdapter(true);
