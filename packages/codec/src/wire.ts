import { DecodeError, isReplicaId, type ReplicaId } from '@nlbd/core';
import type { ResolvedLimits } from './limits.js';

/** Throws the `DecodeError` every decoding failure is. */
export function fail(reason: string, path: string): never {
  throw new DecodeError(reason, path);
}

/** `x` as an array, or a `DecodeError` naming `path`. */
export function asArray(x: unknown, path: string): unknown[] {
  if (!Array.isArray(x)) fail(`expected an array, got ${describe(x)}`, path);
  return x;
}

/** `x` as an array of exactly `n` items (the fixed parts of a layout). */
export function asTuple(x: unknown, n: number, path: string): unknown[] {
  const a = asArray(x, path);
  if (a.length !== n) fail(`expected ${n} parts, got ${a.length}`, path);
  return a;
}

/**
 * `path`, or item `index` of it: item paths are built only for an error, since building one per
 * item read would cost more than reading it.
 */
export function itemPath(path: string, index?: number): string {
  return index === undefined ? path : `${path}[${index}]`;
}

/** `x` as a safe integer ≥ `min`; a failure names `path` (item `index` of it, if given). */
export function asCount(x: unknown, path: string, min = 0, index?: number): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min) {
    fail(`expected a safe integer ≥ ${min}, got ${describe(x)}`, itemPath(path, index));
  }
  return x;
}

/** A short description of a decoded value for error messages (never the value itself). */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (x instanceof Uint8Array) return 'bytes';
  if (x instanceof Map) return 'a map';
  if (typeof x === 'number') return String(x);
  return typeof x;
}

/** How a message's body is written (the envelope has options of its own). */
export interface WriteOptions {
  /**
   * Whether an LWW-Map's key text of at least 256 UTF-8 bytes is written as its DEFLATE where
   * that is shorter (default true; see `packKeyText`). False writes the text as it is; a reader
   * takes either. DEFLATE pays in bytes where keys share much (the benchmarks' 5k keys: 5.5 KB of
   * text to about 110 B) and costs 40 to 100 µs a message (fflate clears about 180 KB of tables a
   * call): merging two 5k-key states both ways took 12% to 17% less time without it
   * (docs/benchmarks.md).
   */
  readonly deflateKeyText?: boolean;
}

/**
 * Collects the replica ids one message mentions, each once, and hands out their indexes.
 * Indexes follow first use, and every codec uses ids in a canonical order (contexts first, by id),
 * so the same state always gets the same table.
 */
export class Writer {
  /** The table, in index order. */
  readonly replicas: ReplicaId[] = [];
  readonly #index = new Map<ReplicaId, number>();
  /** See {@link WriteOptions.deflateKeyText}. */
  readonly deflateKeyText: boolean;

  constructor(options: WriteOptions = {}) {
    this.deflateKeyText = options.deflateKeyText !== false;
  }

  /** The index of `id`, adding it to the table on first use. */
  intern(id: ReplicaId): number {
    let i = this.#index.get(id);
    if (i === undefined) {
      i = this.replicas.length;
      this.replicas.push(id);
      this.#index.set(id, i);
    }
    return i;
  }
}

/** Replica ids lately found valid: peers send the same few ids in every message. */
const validIds = new Set<string>();

/** Whether a short list holds no value twice. */
function distinct(ids: readonly unknown[]): boolean {
  for (let i = 1; i < ids.length; i++) for (let j = 0; j < i; j++) if (ids[i] === ids[j]) return false;
  return true;
}

/** The decoding side of {@link Writer}: the validated replica table and the limits in force. */
export class Reader {
  /** The replica table, every id valid and distinct. */
  readonly replicas: readonly ReplicaId[];
  readonly limits: ResolvedLimits;
  /** The format minor version of the message, for layouts that changed between minors. */
  readonly minor: number;
  /** Characters of decoded keys so far, bounded by `limits.maxBytes`. */
  keyChars = 0;
  /** Dots of decoded context clouds so far, bounded by `limits.maxEntries`. */
  cloudDots = 0;

  constructor(table: unknown, limits: ResolvedLimits, minor: number) {
    const ids = asArray(table, 'replicas');
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!validIds.has(id as string)) {
        if (!isReplicaId(id)) fail('not a valid replica id', `replicas[${i}]`);
        if (validIds.size >= 4096) validIds.clear();
        validIds.add(id);
      }
    }
    const seen = ids.length > 8 ? new Set(ids) : undefined;
    if (seen === undefined ? !distinct(ids) : seen.size !== ids.length) {
      const i = ids.findIndex((id, j) => ids.indexOf(id) !== j);
      fail(`replica '${ids[i]}' appears twice`, `replicas[${i}]`);
    }
    this.replicas = ids as ReplicaId[];
    this.limits = limits;
    this.minor = minor;
  }

  /** The replica an index names; a failure names `path` (item `index` of it, if given). */
  replica(x: unknown, path: string, index?: number): ReplicaId {
    const r = typeof x === 'number' ? this.replicas[x] : undefined;
    if (r === undefined || !Number.isInteger(x))
      fail(`no replica with index ${describe(x)}`, itemPath(path, index));
    return r;
  }
}
