import * as A from '@automerge/automerge';
import { DecodeError } from '@nlbd/core';
import {
  type Adapter,
  assertIncrement,
  assertWorkloadId,
  type Scalar,
  type WorkloadReplica,
  type WorkloadValue,
  workloadValue,
} from './workload.js';

type Shape = {
  map: Record<string, Scalar>;
  counter: A.Counter;
  set: Record<string, true>;
};

/**
 * Every replica starts from this one saved document. Automerge's docs ask for a shared initial
 * document: if each replica created `map` itself, the two `map` objects would conflict on the
 * root key and one replica's entries would vanish from view. Time 0 keeps its hash fixed.
 */
let initial: Uint8Array | undefined;
function initialDocument(): Uint8Array {
  initial ??= A.save(A.from<Shape>({ map: {}, counter: new A.Counter(0), set: {} }, { actor: '00' }));
  return initial;
}

let heads: A.Heads | undefined;
function initialHeads(): A.Heads {
  heads ??= A.getHeads(A.load(initialDocument()));
  return heads;
}

const HASH_BYTES = 32;

/** Heads are hex hashes; the digest carries them as bytes, half the size. */
function encodeHeads(heads: A.Heads): Uint8Array {
  const hex = heads.join('');
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function decodeHeads(bytes: Uint8Array): A.Heads {
  if (bytes.length % HASH_BYTES !== 0)
    throw new DecodeError('heads must be 32-byte hashes', 'automerge digest');
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const heads: A.Heads = [];
  for (let i = 0; i < hex.length; i += 2 * HASH_BYTES) heads.push(hex.slice(i, i + 2 * HASH_BYTES));
  return heads;
}

/** Automerge actor ids are hex; a workload id's ASCII codes, in hex, keep the ids' order. */
function actorId(id: string): string {
  return Array.from(id, (ch) => ch.charCodeAt(0).toString(16)).join('');
}

/**
 * An Automerge document `{ map, counter, set }`: `map` a map object, `counter` an Automerge
 * `Counter`, `set` a map from element to `true` (Automerge has no set type; map keys are how its
 * users model one). Outside {@link transact}, each mutation is its own change.
 */
class AutomergeReplica implements WorkloadReplica {
  readonly id: string;
  #doc: A.Doc<Shape>;
  /** The draft of the change {@link transact} is building, if any. */
  #draft: Shape | undefined;

  constructor(id: string) {
    assertWorkloadId(id);
    this.id = id;
    this.#doc = A.load<Shape>(initialDocument(), { actor: actorId(id) });
  }

  #edit(fn: (draft: Shape) => void): void {
    if (this.#draft) fn(this.#draft);
    else this.#doc = A.change(this.#doc, fn);
  }

  mapSet(key: string, value: Scalar): void {
    this.#edit((d) => {
      d.map[key] = value;
    });
  }

  mapDelete(key: string): void {
    this.#edit((d) => {
      delete d.map[key];
    });
  }

  counterIncrement(n: number): void {
    assertIncrement(n);
    this.#edit((d) => d.counter.increment(n));
  }

  setAdd(element: string): void {
    this.#edit((d) => {
      d.set[element] = true;
    });
  }

  setRemove(element: string): void {
    this.#edit((d) => {
      delete d.set[element];
    });
  }

  transact(fn: () => void): void {
    if (this.#draft) {
      fn();
      return;
    }
    this.#doc = A.change(this.#doc, (draft) => {
      this.#draft = draft;
      try {
        fn();
      } finally {
        this.#draft = undefined;
      }
    });
  }

  encodeState(): Uint8Array {
    return A.save(this.#doc);
  }

  digest(): Uint8Array {
    return encodeHeads(A.getHeads(this.#doc));
  }

  /** `saveSince` the peer's heads: the changes not already behind them, compressed. */
  encodeSince(peerDigest: Uint8Array): Uint8Array {
    return A.saveSince(this.#doc, decodeHeads(peerDigest));
  }

  /**
   * `loadIncremental`; but a replica that holds only the initial document loads the bytes
   * whole with `load`, the faster path Automerge recommends for a first sync, when they
   * include the initial document (a full `save` does).
   */
  apply(bytes: Uint8Array): void {
    const loaded =
      A.getHeads(this.#doc).join() === initialHeads().join() ? this.#loadWhole(bytes) : undefined;
    this.#doc = loaded ?? A.loadIncremental(this.#doc, bytes);
  }

  #loadWhole(bytes: Uint8Array): A.Doc<Shape> | undefined {
    try {
      const loaded = A.load<Shape>(bytes, { actor: A.getActorId(this.#doc) });
      return A.hasHeads(loaded, initialHeads()) ? loaded : undefined;
    } catch {
      return undefined; // changes whose dependencies are not in the bytes: only loadIncremental takes those
    }
  }

  /** `Automerge.merge`: copies the other document's missing changes in memory. */
  joinFrom(other: WorkloadReplica): void {
    if (!(other instanceof AutomergeReplica)) throw new TypeError('joinFrom needs an Automerge replica');
    this.#doc = A.merge(this.#doc, other.#doc);
  }

  value(): WorkloadValue {
    const { map, counter, set } = this.#doc;
    return workloadValue(Object.entries(map), counter.value, Object.keys(set));
  }
}

/** Automerge 3, through its JavaScript API (`change`, `save`, `saveSince`, `loadIncremental`). */
export const automergeAdapter: Adapter = {
  name: 'automerge',
  library: '@automerge/automerge',
  notes: [
    'document { map, counter, set } loaded by every replica from one shared initial save, as Automerge recommends',
    'map: a map object; set: a map from element to true (no set type); a delete removes only the values it has seen',
    'counter: Automerge’s Counter type (concurrent increments add up)',
    'sync: heads as the digest, saveSince(heads), loadIncremental; batches are one Automerge.change',
  ],
  createReplica: (id) => new AutomergeReplica(id),
};
