import { describe, expect, it } from 'vitest';
import * as causalContext from '../docs/examples/causal-context.ts';
import * as deltas from '../docs/examples/deltas.ts';
import * as digests from '../docs/examples/digests.ts';
import * as hlc from '../docs/examples/hlc.ts';
import * as semilattice from '../docs/examples/semilattice.ts';
import { checkGuide } from './support/doc-pages.ts';

describe('docs/concepts.md', () => {
  checkGuide('concepts.md', 'examples/');
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
