import type { Adapter } from '@nlbd/adapters';
import type { RunConfig } from './config.js';
import { AdapterWorker, type Lane, LocalLane, WorkerLane } from './lanes.js';
import { interleave } from './measure.js';
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
}

/**
 * Runs every scenario on every adapter it applies to, in this one process, scenario by scenario,
 * each adapter in a lane of its own. Within a scenario the lanes step together: each body is
 * timed on all adapters side by side (`interleave`), then every run goes on to its next body.
 */
export async function runBenchmarks(
  scenarios: readonly Scenario[],
  adapters: readonly Adapter[],
  config: RunConfig,
  { progress = () => {}, isolate = true }: RunOptions = {},
): Promise<Metric[]> {
  const metrics: Metric[] = [];
  const workers = new Map<string, AdapterWorker>();
  const workerOf = (name: string) => {
    let w = workers.get(name);
    if (w === undefined) workers.set(name, (w = new AdapterWorker(name)));
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
      const measured = await runLanes(lanes);
      chosen.forEach((adapter, i) => {
        for (const m of measured[i]!) metrics.push({ scenario: scenario.id, adapter: adapter.name, ...m });
      });
      progress(
        `${scenario.number} ${scenario.id} (${chosen.map((a) => a.name).join(', ')}): ${((performance.now() - start) / 1000).toFixed(1)} s`,
      );
    }
  } finally {
    await Promise.all([...workers.values()].map((w) => w.close()));
  }
  return metrics;
}

/**
 * The metrics of each lane, in their order. Lanes start one after another, once all are ready
 * (workers load in parallel, before anything is timed), then step together.
 */
async function runLanes(lanes: readonly Lane[]): Promise<Measured[][]> {
  await Promise.all(lanes.map((l) => l.ready()));
  const out: Measured[][] = lanes.map(() => []);
  let waiting: number[] = [];
  const advance = (index: number, step: Awaited<ReturnType<Lane['start']>>) => {
    if (step.done) out[index] = step.measured;
    else waiting.push(index);
  };
  for (let i = 0; i < lanes.length; i++) advance(i, await lanes[i]!.start());
  while (waiting.length > 0) {
    const turn = waiting;
    waiting = [];
    await interleave(turn.map((i) => lanes[i]!));
    for (const i of turn) advance(i, await lanes[i]!.next());
  }
  return out;
}
