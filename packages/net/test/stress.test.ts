import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Crdt } from '@nlbd/core';
import { GCounter, LWWMap, ORMap, ORSet, PNCounter } from '@nlbd/crdts';
import type { DocumentHandle, SyncServer, UpdateContext } from '@nlbd/net';
import { SqliteStorage } from '@nlbd/store';
import { Random } from '@nlbd/sync';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { crashable, Fixture, storedState, trackedWebSocket, until } from './support.js';

const fixture = new Fixture();
afterEach(() => fixture.stop());
const dir = mkdtempSync(join(tmpdir(), 'nlbd-net-stress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const Todo = ORMap.of(ORSet);

/** One document of the workload: its type and a random operation on it (a delta). */
interface Workload {
  readonly name: string;
  readonly crdt: Crdt<unknown, unknown>;
  op(s: unknown, ctx: UpdateContext, r: Random, counted: { total: number }): unknown;
}

const WORKLOADS: Workload[] = [
  {
    name: 'pn',
    crdt: PNCounter as Crdt<unknown, unknown>,
    op(s, { replica }, r, counted) {
      const n = r.int(5) + 1;
      const up = r.chance(0.6);
      counted.total += up ? n : -n;
      const state = s as ReturnType<typeof PNCounter.empty>;
      return up ? PNCounter.increment(state, replica, n) : PNCounter.decrement(state, replica, n);
    },
  },
  {
    name: 'g',
    crdt: GCounter as Crdt<unknown, unknown>,
    op(s, { replica }, r, counted) {
      const n = r.int(3) + 1;
      counted.total += n;
      return GCounter.increment(s as ReturnType<typeof GCounter.empty>, replica, n);
    },
  },
  {
    name: 'set',
    crdt: ORSet as Crdt<unknown, unknown>,
    op(s, { replica }, r) {
      const state = s as ReturnType<typeof ORSet.empty>;
      const e = r.int(50);
      return r.chance(0.3) ? ORSet.remove(state, e) : ORSet.add(state, replica, e);
    },
  },
  {
    name: 'map',
    crdt: LWWMap as Crdt<unknown, unknown>,
    op(s, { replica, clock }, r) {
      const state = s as ReturnType<typeof LWWMap.empty>;
      const k = `k${r.int(30)}`;
      return r.chance(0.2)
        ? LWWMap.delete(state, replica, k, clock)
        : LWWMap.set(state, replica, k, r.int(1000), clock);
    },
  },
  {
    name: 'todo',
    crdt: Todo as Crdt<unknown, unknown>,
    op(s, { replica }, r) {
      const state = s as ReturnType<typeof Todo.empty>;
      const k = `list${r.int(8)}`;
      if (r.chance(0.1)) return Todo.remove(state, k);
      return Todo.update(state, replica, k, (v) => ORSet.add(v, replica, r.int(20)));
    },
  },
];

const crdtOf = (doc: string) => (WORKLOADS.find((w) => w.name === doc) as Workload).crdt;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('20 clients, random ops, disconnects and a server crash', () => {
  it('converges, counts exactly, and keeps every acknowledged op across the crash', {
    timeout: 120_000,
  }, async () => {
    const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`stress seed: ${seed} (replay the operations with FC_SEED=${seed})`);
    const random = new Random(seed);
    const CLIENTS = 20;
    const OPS = process.env.CI ? 500 : 500;
    const file = join(dir, 'stress.sqlite');

    let sqlite = new SqliteStorage(file, { synchronous: 'normal' });
    let store = crashable(sqlite, 20);
    let server: SyncServer = await fixture.server({ store, flushMs: 5, retransmitMs: 200 });
    let url = server.url;
    const counted = new Map(WORKLOADS.map((w) => [w.name, { total: 0 }]));
    /** Every op's delta, by document; and how many of each client's ops its server acknowledged. */
    const ops = new Map(WORKLOADS.map((w) => [w.name, [] as unknown[]]));
    const acked: { doc: string; delta: unknown }[][] = [];

    const sockets = Array.from({ length: CLIENTS }, () => trackedWebSocket());
    const clients = sockets.map(({ WebSocket }, i) =>
      fixture.client(() => url, { replica: `r${i}`, flushMs: 5, retransmitMs: 200, WebSocket }),
    );
    const faults = { disconnects: 0, cuts: 0, ackedBeforeCrash: 0 };
    const handles = clients.map((client) =>
      WORKLOADS.map((w) => client.open(w.name, w.crdt) as DocumentHandle<unknown, unknown>),
    );

    let done = 0;
    let crashed: Promise<void> | undefined;
    const crashAndRestart = async () => {
      store.crash();
      const ackedBeforeCrash = acked.map((list) => [...list]);
      const crashedServer = server;
      await crashedServer.close();
      await sqlite.close();
      // What a restarted server loads holds every op a client saw acknowledged.
      const check = new SqliteStorage(file);
      const states = new Map<string, unknown>();
      for (const w of WORKLOADS) states.set(w.name, await storedState(check, w.name, w.crdt));
      await check.close();
      faults.ackedBeforeCrash = ackedBeforeCrash.flat().length;
      const lost = ackedBeforeCrash
        .flat()
        .filter(({ doc, delta }) => !crdtOf(doc).leq(delta, states.get(doc)))
        .map(({ doc }) => doc);
      expect(lost).toEqual([]);
      sqlite = new SqliteStorage(file, { synchronous: 'normal' });
      store = crashable(sqlite, 20);
      server = await fixture.server({ store, flushMs: 5, retransmitMs: 200 });
      url = server.url;
    };

    const run = async (c: number) => {
      const mine: { doc: string; delta: unknown }[] = [];
      acked[c] = [];
      for (let i = 0; i < OPS; i++) {
        const client = clients[c]!;
        if (random.chance(0.005) && client.status !== 'offline') {
          faults.disconnects++;
          client.disconnect();
          setTimeout(() => client.reconnect(), 10 + random.int(50));
        }
        if (random.chance(0.005) && sockets[c]!.cut()) faults.cuts++;
        const j = random.int(WORKLOADS.length);
        const w = WORKLOADS[j] as Workload;
        const h = handles[c]![j]!;
        const delta = h.update((s, ctx) => w.op(s, ctx, random, counted.get(w.name)!));
        mine.push({ doc: w.name, delta });
        ops.get(w.name)!.push(delta);
        if (random.chance(0.05)) {
          // synced() covers the ops made so far on this handle.
          const covered = mine.filter((o) => o.doc === w.name);
          h.synced().then(
            () => acked[c]!.push(...covered),
            () => {},
          );
        }
        if (++done === (CLIENTS * OPS) / 2) crashed = crashAndRestart();
        if (i % 5 === 0) await sleep(random.int(3));
      }
    };
    await Promise.all(clients.map((_, c) => run(c)));
    await crashed;
    for (const client of clients) if (client.status === 'offline') client.reconnect();

    const flat = handles.flat();
    await until(
      () =>
        flat.every((h) => !h.pending && h.subscribed) &&
        WORKLOADS.every((w, j) => handles.every((hs) => w.crdt.equals(hs[j]!.state, handles[0]![j]!.state))),
      'every client to converge',
      40_000,
      () =>
        JSON.stringify({
          statuses: clients.map((c) => c.status),
          pending: flat.filter((h) => h.pending).map((h) => `${h.replica}/${h.name}`),
          unsubscribed: flat.filter((h) => !h.subscribed).map((h) => `${h.replica}/${h.name}`),
          differ: WORKLOADS.map(
            (w, j) => handles.filter((hs) => !w.crdt.equals(hs[j]!.state, handles[0]![j]!.state)).length,
          ),
          server: server.stats(),
        }),
    );
    for (const [j, w] of WORKLOADS.entries()) {
      await until(
        () => w.crdt.equals(server.document(w.name)?.state, handles[0]![j]!.state),
        `the server's ${w.name}`,
      );
    }
    await server.close();
    const { bytesIn, bytesOut, closes } = server.stats();
    console.log(
      'stress faults:',
      faults,
      'closes:',
      closes,
      'bytes in/out (restarted server):',
      bytesIn,
      bytesOut,
    );
    expect(faults.ackedBeforeCrash).toBeGreaterThan(0);
    for (const [j, w] of WORKLOADS.entries()) {
      const stored = await storedState(sqlite, w.name, w.crdt);
      expect({ doc: w.name, equal: w.crdt.equals(stored, handles[0]![j]!.state) }).toEqual({
        doc: w.name,
        equal: true,
      });
      const missing = ops.get(w.name)!.filter((delta) => !w.crdt.leq(delta, stored)).length;
      expect({ doc: w.name, missing }).toEqual({ doc: w.name, missing: 0 });
    }
    expect(handles[0]![0]!.value).toBe(counted.get('pn')!.total);
    expect(handles[0]![1]!.value).toBe(counted.get('g')!.total);
    await sqlite.close();
  });
});
