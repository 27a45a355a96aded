import { GCounter, ORSet } from '@nlbd/crdts';
import { CloseCode, decodeFrame, encodeFrame, type Frame, type SyncServer } from '@nlbd/net';
import { MemoryStorage } from '@nlbd/store';
import { Random, syncCodec } from '@nlbd/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Fixture, until } from './support.js';

const fixture = new Fixture();
afterEach(() => fixture.stop());

/** A bare WebSocket speaking frames (or anything) to the server, recording what comes back. */
async function raw(url: string) {
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('error', () => {});
  ws.on('message', (data) => frames.push(decodeFrame(new Uint8Array(data as Buffer))));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('close', reject);
  });
  await until(() => frames.some((f) => f.type === 'welcome'), 'welcome');
  return {
    ws,
    frames,
    closed,
    send: (frame: Frame | Uint8Array | string) =>
      ws.send(frame instanceof Uint8Array || typeof frame === 'string' ? frame : encodeFrame(frame)),
    next: async (type: Frame['type']) => {
      await until(() => frames.some((f) => f.type === type), `a ${type} frame`);
      return frames.find((f) => f.type === type) as Frame;
    },
  };
}

/** Dials `url` expecting a refusal before the WebSocket opens; the error `ws` reports. */
function refusal(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.close();
      reject(new Error('the connection was admitted'));
    });
    ws.once('error', (error) => resolve(error.message));
  });
}

/** A well-behaved client on `doc`, to check the server still serves others. */
async function checkServes(server: SyncServer, doc: string, n: number) {
  const client = fixture.client(server.url);
  const counter = client.open(doc, GCounter);
  counter.update((s, { replica }) => GCounter.increment(s, replica, n));
  await counter.synced();
  return counter;
}

const orsetDelta = (seq: number) =>
  syncCodec(ORSet).encode({ kind: 'delta', seq, delta: ORSet.add(ORSet.empty(), 'evil', 'x') }).bytes;

describe('hostile clients', () => {
  it('closes a connection on bad input with a code that says why, and only that connection', async () => {
    const store = new MemoryStorage();
    const server = await fixture.server({ store, limits: { maxMessageBytes: 4096 } });
    const good = await checkServes(server, 'good', 1);

    const cases: [string, (c: Awaited<ReturnType<typeof raw>>) => void, number][] = [
      ['garbage bytes', (c) => c.send(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])), CloseCode.malformed],
      ['a text frame', (c) => c.send('hello'), CloseCode.malformed],
      ['an oversize frame', (c) => c.send(new Uint8Array(10_000)), CloseCode.tooBig],
      [
        'a frame only servers send',
        (c) => c.send({ type: 'welcome', peer: 'x', idleTimeoutMs: 1 }),
        CloseCode.protocol,
      ],
      [
        'sync on a channel never opened',
        (c) => c.send({ type: 'sync', channel: 9, bytes: orsetDelta(1) }),
        CloseCode.protocol,
      ],
      [
        'the same channel twice',
        (c) => {
          c.send({ type: 'subscribe', channel: 1, doc: 'a', crdt: 'orset' });
          c.send({ type: 'subscribe', channel: 1, doc: 'b', crdt: 'orset' });
        },
        CloseCode.protocol,
      ],
    ];
    for (const [what, act, code] of cases) {
      const c = await raw(server.url);
      act(c);
      expect({ what, code: (await c.closed).code }).toEqual({ what, code });
    }

    // Bad sync bytes inside a valid frame, on an open channel.
    const c = await raw(server.url);
    c.send({ type: 'subscribe', channel: 1, doc: 'victim', crdt: 'orset' });
    await c.next('subscribed');
    c.send({ type: 'sync', channel: 1, bytes: new Uint8Array([0x6e, 0x6c, 1, 0, 4, 0, 1, 0x41, 0xff]) });
    expect((await c.closed).code).toBe(CloseCode.malformed);
    const compressed = orsetDelta(1);
    compressed[5] = 1; // the envelope's deflate flag: refused before any inflating
    const d = await raw(server.url);
    d.send({ type: 'subscribe', channel: 1, doc: 'victim', crdt: 'orset' });
    await d.next('subscribed');
    d.send({ type: 'sync', channel: 1, bytes: compressed });
    expect((await d.closed).code).toBe(CloseCode.malformed);

    const after = await checkServes(server, 'good', 2);
    await until(() => good.value === 3 && after.value === 3, 'the good clients in sync');
    expect(await store.documents()).toEqual(['good']);
    expect(server.stats().errors).toBe(0);
  });

  it('refuses connections past maxConnections with HTTP 503, counting those still authenticating', async () => {
    let letIn: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      letIn = resolve;
    });
    const server = await fixture.server({
      limits: { maxConnections: 2 },
      authenticate: async (request) => {
        if (request.url?.includes('slow')) await gate;
        return 'someone';
      },
    });
    // One connection open, one still authenticating: the server is full.
    const first = await raw(server.url);
    const slow = new WebSocket(`${server.url}?slow`);
    slow.on('error', () => {});
    const slowOpen = new Promise((resolve) => slow.once('open', resolve));
    await until(() => server.stats().connections === 1, 'the first connection');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await refusal(server.url)).toMatch(/503/);
    expect(server.stats().refused).toBe(1);
    // A client dialing a full server backs off and retries; it gets in once a place is free.
    const counter = fixture.client(server.url).open('late', GCounter);
    counter.update((s, { replica }) => GCounter.increment(s, replica, 5));
    await until(() => server.stats().refused >= 2, 'the client refused');
    letIn();
    await slowOpen;
    await until(() => server.stats().connections === 2, 'the slow connection open');
    first.ws.close();
    await counter.synced();
    expect(server.document('late')?.value).toBe(5);
    expect(server.stats().connections).toBe(2);
    slow.close();
  });

  it('stops while a connection is still authenticating, without waiting for it', async () => {
    const server = await fixture.server({ authenticate: () => new Promise<string>(() => {}) });
    const ws = new WebSocket(server.url);
    ws.on('error', () => {});
    const closed = new Promise((resolve) => ws.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    await closed;
    expect(server.stats().connections).toBe(0);
  });

  it('refuses connections past maxConnectionsPerAddress, and admits again once one closes', async () => {
    const server = await fixture.server({ limits: { maxConnectionsPerAddress: 2 } });
    const a = await raw(server.url);
    const b = await raw(server.url);
    expect(await refusal(server.url)).toMatch(/503/);
    a.ws.close();
    await a.closed;
    // The place frees when the socket has closed, just after the WebSocket's close.
    await until(() => server.stats().connections === 1, 'the first connection gone');
    let c: Awaited<ReturnType<typeof raw>> | undefined;
    for (let i = 0; c === undefined && i < 100; i++) {
      c = await raw(server.url).catch(() => undefined);
      if (c === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(c).toBeDefined();
    expect(server.stats().connections).toBe(2);
    expect(server.stats().errors).toBe(0);
    b.ws.close();
    c?.ws.close();
  });

  it('closes a flooding connection (rate limit) and keeps serving the others', async () => {
    const store = new MemoryStorage();
    const server = await fixture.server({ store, limits: { messagesPerSecond: 50, burst: 100 } });
    const c = await raw(server.url);
    c.send({ type: 'subscribe', channel: 1, doc: 'flood', crdt: 'orset' });
    for (let i = 0; i < 1000; i++) c.send({ type: 'ping', nonce: i });
    expect((await c.closed).code).toBe(CloseCode.rateLimited);
    expect(c.frames.filter((f) => f.type === 'pong').length).toBeLessThan(1000);
    await checkServes(server, 'good', 1);
    expect(await store.documents()).toEqual(['good']);
  });

  it('refuses unauthorized reads and writes with error frames, writing nothing', async () => {
    const store = new MemoryStorage();
    const server = await fixture.server({
      store,
      authenticate: (req) => (req.url?.includes('token=ok') ? 'alice' : null),
      authorize: (_, doc, access) => doc === 'open' || (doc === 'readonly' && access === 'read'),
    });
    const url = `${server.url}?token=ok`;
    const c = await raw(url);
    c.send({ type: 'subscribe', channel: 1, doc: 'secret', crdt: 'orset' });
    const refused = await c.next('error');
    expect(refused).toMatchObject({ type: 'error', channel: 1, code: 'forbidden' });
    c.send({ type: 'subscribe', channel: 2, doc: 'readonly', crdt: 'orset' });
    expect(await c.next('subscribed')).toEqual({ type: 'subscribed', channel: 2, writable: false });
    c.send({ type: 'sync', channel: 2, bytes: orsetDelta(1) });
    await until(() => c.frames.filter((f) => f.type === 'error').length === 2, 'the write refusal');
    expect(c.frames.at(-1)).toMatchObject({ type: 'error', channel: 2, code: 'forbidden' });
    expect(ORSet.size(server.document('readonly')?.state as ReturnType<typeof ORSet.empty>)).toBe(0);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);

    // The client library knows the document is read-only once subscribed.
    const reader = fixture.client(url);
    const doc = reader.open('readonly', ORSet);
    await until(() => doc.writable === false, 'the subscription');
    expect(() => doc.update((s, { replica }) => ORSet.add(s, replica, 1))).toThrow(/no write access/);
    expect(await store.documents()).toEqual([]);

    // No token: closed with 4001, and the client does not retry.
    const stranger = fixture.client(server.url);
    const errors: string[] = [];
    stranger.onError((e) => errors.push(e.code));
    await until(() => errors.includes('unauthenticated'), 'the refusal');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stranger.status).toBe('offline');
    expect(server.stats().closes.get(CloseCode.unauthenticated)).toBe(1);
  });

  it('refuses bad subscriptions with error frames: names, types, limits, type mismatch', async () => {
    const server = await fixture.server({ limits: { maxDocumentsPerConnection: 2 } });
    const c = await raw(server.url);
    const refusals: [string, string, string][] = [
      ['', 'orset', 'invalid'],
      ['a\u0000b', 'orset', 'invalid'],
      ['x'.repeat(300), 'orset', 'invalid'],
      ['ok', 'ormap<nope>', 'invalid'],
    ];
    let channel = 0;
    for (const [doc, crdt, code] of refusals) {
      c.send({ type: 'subscribe', channel: ++channel, doc, crdt });
      await until(
        () => c.frames.some((f) => f.type === 'error' && f.channel === channel),
        `refusal ${channel}`,
      );
      expect(c.frames.at(-1)).toMatchObject({ code });
    }
    c.send({ type: 'subscribe', channel: 10, doc: 'one', crdt: 'gcounter' });
    c.send({ type: 'subscribe', channel: 11, doc: 'one', crdt: 'gcounter' });
    c.send({ type: 'subscribe', channel: 12, doc: 'two', crdt: 'gcounter' });
    c.send({ type: 'subscribe', channel: 13, doc: 'three', crdt: 'gcounter' });
    await until(() => c.frames.filter((f) => f.type === 'subscribed').length === 2, 'two subscriptions');
    await until(() => c.frames.filter((f) => f.type === 'error').length === 6, 'two more refusals');
    const codes = c.frames.filter((f) => f.type === 'error').map((f) => f.type === 'error' && f.code);
    expect(codes.slice(4).sort()).toEqual(['already-subscribed', 'too-many-documents']);
    const d = await raw(server.url);
    d.send({ type: 'subscribe', channel: 1, doc: 'one', crdt: 'orset' });
    expect(await d.next('error')).toMatchObject({ code: 'type-mismatch' });
  });

  it('survives mutated frames from many connections (seeded fuzz), with no unexpected error', async () => {
    const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`hostile fuzz seed: ${seed} (replay with FC_SEED=${seed})`);
    const random = new Random(seed);
    const store = new MemoryStorage();
    const server = await fixture.server({ store });
    const valid: Frame[] = [
      { type: 'subscribe', channel: 1, doc: 'fuzz', crdt: 'orset' },
      { type: 'sync', channel: 1, bytes: orsetDelta(1) },
      { type: 'set-presence', channel: 1, key: 'cursor', value: '{"x":1}', ttlMs: 1000 },
      { type: 'unsubscribe', channel: 1 },
      { type: 'ping', nonce: 7 },
    ];
    for (let n = 0; n < (process.env.CI ? 200 : 60); n++) {
      const c = await raw(server.url);
      for (const frame of valid) {
        const bytes = encodeFrame(frame);
        for (let flips = random.int(4); flips > 0; flips--) bytes[random.int(bytes.length)] = random.int(256);
        c.send(bytes);
      }
      c.ws.close();
      await c.closed;
    }
    await checkServes(server, 'good', 1);
    expect(server.stats().errors).toBe(0);
  });
});
