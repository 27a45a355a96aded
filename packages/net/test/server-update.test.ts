import { ValidationError } from '@nlbd/core';
import { GCounter, LWWMap, ORSet } from '@nlbd/crdts';
import { SERVER_REPLICA } from '@nlbd/net';
import { MemoryStorage } from '@nlbd/store';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, flakyAppends, storedState, until } from './support.js';

const fixture = new Fixture();
afterEach(() => fixture.stop());

describe('server.update', () => {
  it("changes a document as a client would: subscribers get it, the store keeps it, LWW writes carry the server's clock", async () => {
    const store = new MemoryStorage();
    const server = await fixture.server({ store });
    const client = fixture.client(server.url);
    const todo = client.open('todo', ORSet);
    todo.update((s, { replica }) => ORSet.add(s, replica, 'milk'));
    await todo.synced();

    const delta = await server.update('todo', ORSet, (s, { replica }) =>
      ORSet.add(s, replica, 'water plants'),
    );
    expect([...ORSet.value(delta)]).toEqual(['water plants']);
    // Durable once it resolves.
    expect([...ORSet.value(await storedState(store, 'todo', ORSet))].sort()).toEqual([
      'milk',
      'water plants',
    ]);
    await until(() => todo.value.has('water plants'), 'the subscriber to get the change');
    expect([...((server.document('todo')?.value as Set<string>) ?? [])].sort()).toEqual([
      'milk',
      'water plants',
    ]);

    // A client's later write wins over the server's earlier one, whatever the wall clocks.
    const title = client.open('title', LWWMap);
    await server.update('title', LWWMap, (s, { replica, clock }) => {
      expect(replica).toBe(SERVER_REPLICA);
      return LWWMap.set(s, replica, 'text', 'from the server', clock);
    });
    await until(() => title.value.get('text') === 'from the server', 'the server write');
    title.update((s, { replica, clock }) => LWWMap.set(s, replica, 'text', 'from the client', clock));
    await title.synced();
    expect((server.document('title')?.value as Map<string, unknown> | undefined)?.get('text')).toBe(
      'from the client',
    );
  });

  it('loads a document nobody has open, and it is there for the next subscriber and after a restart', async () => {
    const store = new MemoryStorage();
    const server = await fixture.server({ store, lingerMs: 0 });
    await server.update('count', GCounter, (s, { replica }) => GCounter.increment(s, replica, 4));
    await until(() => server.documents().length === 0, 'the unload after lingerMs');
    const again = await fixture.server({ store });
    const count = fixture.client(again.url).open('count', GCounter);
    await until(() => count.value === 4, 'the stored change');
  });

  it('tells onChange listeners of every change and where it came from; a throwing listener goes to onError', async () => {
    const errors: string[] = [];
    const server = await fixture.server({ onError: (_, where) => errors.push(where) });
    const heard: [string, string][] = [];
    const off = server.onChange((doc, origin) => heard.push([doc, origin]));
    server.onChange(() => {
      throw new Error('listener bug');
    });
    const client = fixture.client(server.url);
    const count = client.open('count', GCounter);
    await until(() => client.peer !== undefined, 'the connection');
    count.update((s, { replica }) => GCounter.increment(s, replica, 1));
    await count.synced();
    await server.update('count', GCounter, (s, { replica }) => GCounter.increment(s, replica, 2));
    expect(heard).toEqual([
      ['count', client.peer],
      ['count', 'server'],
    ]);
    expect(errors).toEqual(["onChange listener for 'count'", "onChange listener for 'count'"]);
    off();
    await server.update('count', GCounter, (s, { replica }) => GCounter.increment(s, replica, 1));
    expect(heard).toHaveLength(2);
    await until(() => count.value === 4, 'the client to see both server changes');
  });

  it('refuses bad input and another type, changes nothing when fn throws, and rejects when the append fails', async () => {
    const memory = new MemoryStorage();
    let failing = false;
    const flaky = flakyAppends(memory, () => failing);
    const errors: string[] = [];
    const server = await fixture.server({ store: flaky, onError: (_, where) => errors.push(where) });
    await server.update('count', GCounter, (s, { replica }) => GCounter.increment(s, replica, 1));
    await expect(server.update('count', ORSet, (s) => s)).rejects.toThrow(ValidationError);
    await expect(server.update('', GCounter, (s) => s)).rejects.toThrow(ValidationError);
    await expect(server.update('x', {} as typeof GCounter, (s) => s)).rejects.toThrow(ValidationError);
    await expect(server.update('x', GCounter, 'no' as never)).rejects.toThrow(ValidationError);
    await expect(
      server.update('count', GCounter, () => {
        throw new Error('bug in fn');
      }),
    ).rejects.toThrow('bug in fn');
    expect(server.document('count')?.value).toBe(1);

    failing = true;
    await expect(
      server.update('count', GCounter, (s, { replica }) => GCounter.increment(s, replica, 1)),
    ).rejects.toThrow('disk full');
    expect(errors).toEqual(["appending to 'count'"]);
    expect(server.documents()).toEqual([]); // dropped, to be reloaded from the store
    failing = false;
    await server.update('count', GCounter, (s, { replica }) => GCounter.increment(s, replica, 5));
    expect(GCounter.value(await storedState(memory, 'count', GCounter))).toBe(6);
  });
});
