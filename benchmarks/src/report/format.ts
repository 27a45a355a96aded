import type { Unit } from '../result.js';
import type { Stats } from '../stats.js';

/** A number in a unit, short: `12.3 ms`, `1.58 MB`, `24.1 B/entry`. */
export function formatValue(value: number, unit: Unit): string {
  if (unit === 'B') {
    if (value >= 1e6) return `${(value / 1e6).toFixed(2)} MB`;
    if (value >= 1e4) return `${(value / 1e3).toFixed(1)} KB`;
    return `${Math.round(value)} B`;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : value >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

/** The samples' range without the unit, `11.9–13.0`, or `''` when they are all equal. */
export function formatRange(stats: Stats, unit: Unit): string {
  if (stats.min === stats.max) return '';
  const bare = (v: number) => formatValue(v, unit).replace(/ .*$/, '');
  return `${bare(stats.min)}–${bare(stats.max)}`;
}

/** The median, and the range when the samples differ: `12.3 ms (11.9–13.0)`. */
export function formatStats(stats: Stats, unit: Unit): string {
  const median = formatValue(stats.median, unit);
  const range = formatRange(stats, unit);
  return range === '' ? median : `${median} (${range})`;
}
