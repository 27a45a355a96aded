import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as causalContext from '../docs/examples/causal-context.ts';
import * as deltas from '../docs/examples/deltas.ts';
import * as digests from '../docs/examples/digests.ts';
import * as hlc from '../docs/examples/hlc.ts';
import * as semilattice from '../docs/examples/semilattice.ts';

const docs = new URL('../docs/', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, docs), 'utf8');

describe('docs/concepts.md', () => {
  const concepts = read('concepts.md');
  // Each example is shown as: From [`examples/x.ts`](examples/x.ts): then a ```ts block.
  const shown = [
    ...concepts.matchAll(/\[`examples\/([\w-]+\.ts)`\]\(examples\/\1\):?\n+```ts\n([\s\S]*?)```/g),
  ].map(([, file, code]) => ({ file: file as string, code: code as string }));

  it('shows every file of docs/examples, once, exactly as it is', () => {
    const files = readdirSync(new URL('examples/', docs)).filter((f) => f.endsWith('.ts'));
    expect(shown.map((s) => s.file).sort()).toEqual(files.sort());
    for (const { file, code } of shown) expect(code, file).toBe(read(`examples/${file}`));
  });

  it('links only to files that exist', () => {
    const links = [...concepts.matchAll(/\]\((?!https?:)([^)#]+)/g)].map(([, target]) => target as string);
    expect(links.length).toBeGreaterThan(0);
    for (const target of links) expect(existsSync(new URL(target, docs)), target).toBe(true);
  });
});

describe('docs/examples', () => {
  it('semilattice: merge is a join, and compare reads the order', () => {
    expect([...semilattice.joined].sort()).toEqual([
      ['alice', 2],
      ['bob', 1],
    ]);
    expect(semilattice.commutes).toBe(true);
    expect(semilattice.idempotent).toBe(true);
    expect(semilattice.aliceBelowJoin).toBe(true);
    expect(semilattice.ordering).toBe('concurrent');
  });

  it('deltas: replicas converge whatever the delivery order', () => {
    expect(deltas.values).toEqual([8, 8]);
    expect(deltas.converged).toBe(true);
    expect(deltas.deltaIsSmall).toBe(1);
  });

  it('digests: deltaSince sends only what the digest lacks', () => {
    expect([...digests.answer]).toEqual([['alice', 3]]);
    expect(digests.caughtUp).toBe(true);
  });

  it('causal-context: out-of-order dots wait in the cloud, then compact', () => {
    expect(causalContext.prefixBefore).toBe(2);
    expect(causalContext.cloudBefore).toEqual([{ replica: 'alice', counter: 4 }]);
    expect(causalContext.hasThree).toBe(false);
    expect(causalContext.prefixAfter).toBe(4);
    expect(causalContext.cloudAfter).toEqual([]);
    expect(causalContext.mine).toEqual({ replica: 'bob', counter: 1 });
  });

  it('hlc: monotonic through a backward jump, and refuses a clock far ahead', () => {
    expect(hlc.timestamps).toEqual([
      { wall: 1_000, counter: 0, replica: 'alice' },
      { wall: 1_000, counter: 1, replica: 'alice' },
      { wall: 3_000, counter: 8, replica: 'alice' },
    ]);
    expect(hlc.increasing).toBe(true);
    expect(hlc.refused).toBe(
      'remote.wall: remote wall time 1000000 is 999600 ms ahead of the local clock (limit 5000 ms)',
    );
    expect(hlc.last).toEqual({ wall: 3_000, counter: 8, replica: 'alice' });
  });
});
