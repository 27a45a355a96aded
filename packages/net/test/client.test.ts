import { ValidationError } from '@nlbd/core';
import { GCounter, ORSet } from '@nlbd/crdts';
import { connect } from '@nlbd/net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Fixture, until } from './support.js';

const fixture = new Fixture();
afterEach(() => fixture.stop());

describe('client', () => {
  it('checks its options: the URL, a WebSocket class, numbers', () => {
    expect(() => connect('http://127.0.0.1:1', { WebSocket })).toThrow(/ws: or wss:/);
    expect(() => connect('not a url', { WebSocket })).toThrow(ValidationError);
    // Node 20 has no global WebSocket: the error says what to pass.
    if ((globalThis as { WebSocket?: unknown }).WebSocket === undefined) {
      expect(() => connect('ws://127.0.0.1:1')).toThrow(/pass \{ WebSocket \} from 'ws'/);
    }
    expect(() => connect('ws://127.0.0.1:1', { WebSocket, heartbeatMs: 0 })).toThrow(/heartbeatMs/);
  });

  it('opens one handle per name, refuses another type, works offline, rejects synced after close', async () => {
    const server = await fixture.server();
    const client = fixture.client(server.url);
    client.disconnect();
    const a = client.open('doc', ORSet);
    expect(client.open('doc', ORSet)).toBe(a);
    expect(() => client.open('doc', GCounter)).toThrow(/open as a orset/);
    expect(() => client.open('', ORSet)).toThrow(ValidationError);
    a.update((s, { replica }) => ORSet.add(s, replica, 'offline'));
    expect(a.pending).toBe(true);
    const waiting = a.synced();
    client.reconnect();
    await waiting;
    expect(ORSet.size(server.document('doc')?.state as ReturnType<typeof ORSet.empty>)).toBe(1);

    a.update((s, { replica }) => ORSet.add(s, replica, 'late'));
    client.disconnect();
    const lost = a.synced();
    a.close();
    await expect(lost).rejects.toThrow(/closed/);
    expect(() => a.update((s) => s)).toThrow(/closed/);
    client.close();
    expect(client.status).toBe('closed');
    expect(() => client.open('x', ORSet)).toThrow(/closed/);
  });

  it('gives a reopened document a fresh replica id, so its first changes do not collide', async () => {
    const server = await fixture.server();
    const client = fixture.client(server.url, { replica: 'me' });
    const first = client.open('c', GCounter);
    first.update((s, { replica }) => GCounter.increment(s, replica, 5));
    await first.synced();
    first.close();
    const again = client.open('c', GCounter);
    expect([first.replica, again.replica === 'me']).toEqual(['me', false]);
    // Made before the new handle has caught up: with the old id this increment would be lost.
    again.update((s, { replica }) => GCounter.increment(s, replica, 1));
    await again.synced();
    await until(() => again.value === 6, 'both increments');
    expect(server.document('c')?.value).toBe(6);
  });

  it('reports changes by origin and keeps a throwing listener from breaking the client', async () => {
    const server = await fixture.server();
    const [a, b] = [fixture.client(server.url), fixture.client(server.url)];
    const da = a.open('c', GCounter);
    const db = b.open('c', GCounter);
    const origins: string[] = [];
    db.onChange((origin) => origins.push(origin));
    const unhandled: unknown[] = [];
    const onUncaught = (e: unknown) => unhandled.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      db.onChange(() => {
        throw new Error('listener bug');
      });
      db.update((s, { replica }) => GCounter.increment(s, replica, 1));
      da.update((s, { replica }) => GCounter.increment(s, replica, 1));
      await until(() => db.value === 2 && da.value === 2, 'both increments');
      await until(() => unhandled.length >= 2, 'the listener errors to surface');
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(origins.slice(0, 2)).toEqual(['local', 'remote']);
  });
});
