import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

/** A Vega-Lite specification (kept loose: vega-lite validates it when compiling). */
export type ChartSpec = Record<string, unknown>;

/**
 * Renders a Vega-Lite spec to an SVG string, headless (no canvas or browser needed).
 * @example await renderSvg({ mark: 'line', data: { values }, encoding: { ... } })
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * A line chart of `y` over `x`, one line per value of the `series` field of `values`: steps for
 * a quantity that holds until the next sample (time series), straight lines between sweep points.
 */
export function lineChart(
  title: string,
  values: readonly Record<string, unknown>[],
  x: { field: string; title: string; log?: boolean },
  y: { field: string; title: string },
  interpolate: 'step-after' | 'linear' = 'step-after',
): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: 300,
    data: { values },
    mark: { type: 'line', interpolate, point: interpolate === 'linear' },
    encoding: {
      x: {
        field: x.field,
        type: 'quantitative',
        title: x.title,
        ...(x.log ? { scale: { type: 'log', base: 2 } } : {}),
      },
      y: { field: y.field, type: 'quantitative', title: y.title },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}
