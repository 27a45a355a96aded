import type { Stats } from './stats.js';

/** `ms` for times, `B` for sizes, `B/entry` for sizes per map entry, `ops/s` for throughput. */
export type Unit = 'ms' | 'B' | 'B/entry' | 'ops/s';

/** One measured quantity of one scenario on one adapter. */
export interface Metric {
  readonly scenario: string;
  readonly adapter: string;
  /** What was measured, e.g. `apply into empty`; unique within a scenario. */
  readonly metric: string;
  readonly unit: Unit;
  readonly stats: Stats;
}

/** A measured quantity before it is tagged with its scenario and adapter. */
export type Measured = Omit<Metric, 'scenario' | 'adapter'>;
