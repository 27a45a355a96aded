import { decode } from '@nlbd/codec';
import type { Crdt } from '@nlbd/core';
import {
  type ConnectOptions,
  connect,
  createSyncServer,
  type SyncClient,
  type SyncServerOptions,
  type WebSocketConstructor,
} from '@nlbd/net';
import type { StorageAdapter } from '@nlbd/store';
import { WebSocket } from 'ws';

/** A storage adapter that can "crash": every call after `crash()` rejects, as if the process died. */
export interface Crashable extends StorageAdapter {
  crash(): void;
  /** Appends that resolved. */
  readonly appends: number;
}

/**
 * Wraps `storage` so that it can crash, and makes each call take `latencyMs`, like a slow disk:
 * a crash in between loses it. The data stays in `storage` for the next server.
 */
export function crashable(storage: StorageAdapter, latencyMs = 1): Crashable {
  let dead = false;
  let appends = 0;
  const alive = () => {
    if (dead) throw new Error('crashed');
  };
  const later = <T>(f: () => Promise<T>) =>
    new Promise<void>((resolve) => setTimeout(resolve, latencyMs)).then(() => {
      alive();
      return f();
    });
  return {
    load: (doc) => later(() => storage.load(doc)),
    append: (doc, bytes) =>
      later(async () => {
        const seq = await storage.append(doc, bytes);
        appends++;
        return seq;
      }),
    compact: (doc, snapshot, throughSeq) => later(() => storage.compact(doc, snapshot, throughSeq)),
    remove: (doc) => later(() => storage.remove(doc)),
    documents: () => later(() => storage.documents()),
    usage: (doc) => later(() => storage.usage(doc)),
    close: async () => {},
    crash: () => {
      dead = true;
    },
    get appends() {
      return appends;
    },
  };
}

/** `storage` whose appends fail with 'disk full' whenever `fail()` says so; the rest passes through. */
export function flakyAppends(storage: StorageAdapter, fail: () => boolean): StorageAdapter {
  return overriding(storage, {
    append: async (doc, bytes) => {
      if (fail()) throw new Error('disk full');
      return storage.append(doc, bytes);
    },
  });
}

/** `storage` with every `remove` held back `ms` first (loads and the rest stay quick). */
export function slowRemoval(storage: StorageAdapter, ms: number): StorageAdapter {
  return overriding(storage, {
    remove: async (doc) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return storage.remove(doc);
    },
  });
}

/** An adapter that passes every call to `storage`, but those `overrides` replace. */
function overriding(storage: StorageAdapter, overrides: Partial<StorageAdapter>): StorageAdapter {
  return {
    load: (doc) => storage.load(doc),
    append: (doc, bytes) => storage.append(doc, bytes),
    compact: (doc, snapshot, throughSeq) => storage.compact(doc, snapshot, throughSeq),
    remove: (doc) => storage.remove(doc),
    documents: () => storage.documents(),
    usage: (doc) => storage.usage(doc),
    close: () => storage.close(),
    ...overrides,
  };
}

/** The state a store holds for `doc`: its snapshot joined with every delta after it. */
export async function storedState<S>(
  storage: StorageAdapter,
  doc: string,
  crdt: Crdt<S, unknown>,
): Promise<S> {
  const { snapshot, deltas } = await storage.load(doc);
  const state = snapshot === undefined ? crdt.empty() : decode(crdt, snapshot);
  for (const d of deltas) crdt.joinInto(state, decode(crdt, d.bytes));
  return state;
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs` (no timing is asserted). */
export async function until(
  check: () => boolean,
  what: string,
  timeoutMs = 30_000,
  explain: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `ws`'s WebSocket, remembering the sockets each client opened, so a test can cut one abruptly. */
export function trackedWebSocket(): { WebSocket: WebSocketConstructor; cut(): boolean } {
  let last: WebSocket | undefined;
  class Tracked extends WebSocket {
    constructor(url: string) {
      super(url);
      last = this;
    }
  }
  return {
    WebSocket: Tracked,
    /** Drops the latest socket without a closing handshake, as a network failure would. */
    cut: () => {
      if (last === undefined || last.readyState !== WebSocket.OPEN) return false;
      last.terminate();
      return true;
    },
  };
}

/** Servers and clients started by a test, stopped after it. */
export class Fixture {
  readonly #servers: { close(): Promise<void> }[] = [];
  readonly #clients: SyncClient[] = [];

  async server<P = string>(options: SyncServerOptions<P> = {}) {
    const server = await createSyncServer({ port: 0, host: '127.0.0.1', flushMs: 1, ...options });
    this.#servers.push(server);
    return server;
  }

  client(url: string | (() => string), options: ConnectOptions = {}): SyncClient {
    const client = connect(url, {
      WebSocket,
      backoff: { initialMs: 10, maxMs: 100 },
      flushMs: 1,
      retransmitMs: 200,
      ...options,
    });
    this.#clients.push(client);
    return client;
  }

  async stop(): Promise<void> {
    for (const client of this.#clients.splice(0)) client.close();
    await Promise.all(this.#servers.splice(0).map((s) => s.close()));
  }
}
