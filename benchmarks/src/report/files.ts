import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig } from '../config.js';
import type { Environment } from '../environment.js';
import type { Metric } from '../result.js';
import type { Failure } from '../run.js';
import type { TargetResult } from '../targets.js';
import { renderMarkdown } from './markdown.js';

/** Everything one run produced, as written to `<date>.json`. */
export interface RunRecord {
  readonly environment: Environment;
  readonly config: RunConfig;
  /** Where the adapters ran: each in a worker thread of its own, or all in the main thread. */
  readonly lanes: 'workers' | 'in-process';
  readonly metrics: readonly Metric[];
  /** The adapters' runs of scenarios that threw, which measured nothing. */
  readonly failures: readonly Failure[];
  readonly targets: readonly TargetResult[];
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One row per metric: scenario, adapter, metric, unit, median, min, max, samples. */
export function toCsv(metrics: readonly Metric[]): string {
  const header = ['scenario', 'adapter', 'metric', 'unit', 'median', 'min', 'max', 'samples'];
  const rows = metrics.map((m) => [
    m.scenario,
    m.adapter,
    m.metric,
    m.unit,
    m.stats.median,
    m.stats.min,
    m.stats.max,
    m.stats.samples.length,
  ]);
  return `${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\n')}\n`;
}

/** A file-name-safe stamp of the run's date: `2025-11-23T09-41-54`. */
export function runStamp(record: RunRecord): string {
  return record.environment.date.slice(0, 19).replaceAll(':', '-');
}

/**
 * Writes `<stamp>.json`, `<stamp>.csv` and `<stamp>.md` (see `renderMarkdown`) into `dir`;
 * returns their paths.
 */
export function writeRecord(dir: string, record: RunRecord): string[] {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, runStamp(record));
  writeFileSync(`${base}.json`, `${JSON.stringify(record, null, 2)}\n`);
  writeFileSync(`${base}.csv`, toCsv(record.metrics));
  writeFileSync(`${base}.md`, renderMarkdown(record));
  return [`${base}.json`, `${base}.csv`, `${base}.md`];
}
