import { type ScenarioOptions, simulate, syncCodec, WORKLOAD_TYPES } from '@nlbd/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const lossless = {
  latency: { kind: 'uniform', min: 5, max: 60 },
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderMs: 0,
} as const;

const base: ScenarioOptions = {
  seed: 7,
  nodes: 16,
  topology: { kind: 'regular', degree: 4 },
  link: lossless,
  workload: { type: 'lwwmap', opsPerRound: 8, rounds: 10, keys: 200 },
  protocols: { delta: true, digest: true },
  maxRounds: 400,
};

const runs = process.env.CI ? 40 : 12;
const replay = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

describe('simulate', () => {
  it('is deterministic: the same seed gives an identical trace', () => {
    const scenario: ScenarioOptions = {
      ...base,
      link: { ...lossless, loss: 0.2, duplicate: 0.1, reorder: 0.3, reorderMs: 150 },
      partitions: [{ at: 3, heal: 12, groups: [[0, 1, 2, 3, 4, 5]] }],
      crashes: [{ node: 9, at: 4, restart: 9, keepState: false }],
    };
    const one = simulate(scenario, syncCodec);
    const two = simulate(scenario, syncCodec);
    expect(JSON.stringify(two.trace)).toBe(JSON.stringify(one.trace));
    expect({ ...two.summary, mergeCpuMs: 0 }).toEqual({ ...one.summary, mergeCpuMs: 0 });
    const other = simulate({ ...scenario, seed: 8 }, syncCodec);
    expect(JSON.stringify(other.trace)).not.toBe(JSON.stringify(one.trace));
  });

  for (const fault of [
    'loss',
    'duplication',
    'reordering',
    'partition',
    'crash (empty restart)',
    'crash (with state)',
    'malformed messages',
  ] as const) {
    it(`converges under ${fault} alone, for every workload type`, () => {
      for (const type of WORKLOAD_TYPES) {
        const scenario: ScenarioOptions = {
          ...base,
          workload: { ...base.workload, type },
          link: {
            ...lossless,
            loss: fault === 'loss' ? 0.3 : 0,
            duplicate: fault === 'duplication' ? 0.3 : 0,
            reorder: fault === 'reordering' ? 0.5 : 0,
            reorderMs: 300,
            malformed: fault === 'malformed messages' ? 0.3 : 0,
          },
          partitions: fault === 'partition' ? [{ at: 2, heal: 15, groups: [[0, 1, 2, 3, 4, 5, 6, 7]] }] : [],
          crashes: fault.startsWith('crash')
            ? [{ node: 3, at: 2, restart: 8, keepState: fault === 'crash (with state)' }]
            : [],
        };
        const { summary } = simulate(scenario, syncCodec);
        expect({ type, converged: summary.converged }).toEqual({ type, converged: true });
        if (fault === 'malformed messages') expect(summary.malformed).toBeGreaterThan(0);
      }
    });
  }

  it('converges under random combinations of every fault (property)', () => {
    const scenarioArb = fc.record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      nodes: fc.integer({ min: 2, max: 24 }),
      degree: fc.integer({ min: 2, max: 6 }),
      type: fc.constantFrom(...WORKLOAD_TYPES),
      loss: fc.double({ min: 0, max: 0.4, noNaN: true }),
      duplicate: fc.double({ min: 0, max: 0.3, noNaN: true }),
      reorder: fc.double({ min: 0, max: 0.5, noNaN: true }),
      malformed: fc.double({ min: 0, max: 0.3, noNaN: true }),
      protocol: fc.constantFrom(
        { delta: true, digest: true },
        { delta: false, digest: true },
        { delta: true, digest: false },
      ),
      partitionAt: fc.integer({ min: 0, max: 10 }),
      partitionFor: fc.integer({ min: 0, max: 20 }),
      crashAt: fc.integer({ min: 0, max: 10 }),
      crashFor: fc.integer({ min: 1, max: 10 }),
      keepState: fc.boolean(),
    });
    fc.assert(
      fc.property(scenarioArb, (p) => {
        const half = Array.from({ length: Math.floor(p.nodes / 2) }, (_, i) => i);
        const { summary } = simulate(
          {
            seed: p.seed,
            nodes: p.nodes,
            topology: { kind: 'regular', degree: p.degree },
            link: {
              latency: { kind: 'exponential', mean: 30 },
              loss: p.loss,
              duplicate: p.duplicate,
              reorder: p.reorder,
              reorderMs: 250,
              malformed: p.malformed,
            },
            partitions: [{ at: p.partitionAt, heal: p.partitionAt + p.partitionFor, groups: [half] }],
            crashes: [
              { node: p.nodes - 1, at: p.crashAt, restart: p.crashAt + p.crashFor, keepState: p.keepState },
            ],
            workload: { type: p.type, opsPerRound: 5, rounds: 8, keys: 50 },
            protocols: p.protocol,
            maxRounds: 600,
            quiesceRounds: 1,
          },
          syncCodec,
        );
        return summary.converged;
      }),
      { numRuns: runs, ...replay },
    );
  });

  /**
   * A failing case of the property above, replayed: a lossless network of `nodes` on a 2-regular
   * graph, 8 rounds of 5 ops, one partition and one crash without state.
   */
  const replayed = (
    nodes: number,
    fault: Pick<ScenarioOptions, 'partitions' | 'crashes' | 'workload' | 'protocols'>,
  ) =>
    simulate(
      {
        seed: 0,
        nodes,
        topology: { kind: 'regular', degree: 2 },
        link: {
          latency: { kind: 'exponential', mean: 30 },
          loss: 0,
          duplicate: 0,
          reorder: 0,
          reorderMs: 250,
        },
        maxRounds: 600,
        quiesceRounds: 1,
        ...fault,
      },
      syncCodec,
    ).summary;

  it('levels with a peer that restarted empty behind a partition, under delta anti-entropy alone (regression)', () => {
    // Found by the property above: node 1 restarts at round 7 while cut off until round 8, so the
    // digests of the first meeting are lost; they must be repeated until answered.
    const summary = replayed(2, {
      partitions: [{ at: 0, heal: 8, groups: [[0]] }],
      crashes: [{ node: 1, at: 0, restart: 7, keepState: false }],
      workload: { type: 'gcounter', opsPerRound: 5, rounds: 8, keys: 50 },
      protocols: { delta: true, digest: false },
    });
    expect(summary.converged).toBe(true);
  });

  it('levels with a peer that restarts empty and is then answered for a digest from before (regression)', () => {
    // Found by the property above (seed 1701814625): node 9 restarts empty at round 3 and is then
    // answered for a digest it sent before the crash. With the LWW-Map's whole context in that
    // answer, it recorded writes it no longer held, its digests claimed them, and 9 of 10 nodes
    // agreed forever.
    const summary = replayed(10, {
      partitions: [{ at: 1, heal: 10, groups: [[0, 1, 2, 3, 4]] }],
      crashes: [{ node: 9, at: 2, restart: 3, keepState: false }],
      workload: { type: 'lwwmap', opsPerRound: 5, rounds: 8, keys: 50 },
      protocols: { delta: true, digest: true },
    });
    expect(summary.converged).toBe(true);
  });

  it('levels a G-Set after a peer restarts empty, with reordering and a partition (regression)', () => {
    // Found by the property above (seed -1170160818): the G-Set's answer to a digest carried its
    // whole context, so node 9, restarted empty at round 15 and answered for a digest from before
    // its crash, recorded adds it no longer held, passed the claim on to node 1, and 9 of 10 nodes
    // agreed forever.
    const { summary } = simulate(
      {
        seed: 232982737,
        nodes: 10,
        topology: { kind: 'regular', degree: 2 },
        link: {
          latency: { kind: 'exponential', mean: 30 },
          // The smallest positive chances, as fast-check drew them: each draws from the random
          // stream (a chance of 0 would not), so the replay takes the same course.
          loss: Number.MIN_VALUE,
          duplicate: Number.MIN_VALUE,
          reorder: 0.4801389840431512,
          reorderMs: 250,
          malformed: Number.MIN_VALUE,
        },
        partitions: [{ at: 7, heal: 25, groups: [[0, 1, 2, 3, 4]] }],
        crashes: [{ node: 9, at: 6, restart: 15, keepState: false }],
        workload: { type: 'gset', opsPerRound: 5, rounds: 8, keys: 50 },
        protocols: { delta: true, digest: true },
        maxRounds: 600,
        quiesceRounds: 1,
      },
      syncCodec,
    );
    expect(summary.converged).toBe(true);
  });

  it('quiesces: on a lossless network it converges within a few rounds, then sends only digests', () => {
    const { summary, trace } = simulate({ ...base, quiesceRounds: 12 }, syncCodec);
    expect(summary.converged).toBe(true);
    expect(summary.roundsToConverge).toBeLessThanOrEqual(5);
    // Buffered deltas drain within the graph's diameter (3 for 16 nodes of degree 4), plus the acks.
    expect(summary.roundsToQuiesce).not.toBeNull();
    expect(summary.roundsToQuiesce).toBeLessThanOrEqual(4);
    const quiet = trace.slice(-6);
    for (const line of quiet) {
      expect(line.sentByKind.digest).toBeGreaterThan(0);
      expect(
        line.sentByKind.delta + line.sentByKind.since + line.sentByKind.state + line.sentByKind.ack,
      ).toBe(0);
      expect(line.payloadBytes).toBe(0);
    }
  });

  it('delta anti-entropy sends at most a tenth of the bytes of full-state gossip (1,000-key map, 1% churn)', () => {
    // Every node starts from the same 1,000-key map; then 10 keys (1%) change per round.
    const scenario = (protocols: ScenarioOptions['protocols']): ScenarioOptions => ({
      ...base,
      nodes: 12,
      workload: { type: 'lwwmap', opsPerRound: 10, rounds: 30, keys: 1000, removeRatio: 0, prefill: 3000 },
      protocols,
      quiesceRounds: 0,
    });
    const delta = simulate(scenario({ delta: true, digest: false }), syncCodec);
    const full = simulate(scenario({ fullState: true, delta: false, digest: false }), syncCodec);
    expect(delta.summary.converged && full.summary.converged).toBe(true);
    const ratio = delta.summary.bytes / full.summary.bytes;
    expect(ratio).toBeLessThanOrEqual(0.1);
  });
});
