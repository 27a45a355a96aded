import { LoroDoc, type LoroMap, VersionVector } from 'loro-crdt';
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

/**
 * A Loro document with root containers `map` (a `LoroMap`), `counter` (a `LoroCounter`) and
 * `set` (a `LoroMap` from element to `true`: Loro has no set container). Outside
 * {@link transact}, each mutation is committed on its own.
 */
class LoroReplica implements WorkloadReplica {
  readonly id: string;
  readonly #doc = new LoroDoc();
  readonly #map: LoroMap;
  readonly #set: LoroMap;
  #batching = false;

  constructor(id: string) {
    assertWorkloadId(id);
    this.id = id;
    this.#doc.setPeerId(replicaNumber(id));
    this.#map = this.#doc.getMap('map');
    this.#set = this.#doc.getMap('set');
  }

  #commit(): void {
    if (!this.#batching) this.#doc.commit();
  }

  mapSet(key: string, value: Scalar): void {
    this.#map.set(key, value);
    this.#commit();
  }

  mapDelete(key: string): void {
    this.#map.delete(key);
    this.#commit();
  }

  counterIncrement(n: number): void {
    assertIncrement(n);
    this.#doc.getCounter('counter').increment(n);
    this.#commit();
  }

  setAdd(element: string): void {
    this.#set.set(element, true);
    this.#commit();
  }

  setRemove(element: string): void {
    this.#set.delete(element);
    this.#commit();
  }

  transact(fn: () => void): void {
    if (this.#batching) {
      fn();
      return;
    }
    this.#batching = true;
    try {
      fn();
    } finally {
      this.#batching = false;
      this.#doc.commit();
    }
  }

  encodeState(): Uint8Array {
    return this.#doc.export({ mode: 'snapshot' });
  }

  digest(): Uint8Array {
    return this.#doc.oplogVersion().encode();
  }

  encodeSince(peerDigest: Uint8Array): Uint8Array {
    return this.#doc.export({ mode: 'update', from: VersionVector.decode(peerDigest) });
  }

  apply(bytes: Uint8Array): void {
    this.#doc.import(bytes);
  }

  value(): WorkloadValue {
    const map = this.#map.toJSON() as Record<string, Scalar>;
    const counter = this.#doc.getCounter('counter').value;
    return workloadValue(Object.entries(map), counter, this.#set.keys());
  }
}

/** Loro, through `loro-crdt` (`export` snapshot / update from a version vector, `import`). */
export const loroAdapter: Adapter = {
  name: 'loro',
  library: 'loro-crdt',
  notes: [
    'map: LoroMap (last-writer-wins by Lamport time, then peer id); set: LoroMap from element to true (no set container)',
    'counter: LoroCounter',
    'sync: oplogVersion() as the digest, export({ mode: "update", from }), import; full state is export({ mode: "snapshot" }); batches are one commit',
  ],
  createReplica: (id) => new LoroReplica(id),
};
