import type { Adapter } from '@nlbd/adapters';
import type { RunConfig } from './config.js';
import { type Timing, timeInterleaved } from './measure.js';
import type { Measured, Metric } from './result.js';
import type { Scenario, ScenarioRun } from './scenarios/index.js';

/**
 * Runs every scenario on every adapter it applies to, in one process, scenario by scenario.
 * Within a scenario the adapters' runs step together: each body is timed on all adapters side by
 * side (`timeInterleaved`), then every run goes on to its next body.
 */
export function runBenchmarks(
  scenarios: readonly Scenario[],
  adapters: readonly Adapter[],
  config: RunConfig,
  progress: (line: string) => void = () => {},
): Metric[] {
  const metrics: Metric[] = [];
  for (const scenario of scenarios) {
    const start = performance.now();
    const chosen = adapters.filter(
      (a) => scenario.adapters === undefined || scenario.adapters.includes(a.name),
    );
    const measured = runScenario(scenario, chosen, config);
    chosen.forEach((adapter, i) => {
      for (const m of measured[i]!) metrics.push({ scenario: scenario.id, adapter: adapter.name, ...m });
    });
    progress(
      `${scenario.number} ${scenario.id} (${chosen.map((a) => a.name).join(', ')}): ${((performance.now() - start) / 1000).toFixed(1)} s`,
    );
  }
  return metrics;
}

/** The metrics of `scenario` on each of `adapters`, in their order. */
function runScenario(scenario: Scenario, adapters: readonly Adapter[], config: RunConfig): Measured[][] {
  const out: Measured[][] = adapters.map(() => []);
  let waiting: { index: number; run: ScenarioRun; timing: Timing }[] = [];
  const advance = (index: number, run: ScenarioRun, step: IteratorResult<Timing, Measured[]>) => {
    if (step.done) out[index] = step.value;
    else waiting.push({ index, run, timing: step.value });
  };
  adapters.forEach((adapter, index) => {
    const run = scenario.run(adapter, config);
    if (Array.isArray(run)) out[index] = run;
    else advance(index, run, run.next());
  });
  while (waiting.length > 0) {
    const turn = waiting;
    waiting = [];
    const timed = timeInterleaved(
      config.repetitions,
      turn.map((w) => w.timing),
    );
    for (let k = 0; k < turn.length; k++) {
      const w = turn[k]!;
      advance(w.index, w.run, w.run.next(timed[k]!));
    }
  }
  return out;
}
