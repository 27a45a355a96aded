import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Metric } from '../result.js';
import type { Scenario } from '../scenarios/index.js';

/**
 * A vega-lite spec for one scenario: per metric, a bar per adapter at the median with a rule
 * from min to max; each metric its own y scale.
 */
export function chartSpec(scenario: Scenario, metrics: readonly Metric[]): TopLevelSpec {
  const values = metrics
    .filter((m) => m.scenario === scenario.id)
    .map((m) => ({
      adapter: m.adapter,
      metric: `${m.metric} (${m.unit})`,
      median: m.stats.median,
      min: m.stats.min,
      max: m.stats.max,
    }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${scenario.number}. ${scenario.title}`,
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null } },
    spec: {
      width: 160,
      height: 180,
      layer: [
        {
          mark: 'bar',
          encoding: {
            x: { field: 'adapter', type: 'nominal', title: null, sort: null },
            y: { field: 'median', type: 'quantitative', title: 'median (min–max)' },
            color: { field: 'adapter', type: 'nominal', legend: null },
          },
        },
        {
          mark: { type: 'rule', color: 'black' },
          encoding: {
            x: { field: 'adapter', type: 'nominal', sort: null },
            y: { field: 'min', type: 'quantitative' },
            y2: { field: 'max' },
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Renders a vega-lite spec to SVG without a browser or canvas. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Writes `<stamp>-<scenario>.svg` per scenario into `dir`; returns the paths. */
export async function writeCharts(
  dir: string,
  stamp: string,
  scenarios: readonly Scenario[],
  metrics: readonly Metric[],
): Promise<string[]> {
  const paths: string[] = [];
  for (const scenario of scenarios) {
    const path = join(dir, `${stamp}-${scenario.id}.svg`);
    writeFileSync(path, await renderSvg(chartSpec(scenario, metrics)));
    paths.push(path);
  }
  return paths;
}
