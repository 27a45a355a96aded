import {
  assertBytes,
  assertThroughSeq,
  type DocumentUsage,
  holdsRecords,
  type StorageAdapter,
  type StoredDelta,
  type StoredDocument,
} from './adapter.js';
import { assertDocumentName } from './document-name.js';
import { StorageClosedError } from './errors.js';

/** One document's log: the snapshot and the deltas after it, in sequence order. */
interface Log {
  lastSeq: number;
  snapshotSeq: number;
  snapshot: Uint8Array | undefined;
  deltas: StoredDelta[];
}

/**
 * A {@link StorageAdapter} in memory: the same contract as {@link SqliteStorage} (sequence
 * numbers, compaction rules, name checks, copies in and out), durable only for the life of the
 * object. For tests, browsers and replicas that sync their state from elsewhere on start.
 * @example
 * const storage = new MemoryStorage();
 * const doc = await openDocument(storage, 'notes', ORSet);
 */
export class MemoryStorage implements StorageAdapter {
  readonly #logs = new Map<string, Log>();
  #closed = false;

  async load(doc: string): Promise<StoredDocument> {
    this.#check(doc);
    const log = this.#logs.get(doc);
    return {
      snapshot: log?.snapshot?.slice(),
      deltas: log === undefined ? [] : log.deltas.map(({ seq, bytes }) => ({ seq, bytes: bytes.slice() })),
    };
  }

  async append(doc: string, delta: Uint8Array): Promise<number> {
    this.#check(doc);
    assertBytes(delta, 'delta');
    const log = this.#logOf(doc);
    const seq = log.lastSeq + 1;
    log.deltas.push({ seq, bytes: delta.slice() });
    log.lastSeq = seq;
    return seq;
  }

  async compact(doc: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    this.#check(doc);
    assertBytes(snapshot, 'snapshot');
    const log = this.#logs.get(doc) ?? { lastSeq: 0, snapshotSeq: 0 };
    assertThroughSeq(throughSeq, log);
    const kept = this.#logOf(doc);
    kept.snapshot = snapshot.slice();
    kept.snapshotSeq = throughSeq;
    kept.deltas = kept.deltas.filter((d) => d.seq > throughSeq);
  }

  async remove(doc: string): Promise<boolean> {
    this.#check(doc);
    const log = this.#logs.get(doc);
    if (log === undefined || !holdsRecords(log)) return false;
    // The log stays, empty, for its sequence numbers.
    log.snapshot = undefined;
    log.snapshotSeq = log.lastSeq;
    log.deltas = [];
    return true;
  }

  async documents(): Promise<string[]> {
    this.#assertOpen();
    return [...this.#logs]
      .filter(([, log]) => holdsRecords(log))
      .map(([doc]) => doc)
      .sort();
  }

  async usage(doc: string): Promise<DocumentUsage | undefined> {
    this.#check(doc);
    const log = this.#logs.get(doc);
    if (log === undefined || !holdsRecords(log)) return undefined;
    return {
      snapshotBytes: log.snapshot?.length ?? 0,
      deltas: log.deltas.length,
      deltaBytes: log.deltas.reduce((sum, d) => sum + d.bytes.length, 0),
      lastSeq: log.lastSeq,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#logs.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageClosedError();
  }

  #check(doc: unknown): void {
    this.#assertOpen();
    assertDocumentName(doc);
  }

  #logOf(doc: string): Log {
    let log = this.#logs.get(doc);
    if (log === undefined) {
      log = { lastSeq: 0, snapshotSeq: 0, snapshot: undefined, deltas: [] };
      this.#logs.set(doc, log);
    }
    return log;
  }
}
