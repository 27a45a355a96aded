import {
  type ConnectOptions,
  connect,
  createSyncServer,
  type SyncClient,
  type SyncServerOptions,
} from '@nlbd/net';
import type { StorageAdapter, StoredDocument } from '@nlbd/store';
import { WebSocket } from 'ws';

/**
 * A StorageAdapter in memory for these tests, with a crash switch: `crash()` makes the calls of
 * the process that "died" fail (and drops their pending appends), while a new `view()` reads and
 * writes the same data, as a restarted server would.
 */
export class TestStorage {
  readonly logs = new Map<
    string,
    { snapshot: Uint8Array | undefined; deltas: { seq: number; bytes: Uint8Array }[] }
  >();
  #lastSeq = new Map<string, number>();
  appends = 0;

  /** An adapter over this data; all adapters from earlier `view`s stop working on `crash`. */
  view(): StorageAdapter & { crash(): void } {
    let dead = false;
    const alive = () => {
      if (dead) throw new Error('crashed');
    };
    // Appends resolve on a later task, like a real disk: a crash in between loses them.
    const later = <T>(f: () => T) =>
      new Promise<T>((resolve, reject) =>
        setTimeout(() => {
          try {
            alive();
            resolve(f());
          } catch (error) {
            reject(error);
          }
        }, 1),
      );
    return {
      load: async (doc) => {
        alive();
        return this.load(doc);
      },
      append: (doc, bytes) =>
        later(() => {
          const seq = (this.#lastSeq.get(doc) ?? 0) + 1;
          this.#lastSeq.set(doc, seq);
          this.#log(doc).deltas.push({ seq, bytes: bytes.slice() });
          this.appends++;
          return seq;
        }),
      compact: (doc, snapshot, throughSeq) =>
        later(() => {
          const log = this.#log(doc);
          log.snapshot = snapshot.slice();
          log.deltas = log.deltas.filter((d) => d.seq > throughSeq);
        }),
      documents: async () => [...this.logs.keys()],
      close: async () => {},
      crash: () => {
        dead = true;
      },
    };
  }

  load(doc: string): StoredDocument {
    const log = this.logs.get(doc);
    return { snapshot: log?.snapshot, deltas: log?.deltas ?? [] };
  }

  #log(doc: string) {
    let log = this.logs.get(doc);
    if (log === undefined) this.logs.set(doc, (log = { snapshot: undefined, deltas: [] }));
    return log;
  }
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs` (no timing is asserted). */
export async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
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
