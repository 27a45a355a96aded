import type { Metric } from '../result.js';
import type { Scenario } from '../scenarios/index.js';
import { formatStats } from './format.js';

function pad(rows: readonly (readonly string[])[]): string[] {
  const widths = (rows[0] ?? []).map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, col) => cell.padEnd(widths[col] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * The terminal table: per scenario, one row per metric and one column per adapter it applies to,
 * each cell the median with the min–max range of the samples.
 */
export function renderTable(
  scenarios: readonly Scenario[],
  adapterNames: readonly string[],
  metrics: readonly Metric[],
): string {
  const blocks = scenarios.map((scenario) => {
    const own = metrics.filter((m) => m.scenario === scenario.id);
    const names = [...new Set(own.map((m) => m.metric))];
    const columns = adapterNames.filter((a) => scenario.adapters?.includes(a) ?? true);
    const rows = names.map((name) => [
      name,
      ...columns.map((adapter) => {
        const m = own.find((x) => x.metric === name && x.adapter === adapter);
        return m ? formatStats(m.stats, m.unit) : '–';
      }),
    ]);
    return [
      `${scenario.number}. ${scenario.title}: ${scenario.measures}`,
      ...pad([['', ...columns], ...rows]),
    ].join('\n');
  });
  return blocks.join('\n\n');
}
