import { ValidationError } from '@nlbd/core';
import { GCounter } from '@nlbd/crdts';
import { type Access, CloseCode, decodeFrame, encodeFrame, type Frame } from '@nlbd/net';
import { MemoryStorage } from '@nlbd/store';
import { syncCodec } from '@nlbd/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Fixture, until } from './support.js';

const fixture = new Fixture();
afterEach(() => fixture.stop());

/** Who may do what, changed by the test while connections are open. */
class Acl {
  readonly #grants = new Set<string>();
  /** Called between deciding and giving each answer; a test may hold answers back. */
  wait: () => Promise<void> = async () => {};

  grant(user: string, doc: string, ...access: Access[]): void {
    for (const a of access) this.#grants.add(`${user}/${doc}/${a}`);
  }

  revoke(user: string, doc: string, ...access: Access[]): void {
    for (const a of access) this.#grants.delete(`${user}/${doc}/${a}`);
  }

  authorize = async (user: string, doc: string, access: Access): Promise<boolean> => {
    const granted = this.#grants.has(`${user}/${doc}/${access}`);
    await this.wait();
    return granted;
  };
}

async function serve(acl: Acl, store = new MemoryStorage()) {
  return fixture.server({
    store,
    authenticate: (req) => new URL(req.url ?? '/', 'ws://x').searchParams.get('user'),
    authorize: acl.authorize,
  });
}

/** A bare WebSocket on `url`, recording the frames it gets. */
async function raw(url: string) {
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  ws.on('message', (data) => frames.push(decodeFrame(new Uint8Array(data as Buffer))));
  await new Promise((resolve) => ws.once('open', resolve));
  return { ws, frames, send: (frame: Frame) => ws.send(encodeFrame(frame)) };
}

describe('reauthorize', () => {
  it('applies withdrawn and granted write access to open subscriptions at once', async () => {
    const acl = new Acl();
    acl.grant('ann', 'notes', 'read', 'write');
    acl.grant('bob', 'notes', 'read', 'write');
    const server = await serve(acl);
    const ann = fixture.client(`${server.url}?user=ann`).open('notes', GCounter);
    const bob = fixture.client(`${server.url}?user=bob`).open('notes', GCounter);
    ann.update((s, { replica }) => GCounter.increment(s, replica, 1));
    await ann.synced();
    await until(() => bob.writable === true, "bob's subscription");

    acl.revoke('ann', 'notes', 'write');
    expect(await server.reauthorize('notes')).toEqual({ checked: 2, changed: 1, closed: 0 });
    await until(() => ann.writable === false, 'ann told she is read-only');
    expect(() => ann.update((s, { replica }) => GCounter.increment(s, replica, 1))).toThrow(
      /no write access/,
    );
    // Still subscribed: she hears bob's changes.
    bob.update((s, { replica }) => GCounter.increment(s, replica, 10));
    await until(() => ann.value === 11, "bob's change at ann");

    // The server enforces it: a change sent anyway is refused and not merged.
    acl.grant('carl', 'notes', 'read', 'write');
    const carl = await raw(`${server.url}?user=carl`);
    carl.send({ type: 'subscribe', channel: 1, doc: 'notes', crdt: GCounter.type });
    await until(() => carl.frames.some((f) => f.type === 'subscribed'), "carl's subscription");
    acl.revoke('carl', 'notes', 'write');
    expect(await server.reauthorize('notes')).toEqual({ checked: 3, changed: 1, closed: 0 });
    await until(() => carl.frames.filter((f) => f.type === 'subscribed').length === 2, "carl's new access");
    expect(carl.frames.filter((f) => f.type === 'subscribed').at(-1)).toEqual({
      type: 'subscribed',
      channel: 1,
      writable: false,
    });
    const delta = GCounter.increment(GCounter.empty(), 'carl', 1000);
    carl.send({
      type: 'sync',
      channel: 1,
      bytes: syncCodec(GCounter).encode({ kind: 'delta', seq: 1, delta }).bytes,
    });
    await until(() => carl.frames.some((f) => f.type === 'error'), 'the refusal');
    expect(carl.frames.find((f) => f.type === 'error')).toMatchObject({ channel: 1, code: 'forbidden' });
    expect(server.document('notes')?.value).toBe(11);
    carl.ws.close();

    acl.grant('ann', 'notes', 'write');
    await until(() => server.stats().connections === 2, "carl's connection closed");
    expect(await server.reauthorize()).toEqual({ checked: 2, changed: 1, closed: 0 });
    await until(() => ann.writable === true, 'ann told she may write again');
    ann.update((s, { replica }) => GCounter.increment(s, replica, 100));
    await ann.synced();
    await until(() => bob.value === 111, "ann's change at bob");
    expect(server.stats().errors).toBe(0);
  });

  it('closes a connection that lost read access (4008); subscribing again is refused, other documents reopen', async () => {
    const acl = new Acl();
    acl.grant('ann', 'secret', 'read', 'write');
    acl.grant('ann', 'public', 'read', 'write');
    const server = await serve(acl);
    const client = fixture.client(`${server.url}?user=ann`);
    const secret = client.open('secret', GCounter);
    const pub = client.open('public', GCounter);
    const errors: string[] = [];
    secret.onError((e) => errors.push(e.code));
    await until(() => secret.subscribed && pub.subscribed, 'both subscriptions');

    acl.revoke('ann', 'secret', 'read', 'write');
    // Another document's reauthorization leaves her alone.
    expect(await server.reauthorize('public')).toEqual({ checked: 1, changed: 0, closed: 0 });
    expect(await server.reauthorize('secret')).toEqual({ checked: 1, changed: 1, closed: 1 });
    await until(() => server.stats().closes.get(CloseCode.accessRevoked) === 1, 'the close');
    await until(() => errors.includes('forbidden'), 'the refused resubscription');
    await until(() => pub.subscribed, 'the other document reopened');
    expect(secret.subscribed).toBe(false);
    pub.update((s, { replica }) => GCounter.increment(s, replica, 2));
    await pub.synced();
    expect(server.document('public')?.value).toBe(2);
    expect(server.document('secret')?.subscribers ?? 0).toBe(0);
  });

  it('makes a subscription still asking authorize ask again before it opens', async () => {
    const acl = new Acl();
    acl.grant('ann', 'notes', 'read', 'write');
    const server = await serve(acl);
    let answer: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      answer = resolve;
    });
    let asked = 0;
    acl.wait = async () => {
      if (asked++ === 0) await held; // only the first question waits
    };
    const client = fixture.client(`${server.url}?user=ann`);
    const errors: string[] = [];
    const notes = client.open('notes', GCounter);
    notes.onError((e) => errors.push(e.code));
    await until(() => asked === 1, 'the first question');
    // Revoked while the answer (given before the revocation) is on its way.
    acl.revoke('ann', 'notes', 'read', 'write');
    expect(await server.reauthorize()).toEqual({ checked: 0, changed: 0, closed: 0 });
    answer();
    await until(() => errors.includes('forbidden'), 'the refusal');
    expect(notes.subscribed).toBe(false);
    expect(server.document('notes')?.subscribers ?? 0).toBe(0);
  });

  it('refuses a document name that is not one', async () => {
    const server = await serve(new Acl());
    await expect(server.reauthorize('')).rejects.toThrow(ValidationError);
    await expect(server.reauthorize(42 as unknown as string)).rejects.toThrow(ValidationError);
  });
});
