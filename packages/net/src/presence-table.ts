import type { PeerId } from '@nlbd/sync';

interface Entry<T> {
  readonly value: T;
  readonly expires: number;
}

/** One live presence entry, with the time it has left. */
export interface PresenceEntry<T> {
  readonly peer: PeerId;
  readonly key: string;
  readonly value: T;
  readonly ttlMs: number;
}

/**
 * Presence entries by peer and key, each expiring after its own time-to-live. One timer wakes at
 * the earliest expiry, drops what has expired and reports each drop. The server and the client
 * both keep one per document; neither ever persists it.
 */
export class PresenceTable<T> {
  readonly #entries = new Map<PeerId, Map<string, Entry<T>>>();
  readonly #onExpire: (peer: PeerId, key: string) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wakeAt = Number.POSITIVE_INFINITY;

  constructor(onExpire: (peer: PeerId, key: string) => void) {
    this.#onExpire = onExpire;
  }

  /** Sets `peer`'s entry `key` to `value` for `ttlMs` from now. */
  set(peer: PeerId, key: string, value: T, ttlMs: number): void {
    let mine = this.#entries.get(peer);
    if (mine === undefined) this.#entries.set(peer, (mine = new Map()));
    const expires = Date.now() + ttlMs;
    mine.set(key, { value, expires });
    if (expires < this.#wakeAt) this.#schedule(expires);
  }

  /** Deletes one entry; returns whether it was there. */
  delete(peer: PeerId, key: string): boolean {
    const mine = this.#entries.get(peer);
    if (mine === undefined || !mine.delete(key)) return false;
    if (mine.size === 0) this.#entries.delete(peer);
    return true;
  }

  /** Deletes every entry of `peer`; returns their keys. */
  removePeer(peer: PeerId): string[] {
    const keys = [...(this.#entries.get(peer)?.keys() ?? [])];
    this.#entries.delete(peer);
    return keys;
  }

  /** Whether `peer` has an entry `key`. */
  has(peer: PeerId, key: string): boolean {
    return this.#entries.get(peer)?.has(key) ?? false;
  }

  /** How many entries `peer` has. */
  count(peer: PeerId): number {
    return this.#entries.get(peer)?.size ?? 0;
  }

  /** The live entries with their remaining time. */
  *entries(): Generator<PresenceEntry<T>> {
    const now = Date.now();
    for (const [peer, mine] of this.#entries) {
      for (const [key, e] of mine) {
        if (e.expires > now) yield { peer, key, value: e.value, ttlMs: e.expires - now };
      }
    }
  }

  /** The live entries as peer → key → value. */
  view(): Map<PeerId, Map<string, T>> {
    const out = new Map<PeerId, Map<string, T>>();
    for (const { peer, key, value } of this.entries()) {
      let mine = out.get(peer);
      if (mine === undefined) out.set(peer, (mine = new Map()));
      mine.set(key, value);
    }
    return out;
  }

  /** Drops every entry without reporting, and stops the timer. */
  clear(): void {
    this.#entries.clear();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#wakeAt = Number.POSITIVE_INFINITY;
  }

  #schedule(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#wakeAt = at;
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, at - Date.now()));
  }

  #expire(): void {
    this.#timer = undefined;
    this.#wakeAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    const expired: [PeerId, string][] = [];
    for (const [peer, mine] of this.#entries) {
      for (const [key, e] of mine) {
        if (e.expires <= now) expired.push([peer, key]);
        else next = Math.min(next, e.expires);
      }
    }
    for (const [peer, key] of expired) {
      this.delete(peer, key);
      this.#onExpire(peer, key);
    }
    if (next < Number.POSITIVE_INFINITY) this.#schedule(next);
  }
}
