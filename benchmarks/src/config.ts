import type { Repetitions } from './measure.js';

/** The input sizes of every scenario. */
export interface Sizes {
  /** Scenario 1: distinct keys set, then keys overwritten `overwriteTimes` times each. */
  readonly distinctSets: number;
  readonly overwriteKeys: number;
  readonly overwriteTimes: number;
  /** Scenario 2: entries in the encoded map. */
  readonly fullState: number;
  /** Scenario 3: sets per replica (half the keys overlap), and the entries of each in-memory join side. */
  readonly mergeEach: number;
  readonly joinEntries: number;
  /** Scenario 4: entries already in sync, and the sets made after. */
  readonly incrementalBases: readonly number[];
  readonly incrementalSets: number;
  /** Scenario 5. */
  readonly counterReplicas: number;
  readonly counterIncrements: number;
  /** Scenario 6. */
  readonly setAdds: number;
  readonly setRemoves: number;
  /** Scenario 7: writers each set `writerKeys` keys of a `sharedKeys`-key map. */
  readonly writers: number;
  readonly writerKeys: number;
  readonly sharedKeys: number;
  /** Scenario 8. */
  readonly memoryEntries: number;
  /** Scenario 9: clients of one sync server, ops each per phase, ops/s each in the steady phase. */
  readonly serverClients: number;
  readonly serverOps: number;
  readonly serverRate: number;
}

/** What a run measures and how often. */
export interface RunConfig {
  readonly sizes: Sizes;
  readonly repetitions: Repetitions;
  /**
   * The longest an adapter's run of one scenario may take in its worker (its start, warm-ups and
   * samples together; not the time spent on the other adapters' samples), in ms. Past it the
   * worker is stopped and the adapter's run of the scenario is a failure, so that one library
   * that cannot keep up (or loops) does not hold the whole run. None by default; lanes in this
   * isolate (`--in-process`) cannot be stopped.
   */
  readonly laneTimeoutMs?: number;
}

/**
 * How long an adapter's run of one scenario may take (see `RunConfig.laneTimeoutMs`): in a quick
 * run each takes under a minute, so 5 minutes means a library hangs; at `--full`, 10 minutes
 * (the slowest complete one, Automerge's counters, about 3.5), past which a library (Automerge's
 * or Loro's thousand writers syncing, which went on for 43 minutes in one run) is reported as
 * failed rather than holding the run for hours.
 */
export const LANE_TIMEOUT_MS = { quick: 300_000, full: 600_000 } as const;

/** The sizes: `pnpm bench --full`, where the targets are defined. */
export const fullSizes: Sizes = {
  distinctSets: 100_000,
  overwriteKeys: 10_000,
  overwriteTimes: 10,
  fullState: 100_000,
  mergeEach: 50_000,
  joinEntries: 100_000,
  incrementalBases: [10_000, 100_000, 1_000_000],
  incrementalSets: 100,
  counterReplicas: 64,
  counterIncrements: 1_000,
  setAdds: 100_000,
  setRemoves: 50_000,
  writers: 1_000,
  writerKeys: 10,
  sharedKeys: 1_000,
  memoryEntries: 100_000,
  serverClients: 100,
  serverOps: 20,
  serverRate: 2,
};

/**
 * `pnpm bench`, the quick suite: a tenth of the sizes (Automerge alone needs minutes for
 * the full ones on 2 cores), except incremental sync, which keeps a 100k-entry base because its
 * target is about sizes not mattering; in-memory joins of 5k-entry maps (the merge's size, not
 * 10k: Automerge spends a second building each 10k pair); 40 writers in scenario 7 (Automerge and
 * Loro spend about 25 ms a writer there). The sync server keeps its 100 clients, with 3 ops each
 * per phase at 3 a second (300 ops/s in all) instead of 20 at 2.
 */
export const quickSizes: Sizes = {
  ...fullSizes,
  distinctSets: 10_000,
  overwriteKeys: 1_000,
  fullState: 10_000,
  mergeEach: 5_000,
  joinEntries: 5_000,
  incrementalBases: [10_000, 100_000],
  counterIncrements: 100,
  setAdds: 10_000,
  setRemoves: 5_000,
  writers: 40,
  sharedKeys: 100,
  memoryEntries: 10_000,
  serverOps: 3,
  serverRate: 3,
};

/** Tiny sizes for the harness's own tests. */
export const tinySizes: Sizes = {
  distinctSets: 200,
  overwriteKeys: 20,
  overwriteTimes: 3,
  fullState: 200,
  mergeEach: 100,
  joinEntries: 100,
  incrementalBases: [100, 400],
  incrementalSets: 10,
  counterReplicas: 4,
  counterIncrements: 10,
  setAdds: 100,
  setRemoves: 50,
  writers: 8,
  writerKeys: 3,
  sharedKeys: 12,
  memoryEntries: 200,
  serverClients: 4,
  serverOps: 3,
  serverRate: 20,
};

/**
 * Quick runs: at least 1 warm-up and 7 samples. Every body warms up for 150 ms (at most 1,000
 * runs) and is sampled until its samples hold 100 ms (at most 30 runs); a body under 10 ms is
 * batched into samples of 10 ms (of at most 30 / 7 runs, unless the runs' setups are cheap enough
 * that the batch takes no more than 10 ms of wall time; such batches count as one run each against
 * the 30). Every library's code is measured after V8 has optimized it, side by side with the
 * others (see `timeInterleaved`). `--full`: at least 2 and 11, budgets of 500 ms, 60 runs.
 */
export const quickRepetitions: Repetitions = {
  warmup: 1,
  samples: 7,
  warmupMs: 150,
  batchMs: 10,
  sampleMs: 100,
  maxRuns: 30,
};
export const fullRepetitions: Repetitions = {
  warmup: 2,
  samples: 11,
  warmupMs: 500,
  batchMs: 10,
  sampleMs: 500,
  maxRuns: 60,
};
