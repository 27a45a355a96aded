import { ValidationError } from '@nlbd/core';
import type { PeerId } from '@nlbd/sync';
import { Listeners } from './listeners.js';
import { PresenceTable } from './presence-table.js';
import { assertName, MAX_PRESENCE_KEY, type PresenceValue } from './protocol.js';

/** How long a presence entry lives when `set` is given no time-to-live: 30 s. */
export const DEFAULT_PRESENCE_TTL_MS = 30_000;

/**
 * The presence of one document: ephemeral key → value entries per connection (a cursor, a user
 * name, a selection), relayed by the server to the other subscribers and never stored. An entry
 * lasts until its time-to-live runs out, it is deleted, or its connection goes away; set it again
 * to keep it. While offline, `peers` is empty and own entries wait to be sent on reconnection
 * (with the time they have left).
 * @example
 * doc.presence.set('cursor', { line: 3, ch: 14 }, 10_000);
 * doc.presence.onChange(() => render(doc.presence.peers));
 */
export interface Presence {
  /**
   * Sets this connection's entry `key` (1-128 characters, no control characters) to `value` for
   * `ttlMs` (default {@link DEFAULT_PRESENCE_TTL_MS}). The server refuses values over its
   * `maxPresenceBytes` of JSON and times-to-live over its `maxPresenceTtlMs`.
   */
  set(key: string, value: PresenceValue, ttlMs?: number): void;
  /** Deletes this connection's entry `key`, for everyone. */
  delete(key: string): void;
  /** This connection's live entries. */
  readonly mine: ReadonlyMap<string, PresenceValue>;
  /** The other connections' live entries, by their peer id (see `SyncClient.peer`) and key. */
  readonly peers: ReadonlyMap<PeerId, ReadonlyMap<string, PresenceValue>>;
  /** Calls `listener` whenever `peers` or `mine` changed (set, deleted, expired, disconnected). */
  onChange(listener: () => void): () => void;
}

/** How a document's presence reaches the server. */
export interface PresenceLink {
  /** Whether frames can go now (the document is subscribed on a live connection). */
  live(): boolean;
  send(key: string, json: string | null, ttlMs: number): void;
}

const SELF = '';

/** The client side of {@link Presence}, fed by the document it belongs to. */
export class ClientPresence implements Presence {
  readonly #link: PresenceLink;
  readonly #mine: PresenceTable<PresenceValue>;
  readonly #others: PresenceTable<PresenceValue>;
  readonly #listeners = new Listeners<[]>();

  constructor(link: PresenceLink) {
    this.#link = link;
    this.#mine = new PresenceTable(() => this.#emit());
    this.#others = new PresenceTable(() => this.#emit());
  }

  set(key: string, value: PresenceValue, ttlMs = DEFAULT_PRESENCE_TTL_MS): void {
    assertName(key, MAX_PRESENCE_KEY, 'presence.key');
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1)
      throw new ValidationError(`must be an integer ≥ 1, got ${ttlMs}`, 'presence.ttlMs');
    const json = toJson(value);
    this.#mine.set(SELF, key, JSON.parse(json) as PresenceValue, ttlMs);
    if (this.#link.live()) this.#link.send(key, json, ttlMs);
    this.#emit();
  }

  delete(key: string): void {
    if (!this.#mine.delete(SELF, key)) return;
    if (this.#link.live()) this.#link.send(key, null, 0);
    this.#emit();
  }

  get mine(): ReadonlyMap<string, PresenceValue> {
    return this.#mine.view().get(SELF) ?? new Map();
  }

  get peers(): ReadonlyMap<PeerId, ReadonlyMap<string, PresenceValue>> {
    return this.#others.view();
  }

  onChange(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  /** A `presence` frame from the server; a value that is not JSON is ignored. */
  receive(peer: PeerId, key: string, json: string | null, ttlMs: number): void {
    if (json === null) {
      if (this.#others.delete(peer, key)) this.#emit();
      return;
    }
    let value: PresenceValue;
    try {
      value = JSON.parse(json) as PresenceValue;
    } catch {
      return;
    }
    this.#others.set(peer, key, value, ttlMs);
    this.#emit();
  }

  /** The document is subscribed again: own entries go out with the time they have left. */
  resend(): void {
    for (const e of this.#mine.entries()) this.#link.send(e.key, JSON.stringify(e.value), e.ttlMs);
  }

  /** The connection is gone: so are everyone else's entries. */
  disconnected(): void {
    if (this.#others.view().size === 0) return;
    this.#others.clear();
    this.#emit();
  }

  /** Drops everything and stops the timers. */
  close(): void {
    this.#mine.clear();
    this.#others.clear();
    this.#listeners.clear();
  }

  #emit(): void {
    this.#listeners.emit();
  }
}

/** JSON text of a presence value; what JSON cannot carry (undefined, functions, NaN...) is refused. */
function toJson(value: PresenceValue): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value, (_, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v))
        throw new ValidationError(`${v} is not JSON`, 'presence.value');
      return v;
    });
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(error instanceof Error ? error.message : String(error), 'presence.value');
  }
  if (json === undefined) throw new ValidationError('must be a JSON value', 'presence.value');
  return json;
}
