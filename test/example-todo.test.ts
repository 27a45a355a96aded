import { describe, expect, it } from 'vitest';
import { runTodoExample } from '../examples/todo/main.ts';

describe('examples/todo (a server and two client processes, one offline for a while)', () => {
  it('ends with the same list on both sides, holding every todo either side created', async () => {
    const lines: string[] = [];
    const run = await runTodoExample((line) => lines.push(line));
    const [alice, bob] = [run.lists.get('alice')!, run.lists.get('bob')!];
    expect(bob).toEqual(alice);
    const ids = alice.map((t) => t.id);
    for (const id of [...run.created.get('alice')!, ...run.created.get('bob')!]) expect(ids).toContain(id);
    expect(ids).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3']);
    // Bob's offline edits and alice's concurrent ones both count.
    const byId = new Map(alice.map((t) => [t.id, t]));
    expect(byId.get('a1')).toMatchObject({ done: true }); // bob, offline
    expect(byId.get('a2')?.title).toBe('Call the plumber before Friday'); // bob, offline
    expect(byId.get('b1')).toMatchObject({ done: true }); // alice, meanwhile
    expect(byId.get('a3')?.title).toBe('Book train tickets to Lyon'); // alice's rename outlives bob's removal
    expect(lines.some((l) => l.includes('(offline)'))).toBe(true);
    expect(lines.at(-1)).toContain('Both replicas hold the same state');
  });
});
