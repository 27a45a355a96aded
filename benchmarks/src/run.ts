import type { Adapter } from '@nlbd/adapters';
import type { RunConfig } from './config.js';
import type { Metric } from './result.js';
import type { Scenario } from './scenarios/index.js';

/** Runs every scenario on every adapter it applies to, in one process, scenario by scenario. */
export function runBenchmarks(
  scenarios: readonly Scenario[],
  adapters: readonly Adapter[],
  config: RunConfig,
  progress: (line: string) => void = () => {},
): Metric[] {
  const metrics: Metric[] = [];
  for (const scenario of scenarios) {
    for (const adapter of adapters) {
      if (scenario.adapters !== undefined && !scenario.adapters.includes(adapter.name)) continue;
      const start = performance.now();
      for (const m of scenario.run(adapter, config)) {
        metrics.push({ scenario: scenario.id, adapter: adapter.name, ...m });
      }
      progress(
        `${scenario.number} ${scenario.id} / ${adapter.name}: ${((performance.now() - start) / 1000).toFixed(1)} s`,
      );
    }
  }
  return metrics;
}
