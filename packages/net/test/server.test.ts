import type { IncomingMessage } from 'node:http';
import { GCounter, ORSet } from '@nlbd/crdts';
import { CloseCode, decodeFrame, encodeFrame, requestToken } from '@nlbd/net';
import { MemoryStorage } from '@nlbd/store';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { Fixture, flakyAppends, storedState, until } from './support.js';

const fixture = new Fixture();
afterEach(() => fixture.stop());

const closedWith = (ws: WebSocket) =>
  new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));

describe('server lifecycle', () => {
  it('closes a silent connection (4004) while heartbeats keep a client connected', async () => {
    const server = await fixture.server({ limits: { idleTimeoutMs: 300 } });
    const silent = new WebSocket(server.url);
    silent.on('error', () => {});
    const client = fixture.client(server.url);
    const statuses: string[] = [];
    client.onStatus((s) => statuses.push(s));
    expect(await closedWith(silent)).toBe(CloseCode.idle);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(client.status).toBe('open');
    expect(statuses).toEqual(['open']);
  });

  it('lets a client detect a server that stopped answering, and reconnect', async () => {
    // A fake server: welcomes, then never says anything again.
    const fake = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    let connections = 0;
    fake.on('connection', (ws) => {
      connections++;
      ws.send(encodeFrame({ type: 'welcome', peer: 'p', idleTimeoutMs: 150 }));
    });
    await new Promise((resolve) => fake.once('listening', resolve));
    const { port } = fake.address() as { port: number };
    try {
      const client = fixture.client(`ws://127.0.0.1:${port}`);
      const statuses: string[] = [];
      client.onStatus((s) => statuses.push(s));
      await until(() => connections >= 2, 'a reconnection after the silence');
      expect(statuses.slice(0, 3)).toEqual(['open', 'offline', 'connecting']);
    } finally {
      for (const ws of fake.clients) ws.terminate();
      await new Promise((resolve) => fake.close(resolve));
    }
  });

  it('retires a document whose append failed (4007); the client reconnects and the change lands', async () => {
    const memory = new MemoryStorage();
    let failures = 1;
    const flaky = flakyAppends(memory, () => failures-- > 0);
    const errors: string[] = [];
    const server = await fixture.server({ store: flaky, onError: (_, where) => errors.push(where) });
    const client = fixture.client(server.url);
    const counter = client.open('c', GCounter);
    counter.update((s, { replica }) => GCounter.increment(s, replica, 3));
    await counter.synced();
    expect(GCounter.value(await storedState(memory, 'c', GCounter))).toBe(3);
    expect(errors).toEqual(["appending to 'c'"]);
    expect(server.stats().closes.get(CloseCode.storage)).toBe(1);
  });

  it('compacts the log into snapshots, and a new server loads the same state', async () => {
    const store = new MemoryStorage();
    const server = await fixture.server({ store, compactEvery: 5 });
    const client = fixture.client(server.url);
    const set = client.open('set', ORSet);
    for (let i = 0; i < 23; i++) {
      set.update((s, { replica }) => ORSet.add(s, replica, i));
      await set.synced();
    }
    await server.close();
    const { snapshot, deltas } = await store.load('set');
    expect(snapshot).toBeDefined();
    expect(deltas.length).toBeLessThan(5);
    expect(ORSet.equals(await storedState(store, 'set', ORSet), set.state)).toBe(true);
    const again = await fixture.server({ store });
    const other = fixture.client(again.url).open('set', ORSet);
    await until(() => ORSet.size(other.state) === 23, 'the reloaded state');
  });

  it('unloads a document nobody holds (with a store) and reloads it on the next subscription', async () => {
    const store = new MemoryStorage();
    await store.append('old', new Uint8Array([1])); // not an nlbd record: refused on load
    const server = await fixture.server({ store, lingerMs: 0 });
    const client = fixture.client(server.url);
    const counter = client.open('c', GCounter);
    counter.update((s, { replica }) => GCounter.increment(s, replica, 2));
    await counter.synced();
    expect(server.documents()).toEqual(['c']);
    counter.close();
    await until(() => server.documents().length === 0, 'the unload');
    const back = client.open('c', GCounter);
    await until(() => back.value === 2, 'the reload');

    const errors: string[] = [];
    const typed = fixture.client(server.url);
    typed.onError((e) => errors.push(e.code));
    typed.open('c', ORSet);
    typed.open('old', ORSet);
    await until(() => errors.length === 2, 'two refusals');
    expect(errors.sort()).toEqual(['type-mismatch', 'unavailable']);
  });

  it('closes connections with 1001 on close; clients reconnect to the next server', async () => {
    const store = new MemoryStorage();
    const first = await fixture.server({ store });
    let url = first.url;
    const client = fixture.client(() => url);
    const counter = client.open('c', GCounter);
    counter.update((s, { replica }) => GCounter.increment(s, replica, 1));
    await counter.synced();
    await first.close();
    await until(() => client.status !== 'open', 'the drop');
    counter.update((s, { replica }) => GCounter.increment(s, replica, 1));
    const second = await fixture.server({ store });
    url = second.url;
    await counter.synced();
    expect(second.document('c')?.value).toBe(2);
    expect(first.stats().closes.get(CloseCode.goingAway)).toBe(1);
  });

  it('answers plain HTTP with 426 and reads tokens from the header or the query', async () => {
    const server = await fixture.server();
    const res = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(res.status).toBe(426);
    const req = (url: string, authorization?: string) =>
      ({ url, headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;
    expect(requestToken(req('/?token=abc'))).toBe('abc');
    expect(requestToken(req('/', 'Bearer xyz'))).toBe('xyz');
    expect(requestToken(req('/?token=abc', 'Bearer xyz'))).toBe('xyz');
    expect(requestToken(req('/'))).toBeUndefined();
    expect(decodeFrame(encodeFrame({ type: 'pong', nonce: 1 }))).toEqual({ type: 'pong', nonce: 1 });
  });
});
