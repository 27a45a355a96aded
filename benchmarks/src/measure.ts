import { performance } from 'node:perf_hooks';
import { type Stats, summarize } from './stats.js';

/**
 * How many times to run a timed body: untimed warm-ups first, then the samples. The optional
 * budgets make the figures steady state, the same for every library: warm-ups continue until V8
 * has had `warmupMs` of the body to optimize, and samples until they hold `sampleMs` of bodies;
 * for a short body, a sample times as many runs (each on a fresh setup, the time their mean) as
 * fill `batchMs`.
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
  /**
   * The most runs in all samples together that `sampleMs` may lead to, and that batches may hold
   * (default 60); a batch of runs whose setups are cheap enough that it takes at most `batchMs`
   * of wall time may hold more, and such batches count as one run each (so `sampleMs` may lead to
   * as many samples).
   */
  readonly maxRuns?: number;
  /** The most warm-ups that `warmupMs` may lead to (default 1,000). */
  readonly maxWarmups?: number;
}

type Gc = (options?: { type: 'major' | 'minor' }) => void;

/**
 * Collects garbage when node runs with `--expose-gc`: everything (`major`), or only the young
 * generation (`minor`), which leaves the heap's sizing as the library's own allocation made it.
 */
export function collectGarbage(type: 'major' | 'minor' = 'major'): void {
  (globalThis as { gc?: Gc }).gc?.(type === 'minor' ? { type } : undefined);
}

/**
 * The body time `runs` runs hold, each counted at the median of `times` (the samples so far, each
 * a run or a batch's mean): what a budget of samples counts, so that a few outliers do not end
 * the sampling that is there to outvote them. 0 with no samples.
 */
export function typicalSpent(times: readonly number[], runs: number): number {
  return times.length === 0 ? 0 : summarize(times).median * runs;
}

/** A body to time: `run` on a fresh, untimed `setup()` each time. */
export interface Timing<C = unknown, R = unknown> {
  readonly setup: () => C;
  readonly run: (context: C) => R;
  /**
   * Whether to keep each sample's result (default true); false keeps only the last run's, for
   * bodies that return whole replicas, so that the samples' replicas do not pile up in the heap
   * every other body's collections must mark.
   */
  readonly keepResults?: boolean;
}

/**
 * A timed body's samples (ms), each sample's (last) result (unless not kept), the last run's
 * result, its warm-ups and its runs a sample.
 */
export interface Timed<R = unknown> {
  readonly time: Stats;
  readonly results: R[];
  readonly last: R;
  readonly warmups: number;
  readonly batch: number;
}

/** The repetitions with every default filled in. */
type Budgets = Required<Repetitions>;

function budgets(repetitions: Repetitions): Budgets {
  return { warmupMs: 0, sampleMs: 0, batchMs: 0, maxRuns: 60, maxWarmups: 1_000, ...repetitions };
}

/**
 * One body timed in this isolate: its warm-ups, then its samples one at a time, as
 * {@link timeInterleaved} (or a lane in another isolate) asks for them.
 */
export class Course<C = unknown, R = unknown> implements Stepper {
  /** Body time (ms) of the current phase, and wall time, setups included. */
  #spent = 0;
  #wall = 0;
  #runs = 0;
  #warmups = 0;
  #batch = 1;
  /**
   * Runs of 1 ms or more, of a batch's length, or under a third of their setups': the young
   * generation is collected between setup and body.
   */
  #collect = false;
  readonly #budgets: Budgets;
  readonly #times: number[] = [];
  readonly #results: R[] = [];
  #last: R | undefined;

  constructor(
    readonly timing: Timing<C, R>,
    repetitions: Repetitions,
  ) {
    this.#budgets = budgets(repetitions);
  }

  /**
   * Collects garbage in full, then warms up (untimed) for at least `warmup` runs and `warmupMs`
   * of bodies, and sizes the batches on the warm-ups' mean body time.
   */
  warmUp(): void {
    const { warmup, samples, warmupMs, batchMs, maxRuns, maxWarmups } = this.#budgets;
    collectGarbage();
    while (this.#runs < warmup || this.#within(warmupMs, maxWarmups)) this.#run();
    // With no warm-up, one run a sample. The samples' runs together stay within maxRuns, unless
    // whole runs (setups included) are so cheap that a batch filling batchMs of bodies takes no
    // more than batchMs of wall time.
    const mean = this.#runs > 0 ? this.#spent / this.#runs : 0;
    const meanWall = this.#runs > 0 ? this.#wall / this.#runs : 0;
    const room = Math.max(1, Math.floor(maxRuns / samples), Math.floor(batchMs / meanWall));
    this.#batch = mean > 0 ? Math.min(room, Math.max(1, Math.ceil(batchMs / mean))) : 1;
    this.#collect = mean >= 1 || mean >= batchMs || (mean > 0 && meanWall - mean >= 3 * mean);
    this.#warmups = this.#runs;
    this.#spent = 0;
    this.#wall = 0;
    this.#runs = 0;
  }

  /** Takes one sample (a batch of runs, their mean body time); whether to take another. */
  sample(): boolean {
    let total = 0;
    for (let j = 0; j < this.#batch; j++) total += this.#run(this.#collect);
    this.#times.push(total / this.#batch);
    if (this.timing.keepResults !== false) this.#results.push(this.#last as R);
    return this.#sampling();
  }

  /**
   * Whether sampling goes on: fewer than `samples` samples, or within the sample budget, its
   * bodies counted by {@link typicalSpent}.
   */
  #sampling(): boolean {
    const { samples, sampleMs, maxRuns } = this.#budgets;
    // Batches of cheap runs, larger than maxRuns allows a sample, count as one run each.
    const most = this.#batch > Math.floor(maxRuns / samples) ? maxRuns * this.#batch : maxRuns;
    return (
      this.#times.length < samples || this.#within(sampleMs, most, typicalSpent(this.#times, this.#runs))
    );
  }

  /** The samples so far. */
  timed(): Timed<R> {
    return {
      time: summarize(this.#times),
      results: this.#results,
      last: this.#last as R,
      warmups: this.#warmups,
      batch: this.#batch,
    };
  }

  /**
   * One run; returns its body time. `collect`: collect the young generation after the setup. The
   * previous run's result is let go first: kept alive through the next body, its replicas were
   * marked by every collection in it (nlbd's 5k-entry merge read 8.2 to 13.2 ms with it kept,
   * 5.8 to 8.1 ms without; Yjs's 33 to 42 ms against 26 to 34 ms; three runs and four).
   */
  #run(collect = false): number {
    this.#last = undefined;
    const begin = performance.now();
    const context = this.timing.setup();
    if (collect) collectGarbage('minor');
    const start = performance.now();
    this.#last = this.timing.run(context);
    const end = performance.now();
    this.#spent += end - start;
    this.#wall += end - begin;
    this.#runs++;
    return end - start;
  }

  /** Whether a budget lets the phase go on: `budget` ms of bodies, twice that of wall time, `most` runs. */
  #within(budget: number, most: number, spent = this.#spent): boolean {
    return this.#runs > 0 && spent < budget && this.#runs < most && this.#wall < 2 * budget;
  }
}

/**
 * A body being timed, here (a {@link Course}) or in another isolate: {@link interleave} warms it
 * up, then asks it for samples until it wants no more.
 */
export interface Stepper {
  warmUp(): void | Promise<void>;
  /** Takes one sample; whether to take another. */
  sample(): boolean | Promise<boolean>;
}

/**
 * Steps bodies side by side: each warms up on its own, then their samples are taken in turns,
 * one sample of each body a round (the order rotating), until none wants more. Every body takes
 * at least one sample.
 */
export async function interleave(steppers: readonly Stepper[]): Promise<void> {
  for (const s of steppers) await s.warmUp();
  const sampling = steppers.map(() => true);
  for (let round = 0; sampling.some(Boolean); round++) {
    for (let k = 0; k < steppers.length; k++) {
      const i = (k + round) % steppers.length;
      if (sampling[i]) sampling[i] = await (steppers[i] as Stepper).sample();
    }
  }
}

/**
 * Times several bodies (one per library, same inputs) side by side, in ms: each warms up on its
 * own, then their samples are taken in turns, one sample of each body a round (the order
 * rotating), so that a slow spell of a shared machine falls on every library's samples alike and
 * the ratios of their medians stay fair. Setups and garbage collection stay outside the timed
 * region; only bodies count against the budgets. Garbage is collected in full before each body's
 * warm-ups. A body of 1 ms or more (on the warm-ups' mean) runs on an empty young generation,
 * collected between its setup and the body, untimed: it pays neither for copying what its setup
 * just built nor for what the previous sample, maybe another library's, left alive. Before, only
 * bodies over `batchMs` had it, and a faster library paid for its setups where a slower one did
 * not: nlbd's 5k-entry merge (two replicas built by each setup) read 7.1 ms against 5.9 ms alone,
 * while Yjs's read 22.9 ms against 30 ms alone; nlbd's 10k-entry apply read 7-10 ms in all samples
 * but the first, which read 3.2 ms as alone. So does a body under 1 ms whose setup takes at least
 * 3 times as long (its setup builds more than it allocates itself): the in-memory join of two
 * 5k-entry maps (0.4 ms, its setup building both, 4.5 to 6 times as long; in a quick run, the
 * incremental syncs' setups took 2.5 times their bodies at most) read nlbd's median at 0.47 to
 * 0.74 ms in six quick runs of scenario 3 without it, its samples 0.36 to 2.19 ms, when a scavenge
 * in the join copied the maps just built; 0.35 to 0.43 ms with it. Any other body under 1 ms runs
 * with no collection, its own collections being part of its steady state, and a collection before
 * each run would cost more than the run (Yjs's 40 µs counter merge, whose setup makes one empty
 * replica, ran 4 times slower after one). Full collections before samples were tried and dropped:
 * every library's next run went 2 to 4 times slower (nlbd's 10k-entry merge 26 ms against 6.8 ms,
 * Yjs's 93 ms against 24 ms).
 *
 * Warm-ups continue, for every body, until `warmupMs` of bodies have run: one warm-up of a 20 ms
 * body leaves V8's optimization of the library's code half done. A short body (under `batchMs` a
 * run, on average) is then batched (a sample is the mean of as many runs as fill `batchMs`).
 * Samples continue past the minimum until `sampleMs` of bodies, so a body of a few ms, whose
 * samples scatter most with the collections that land in them, gets more than the minimum; each
 * run counts at the samples' median ({@link typicalSpent}), so that the outliers that make more
 * samples worth having do not use up their budget (nlbd's 10k-entry apply once stopped at the
 * minimum 7 samples, 2.5 to 47.1 ms, four of them hit, for a median of 7.7 ms against 2.5 to 3.6
 * ms unhit). A budget stops once twice its length of wall time has passed, setups included, and at
 * its most runs.
 */
export async function timeInterleaved(
  repetitions: Repetitions,
  timings: readonly Timing[],
): Promise<Timed[]> {
  const courses = timings.map((t) => new Course(t, repetitions));
  await interleave(courses);
  return courses.map((c) => c.timed());
}
