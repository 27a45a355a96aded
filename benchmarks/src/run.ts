import { type Adapter, adapters as allAdapters } from '@nlbd/adapters';
import type { RunConfig } from './config.js';
import { AdapterWorker, type Lane, LocalLane, OutOfTime, WorkerLane } from './lanes.js';
import { interleave, type Stepper } from './measure.js';
import type { Measured, Metric } from './result.js';
import type { Scenario } from './scenarios/index.js';

/** How {@link runBenchmarks} runs. */
export interface RunOptions {
  /** Told one line per scenario as it ends. */
  readonly progress?: (line: string) => void;
  /**
   * Whether each adapter runs in an isolate of its own, a worker thread for the whole run
   * ({@link AdapterWorker}; the default), or all share this one ({@link LocalLane}). Only
   * scenarios of the registry (found by id) run in workers.
   */
  readonly isolate?: boolean;
  /**
   * The CPU to bind every worker's thread to (see affinity.ts), so that all lanes run at the
   * same CPU's speed; none by default.
   */
  readonly laneCpu?: number;
}

/** An adapter's run of a scenario that threw: what it threw. The run goes on without it. */
export interface Failure {
  readonly scenario: string;
  readonly adapter: string;
  readonly error: string;
  /** Set when the run was cut off by its time limit ({@link OutOfTime}), not failed. */
  readonly outOfTime?: true;
}

/**
 * Whether `f` fails the run (exit status 1): every failure does, except a peer library's run
 * cut off by its time limit, which measured that library as too slow for the size, not a fault
 * of nlbd or of the harness. nlbd's and the plain baseline's runs must finish (so must an
 * adapter this build does not know, named in a recorded run).
 */
export function failsTheRun(f: Failure): boolean {
  return f.outOfTime !== true || (allAdapters.find((a) => a.name === f.adapter)?.library ?? null) === null;
}

/** How reports name `f`: `FAILED`, or `OUT OF TIME` where it does not fail the run. */
export function failureLabel(f: Failure): string {
  return failsTheRun(f) ? 'FAILED' : 'OUT OF TIME';
}

/** What a run measured, and which adapters' runs of which scenarios failed. */
export interface RunOutcome {
  readonly metrics: Metric[];
  readonly failures: Failure[];
  /** The CPU every worker's thread was bound to, if each was (`laneCpu` asked and taken). */
  readonly laneCpu?: number;
}

/**
 * Runs every scenario on every adapter it applies to, in this one process, scenario by scenario,
 * each adapter in a lane of its own. Within a scenario the lanes step together: each body is
 * timed on all adapters side by side (`interleave`), then every run goes on to its next body.
 * A lane that throws (a failed check, a library out of memory) is recorded as a failure and
 * dropped from its scenario; the other lanes and the later scenarios go on, and an adapter whose
 * worker failed gets a fresh one, since its library's state may be broken (a WebAssembly module
 * that trapped).
 */
export async function runBenchmarks(
  scenarios: readonly Scenario[],
  adapters: readonly Adapter[],
  config: RunConfig,
  { progress = () => {}, isolate = true, laneCpu }: RunOptions = {},
): Promise<RunOutcome> {
  const metrics: Metric[] = [];
  const failures: Failure[] = [];
  const workers = new Map<string, AdapterWorker>();
  const started: AdapterWorker[] = [];
  const workerOf = (name: string) => {
    let w = workers.get(name);
    if (w === undefined) {
      workers.set(name, (w = new AdapterWorker(name, laneCpu)));
      started.push(w);
    }
    return w;
  };
  try {
    for (const scenario of scenarios) {
      const start = performance.now();
      const chosen = adapters.filter(
        (a) => scenario.adapters === undefined || scenario.adapters.includes(a.name),
      );
      const lanes: Lane[] = chosen.map((a) =>
        isolate ? new WorkerLane(workerOf(a.name), scenario.id, config) : new LocalLane(scenario, a, config),
      );
      const outcomes = await runLanes(lanes);
      const failed: string[] = [];
      for (let i = 0; i < chosen.length; i++) {
        const adapter = chosen[i]!.name;
        const outcome = outcomes[i]!;
        if (!(outcome instanceof Error)) {
          for (const m of outcome) metrics.push({ scenario: scenario.id, adapter, ...m });
          continue;
        }
        failures.push({
          scenario: scenario.id,
          adapter,
          error: outcome.message,
          ...(outcome instanceof OutOfTime ? { outOfTime: true as const } : {}),
        });
        failed.push(adapter);
        const worker = workers.get(adapter);
        workers.delete(adapter);
        await worker?.close();
      }
      progress(
        `${scenario.number} ${scenario.id} (${chosen.map((a) => a.name).join(', ')}): ${((performance.now() - start) / 1000).toFixed(1)} s` +
          (failed.length > 0 ? `; FAILED: ${failed.join(', ')}` : ''),
      );
    }
  } finally {
    await Promise.all([...workers.values()].map((w) => w.close()));
  }
  const bound = laneCpu !== undefined && started.length > 0 && started.every((w) => w.cpu === laneCpu);
  return { metrics, failures, ...(bound ? { laneCpu } : {}) };
}

/** What a lane's run of a scenario came to: its metrics, or what it threw. */
type LaneOutcome = Measured[] | Error;

/**
 * The outcome of each lane, in their order. Lanes start one after another, once all are ready
 * (workers load in parallel, before anything is timed), then step together; a lane that throws
 * steps no more.
 */
async function runLanes(lanes: readonly Lane[]): Promise<LaneOutcome[]> {
  const out: LaneOutcome[] = lanes.map(() => []);
  const fail = (i: number, e: unknown) => {
    out[i] = e instanceof Error ? e : new Error(String(e));
  };
  const failed = (i: number) => out[i] instanceof Error;
  /** `call`'s value, or undefined if it threw (the lane is then failed). */
  const attempt = async <T>(i: number, call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch (e) {
      fail(i, e);
      return undefined;
    }
  };
  /** Lane `i` as `interleave` steps it: once it has thrown, it wants no more samples. */
  const stepperOf = (i: number): Stepper => ({
    warmUp: async () => {
      if (!failed(i)) await attempt(i, async () => lanes[i]!.warmUp());
    },
    sample: async () => !failed(i) && ((await attempt(i, async () => lanes[i]!.sample())) ?? false),
  });
  await Promise.all(lanes.map((l, i) => attempt(i, () => l.ready())));
  let waiting: number[] = [];
  const advance = (i: number, step: Awaited<ReturnType<Lane['start']>> | undefined) => {
    if (step === undefined) return;
    if (step.done) out[i] = step.measured;
    else waiting.push(i);
  };
  for (let i = 0; i < lanes.length; i++)
    if (!failed(i)) advance(i, await attempt(i, () => lanes[i]!.start()));
  while (waiting.length > 0) {
    const turn = waiting;
    waiting = [];
    await interleave(turn.map(stepperOf));
    for (const i of turn) if (!failed(i)) advance(i, await attempt(i, () => lanes[i]!.next()));
  }
  return out;
}
