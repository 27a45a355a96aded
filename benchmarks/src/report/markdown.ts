import type { Metric } from '../result.js';
import { failureLabel } from '../run.js';
import { scenarioById } from '../scenarios/index.js';
import { renderTargets } from '../targets.js';
import type { RunRecord } from './files.js';
import { formatRange, formatValue } from './format.js';

/** Characters of bar for a factor of ten: a chart's bars are on a log scale. */
export const CHARS_PER_DECADE = 8;

/** Eighths of a character cell, from one eighth to the full block. */
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/**
 * A bar of `length` character cells (fractions in eighths, at least one eighth for any length
 * above 0).
 */
export function bar(length: number): string {
  if (!(length > 0)) return '';
  const eighths = Math.max(1, Math.round(length * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/**
 * The bar lengths of `values` on one log scale, {@link CHARS_PER_DECADE} cells a factor of ten,
 * starting one decade below the power of ten at or under the smallest positive value: so a
 * ratio between two values reads as the difference of their bars, and the smallest still has
 * a bar. A value of 0 or less has none.
 */
export function logBars(values: readonly number[]): number[] {
  const positive = values.filter((v) => v > 0);
  if (positive.length === 0) return values.map(() => 0);
  const floor = Math.floor(Math.log10(Math.min(...positive))) - 1;
  return values.map((v) => (v > 0 ? (Math.log10(v) - floor) * CHARS_PER_DECADE : 0));
}

/** Escapes a table cell: a `|` would end it. */
const cell = (text: string): string => text.replaceAll('|', '\\|');

/** A Markdown table of `rows` under `header`, the columns padded to line up. */
function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows].map((row) => row.map(cell));
  const widths = header.map((_, col) => Math.max(3, ...all.map((row) => (row[col] ?? '').length)));
  const line = (row: readonly string[]) =>
    `| ${row.map((c, col) => c.padEnd(widths[col] as number)).join(' | ')} |`;
  return [line(all[0] as string[]), line(widths.map((w) => '-'.repeat(w))), ...all.slice(1).map(line)].join(
    '\n',
  );
}

/** The metrics of `record` in the order measured, each `scenario: metric` once. */
function metricRows(metrics: readonly Metric[]): { scenario: string; metric: string }[] {
  const seen = new Map<string, { scenario: string; metric: string }>();
  for (const m of metrics) {
    const key = `${m.scenario}\u0000${m.metric}`;
    if (!seen.has(key)) seen.set(key, { scenario: m.scenario, metric: m.metric });
  }
  return [...seen.values()];
}

/** One chart: a log-scale bar per adapter at its median, with the value and the samples' range. */
function chart(title: string, own: readonly Metric[]): string {
  const lengths = logBars(own.map((m) => m.stats.median));
  const names = own.map((m) => m.adapter);
  const values = own.map((m) => formatValue(m.stats.median, m.unit));
  const nameWidth = Math.max(...names.map((n) => n.length));
  const valueWidth = Math.max(...values.map((v) => v.length));
  const barWidth = Math.ceil(Math.max(...lengths));
  const lines = own.map((m, i) =>
    [
      (names[i] as string).padEnd(nameWidth),
      (values[i] as string).padStart(valueWidth),
      bar(lengths[i] as number).padEnd(barWidth),
      formatRange(m.stats, m.unit),
    ]
      .join('  ')
      .trimEnd(),
  );
  return [`**${title}**`, '', '```', ...lines, '```'].join('\n');
}

/** Where, when and on what `record` ran, in one sentence. */
function describeRun(record: RunRecord): string {
  const env = record.environment;
  const commit = env.commit.slice(0, 7) + (env.commit.endsWith('+dirty') ? '+dirty' : '');
  const lanes =
    record.lanes === 'workers'
      ? `each adapter in a worker thread of its own${record.laneCpu === undefined ? '' : `, all bound to CPU ${record.laneCpu}`}`
      : 'every adapter in the main thread';
  const packages = Object.entries(env.packages).map(([name, version]) => `${name} ${version}`);
  return (
    `Run of ${env.date.slice(0, 16).replace('T', ' ')} UTC, commit \`${commit}\`, ${lanes}; ` +
    `Node ${env.node} (${env.nodeFlags.join(' ') || 'no flags'}), ${env.platform}, ${env.cpu} x${env.cores}, ` +
    `${env.memoryGiB} GiB${packages.length > 0 ? `; ${packages.join(', ')}` : ''}.`
  );
}

/** The sizes of `record`'s run, `fullState 10,000, incrementalBases 10,000/100,000, ...`. */
function describeSizes(record: RunRecord): string {
  const count = (n: number) => n.toLocaleString('en-US');
  return Object.entries(record.config.sizes)
    .map(([name, n]) => `${name} ${Array.isArray(n) ? n.map(count).join('/') : count(n as number)}`)
    .join(', ');
}

/**
 * A run as Markdown, for `docs/benchmarks.md`: where and when it ran, the sizes, one table of
 * every metric's median (a row per metric, a column per adapter in the order measured, `–` where
 * an adapter has none), the failures, the targets as printed, and a chart per metric: a bar per
 * adapter at its median, on a log scale ({@link CHARS_PER_DECADE} characters a factor of ten),
 * with the samples' range. Text, not images, so that the docs carry the figures of a run
 * without a results file.
 */
export function renderMarkdown(record: RunRecord): string {
  const { metrics } = record;
  const rows = metricRows(metrics);
  const columns = [...new Set(metrics.map((m) => m.adapter))];
  const find = (scenario: string, metric: string, adapter: string) =>
    metrics.find((m) => m.scenario === scenario && m.metric === metric && m.adapter === adapter);
  const table = markdownTable(
    ['metric', ...columns],
    rows.map(({ scenario, metric }) => [
      `${scenarioById(scenario).number}: ${metric}`,
      ...columns.map((a) => {
        const m = find(scenario, metric, a);
        return m === undefined ? '–' : formatValue(m.stats.median, m.unit);
      }),
    ]),
  );
  const charts = rows.map(({ scenario, metric }) => {
    const own = columns.flatMap((a) => find(scenario, metric, a) ?? []);
    const { number, title } = scenarioById(scenario);
    return chart(`${number}. ${title}: ${metric} (${own[0]?.unit})`, own);
  });
  const failures = record.failures.map(
    (f) => `- ${failureLabel(f)}: ${f.adapter} in ${f.scenario}: ${f.error}`,
  );
  return [
    describeRun(record),
    '',
    `Sizes: ${describeSizes(record)}.`,
    '',
    'Medians:',
    '',
    table,
    ...(failures.length > 0 ? ['', ...failures] : []),
    '',
    '```',
    renderTargets(record.targets),
    '```',
    '',
    `Charts: a bar per adapter at its median, on a log scale (${CHARS_PER_DECADE} characters a ` +
      "factor of ten, so equal bar differences are equal ratios), then the samples' range.",
    '',
    charts.join('\n\n'),
    '',
  ].join('\n');
}
