import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  /** The CPU every worker's thread was bound to, if each was (see affinity.ts). */
  readonly laneCpu?: number;
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

/** Whether `x` is an object (not null, not an array). */
const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * The {@link RunRecord} an earlier run wrote to `path` (its `<stamp>.json`), checked for the
 * fields a report reads: a `RangeError` saying what is missing or wrong otherwise.
 */
export function readRecord(path: string): RunRecord {
  let record: unknown;
  try {
    record = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new RangeError(`${path}: not a results file (${error instanceof Error ? error.message : error})`);
  }
  const fail = (what: string): never => {
    throw new RangeError(`${path}: not a results file written by pnpm bench (${what})`);
  };
  if (!isObject(record)) return fail('not an object');
  const { environment, config, metrics, failures, targets } = record;
  if (
    !isObject(environment) ||
    !['date', 'commit', 'node', 'platform', 'cpu'].every((k) => typeof environment[k] === 'string') ||
    !['cores', 'memoryGiB'].every((k) => typeof environment[k] === 'number') ||
    !isObject(environment.packages) ||
    !Array.isArray(environment.nodeFlags)
  )
    fail('no environment with a date, commit, machine, packages and node flags');
  if (!isObject(config) || !isObject(config.sizes)) fail('no sizes');
  const strings = (x: unknown, keys: readonly string[]) =>
    isObject(x) && keys.every((k) => typeof x[k] === 'string');
  if (
    !Array.isArray(failures) ||
    !failures.every(
      (f) => strings(f, ['scenario', 'adapter', 'error']) && [undefined, true].includes(f.outOfTime),
    )
  )
    fail('no failures, or one without its scenario, adapter and error, or with an outOfTime other than true');
  if (
    !Array.isArray(targets) ||
    !targets.every(
      (t) => strings(t, ['description', 'verdict']) && (t.ratio === null || typeof t.ratio === 'number'),
    )
  )
    fail('no targets, or one without its description, ratio and verdict');
  if (!Array.isArray(metrics)) return fail('no metrics');
  metrics.forEach((m: unknown, i) => {
    const stats = isObject(m) ? m.stats : undefined;
    if (
      !strings(m, ['scenario', 'adapter', 'metric', 'unit']) ||
      !isObject(stats) ||
      !['median', 'min', 'max'].every((k) => typeof stats[k] === 'number')
    )
      fail(`metrics[${i}] is not a metric with a median, min and max`);
  });
  return record as unknown as RunRecord;
}
