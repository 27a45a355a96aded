import { type Dot, DotContext, type ReplicaId } from '@nlbd/core';
import type { DotSeen } from './dot-seen.js';
import { asArray, fail, type Reader, type Writer } from './wire.js';

/**
 * Dots as two columns: replica indexes (an empty column when every index is 0, the common case
 * of one writer) and counters, each the difference from the previous dot's counter in the column.
 */
export class DotColumnWriter {
  readonly #replicas: number[] = [];
  readonly #counters: number[] = [];
  #prev = 0;
  #allZero = true;
  readonly #w: Writer;

  constructor(w: Writer) {
    this.#w = w;
  }

  /**
   * Appends the dots in canonical order: by replica index, then counter. Returns how many.
   */
  push(dots: readonly Dot[]): number {
    const sorted = dots.length === 1 ? dots : [...dots].sort((a, b) => this.#order(a, b));
    for (const d of sorted) this.pushOne(d.replica, d.counter);
    return dots.length;
  }

  /** Appends one dot. */
  pushOne(replica: ReplicaId, counter: number): void {
    const i = this.#w.intern(replica);
    if (i !== 0) this.#allZero = false;
    this.#replicas.push(i);
    this.#counters.push(counter - this.#prev);
    this.#prev = counter;
  }

  #order(a: Dot, b: Dot): number {
    return this.#w.intern(a.replica) - this.#w.intern(b.replica) || a.counter - b.counter;
  }

  /** The two columns. */
  columns(): [number[], number[]] {
    return [this.#allZero ? [] : this.#replicas, this.#counters];
  }
}

/** Reads {@link DotColumnWriter} columns one dot at a time, validating each. */
export class DotColumnReader {
  /** How many dots the columns hold. */
  readonly length: number;
  readonly #r: Reader;
  readonly #replicas: unknown[];
  readonly #counters: unknown[];
  readonly #path: string;
  #i = 0;
  #counter = 0;

  constructor(parts: unknown[], at: number, r: Reader, path: string) {
    this.#r = r;
    this.#path = path;
    this.#replicas = asArray(parts[at], `${path}.dotReplicas`);
    this.#counters = asArray(parts[at + 1], `${path}.dotCounters`);
    this.length = this.#counters.length;
    if (this.#replicas.length !== 0 && this.#replicas.length !== this.length) {
      fail('dot replica and counter columns differ in length', path);
    }
    if (this.length > 0 && this.#replicas.length === 0) this.#r.replica(0, `${path}.dotReplicas`);
  }

  /** Whether every dot has been read. */
  get done(): boolean {
    return this.#i === this.length;
  }

  /** The replica index of the next dot. */
  #index(): number {
    return this.#replicas.length === 0 ? 0 : (this.#replicas[this.#i] as number);
  }

  /**
   * The next `k` dots, which must ascend by (replica index, counter), lie in `context`, and not
   * yet be in `live` (into which they are added): a dot names one update, held in one place.
   */
  take(k: number, context: DotContext, live: DotSeen | undefined): Dot[] {
    if (k > this.length - this.#i) fail(`expected ${k} more dots than the columns hold`, this.#path);
    const out: Dot[] = new Array(k);
    let lastIndex = -1;
    let lastCounter = 0;
    for (let j = 0; j < k; j++) {
      const at = `${this.#path}.dotCounters[${this.#i}]`;
      const index = this.#index();
      const replica = this.#r.replica(index, `${this.#path}.dotReplicas`, this.#i);
      const counter = this.#counter + (this.#counters[this.#i] as number);
      if (typeof this.#counters[this.#i] !== 'number' || !Number.isSafeInteger(counter) || counter < 1) {
        fail('a dot counter must be a safe integer ≥ 1', at);
      }
      if (index < lastIndex || (index === lastIndex && counter <= lastCounter)) {
        fail('dots must ascend by replica index, then counter', at);
      }
      if (!DotContext.hasEvent(context, replica, counter))
        fail(`dot (${replica}, ${counter}) is not in the context`, at);
      if (live !== undefined && !live.add(replica, counter)) {
        fail(`dot (${replica}, ${counter}) appears twice`, at);
      }
      out[j] = { replica, counter };
      lastIndex = index;
      lastCounter = counter;
      this.#counter = counter;
      this.#i++;
    }
    return out;
  }

  /** Refuses columns with dots left over. */
  end(): void {
    if (!this.done) fail(`${this.length - this.#i} dots left over`, this.#path);
  }
}
