import * as Y from 'yjs';
import {
  type Adapter,
  assertIncrement,
  assertWorkloadId,
  replicaNumber,
  type Scalar,
  type WorkloadReplica,
  type WorkloadValue,
  workloadValue,
} from './workload.js';

/** Which Yjs update format a replica speaks: v1 (the default) or the more compact v2. */
export type YjsEncoding = 'v1' | 'v2';

const codecs = {
  v1: { encode: Y.encodeStateAsUpdate, apply: Y.applyUpdate },
  v2: { encode: Y.encodeStateAsUpdateV2, apply: Y.applyUpdateV2 },
} as const;

/**
 * A Yjs document with three root types: `map` (a `Y.Map`), `set` (a `Y.Map` from element to
 * `true`, as Yjs users model a set) and `counter`. Yjs has no counter type, so `counter` is the
 * emulation Yjs users write: a `Y.Map` from client id to that client's running total, whose
 * value is the sum. Each client only ever writes its own key, so totals never conflict.
 */
class YjsReplica implements WorkloadReplica {
  readonly id: string;
  readonly #doc = new Y.Doc();
  readonly #map: Y.Map<Scalar>;
  readonly #set: Y.Map<true>;
  readonly #counter: Y.Map<number>;
  readonly #codec: (typeof codecs)[YjsEncoding];

  constructor(id: string, encoding: YjsEncoding) {
    assertWorkloadId(id);
    this.id = id;
    this.#doc.clientID = replicaNumber(id);
    this.#map = this.#doc.getMap('map');
    this.#set = this.#doc.getMap('set');
    this.#counter = this.#doc.getMap('counter');
    this.#codec = codecs[encoding];
  }

  mapSet(key: string, value: Scalar): void {
    this.#map.set(key, value);
  }

  mapDelete(key: string): void {
    this.#map.delete(key);
  }

  counterIncrement(n: number): void {
    assertIncrement(n);
    const mine = String(this.#doc.clientID);
    this.#counter.set(mine, (this.#counter.get(mine) ?? 0) + n);
  }

  setAdd(element: string): void {
    this.#set.set(element, true);
  }

  setRemove(element: string): void {
    this.#set.delete(element);
  }

  transact(fn: () => void): void {
    this.#doc.transact(fn);
  }

  encodeState(): Uint8Array {
    return this.#codec.encode(this.#doc);
  }

  digest(): Uint8Array {
    return Y.encodeStateVector(this.#doc);
  }

  encodeSince(peerDigest: Uint8Array): Uint8Array {
    return this.#codec.encode(this.#doc, peerDigest);
  }

  apply(bytes: Uint8Array): void {
    this.#codec.apply(this.#doc, bytes);
  }

  value(): WorkloadValue {
    let counter = 0;
    for (const total of this.#counter.values()) counter += total;
    return workloadValue(this.#map.entries(), counter, this.#set.keys());
  }
}

function yjsAdapter(encoding: YjsEncoding): Adapter {
  return {
    name: encoding === 'v1' ? 'yjs' : 'yjs-v2',
    library: 'yjs',
    notes: [
      'map: Y.Map; set: Y.Map from element to true; both keep the last write in Yjs’s item order',
      'counter: emulated (Yjs has none) as a Y.Map from client id to that client’s running total, summed',
      `sync: encodeStateVector as the digest, encodeStateAsUpdate${encoding === 'v2' ? 'V2' : ''} (from a state vector), applyUpdate${encoding === 'v2' ? 'V2' : ''}; batches are doc.transact`,
    ],
    createReplica: (id) => new YjsReplica(id, encoding),
  };
}

/** Yjs with update format v1, the default of `Y.encodeStateAsUpdate`. */
export const yjsAdapterV1: Adapter = yjsAdapter('v1');
/** Yjs with update format v2 (`Y.encodeStateAsUpdateV2`), smaller on the wire. */
export const yjsAdapterV2: Adapter = yjsAdapter('v2');
