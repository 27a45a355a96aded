import { performance } from 'node:perf_hooks';
import { type Stats, summarize } from './stats.js';

/**
 * How many times to run a timed body: untimed warm-ups first, then the samples. The optional
 * budgets make a short body's figures steady state, the same for every library: warm-ups
 * continue until V8 has had `warmupMs` of the body to optimize; a sample times as many runs
 * (each on a fresh setup, the time their mean) as fill `batchMs`; samples continue until
 * `sampleMs`. Bodies of `batchMs` or longer get only the minimums.
 */
export interface Repetitions {
  /** Warm-ups at least. */
  readonly warmup: number;
  /** Samples at least. */
  readonly samples: number;
  /** Keep warming up until the warm-up bodies took this many ms in all (default 0). */
  readonly warmupMs?: number;
  /** Keep sampling until the samples took this many ms in all (default 0). */
  readonly sampleMs?: number;
  /** Batch runs into a sample until it holds this many ms of bodies (default 0: one run a sample). */
  readonly batchMs?: number;
  /** The most runs in all samples together that `sampleMs` may lead to (default 60). */
  readonly maxRuns?: number;
  /** The most warm-ups that `warmupMs` may lead to (default 1,000). */
  readonly maxWarmups?: number;
}

/** Collects garbage when node runs with `--expose-gc`, so one sample's garbage is not the next one's pause. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Times `run` on a fresh `setup()` each time, in ms; setups and garbage collection stay outside
 * the timed region, and only the bodies count against the budgets. A sample is the mean body time
 * of its batch. Returns the stats, each sample's (last) result (warm-ups excluded), how many
 * warm-ups ran and how many runs each sample holds.
 */
export function timeSamples<C, R>(
  repetitions: Repetitions,
  setup: () => C,
  run: (context: C) => R,
): { time: Stats; results: R[]; warmups: number; batch: number } {
  const {
    warmup,
    samples,
    warmupMs = 0,
    sampleMs = 0,
    batchMs = 0,
    maxRuns = 60,
    maxWarmups = 1_000,
  } = repetitions;
  let result!: R;
  const timed = (): number => {
    const context = setup();
    const start = performance.now();
    result = run(context);
    return performance.now() - start;
  };
  collectGarbage();
  // The budgets extend only the runs of a short body (under `batchMs` a run, on average): a longer
  // one's own loops give V8 enough to optimize in one warm-up. They stop once twice their length
  // of wall time has passed, setups included, and at `most` runs.
  const extend = (spent: number, runs: number, budget: number, since: number, most: number): boolean =>
    runs > 0 &&
    spent / runs < batchMs &&
    spent < budget &&
    runs < most &&
    performance.now() - since < 2 * budget;
  const started = performance.now();
  let spent = 0;
  let warmups = 0;
  for (; warmups < warmup || extend(spent, warmups, warmupMs, started, maxWarmups); warmups++)
    spent += timed();
  // Batches are sized on the warm-ups' mean body time (with no warm-up, one run a sample), and
  // the samples' runs together stay within maxRuns.
  const mean = warmups > 0 ? spent / warmups : 0;
  const room = Math.max(1, Math.floor(maxRuns / samples));
  const batch = mean > 0 ? Math.min(room, Math.max(1, Math.ceil(batchMs / mean))) : 1;
  // Garbage is collected before each sample of a long body, so that no sample pays for another's
  // garbage. Not for batched short bodies: there the forced collection, and the sweeping after
  // it, would be most of what a sample measured; their own collections are part of their cost.
  const collect = batch === 1 && mean >= batchMs;
  const times: number[] = [];
  const results: R[] = [];
  const sampling = performance.now();
  spent = 0;
  while (times.length < samples || extend(spent, times.length * batch, sampleMs, sampling, maxRuns)) {
    if (collect) collectGarbage();
    let total = 0;
    for (let j = 0; j < batch; j++) total += timed();
    times.push(total / batch);
    results.push(result);
    spent += total;
  }
  return { time: summarize(times), results, warmups, batch };
}
