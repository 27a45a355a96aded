import { concurrentMerge } from './concurrent-merge.js';
import { counters } from './counters.js';
import { fullSync } from './full-sync.js';
import { incrementalSync } from './incremental-sync.js';
import { localSets } from './local-sets.js';
import { manyWriters } from './many-writers.js';
import { memory } from './memory.js';
import { orSet } from './or-set.js';
import type { Scenario } from './scenario.js';
import { server } from './server.js';

export type { Scenario, ScenarioRun } from './scenario.js';

/** The scenarios 1 to 8, in order, then the sync server's (9). */
export const scenarios: readonly Scenario[] = [
  localSets,
  fullSync,
  concurrentMerge,
  incrementalSync,
  counters,
  orSet,
  manyWriters,
  memory,
  server,
];

/**
 * The scenarios `filter` names (ids or numbers, comma-separated), in run order; all when it is
 * undefined. A name that is no scenario's is a `RangeError` listing the scenarios there are.
 */
export function selectScenarios(filter: string | undefined): Scenario[] {
  if (filter === undefined) return [...scenarios];
  const wanted = filter.split(',').map((s) => s.trim());
  const known = scenarios.map((s) => `${s.number} ${s.id}`).join(', ');
  const unknown = wanted.filter((w) => !scenarios.some((s) => s.id === w || String(s.number) === w));
  if (unknown.length > 0)
    throw new RangeError(`--filter ${filter}: no scenario ${unknown.join(', ')}; there are ${known}`);
  return scenarios.filter((s) => wanted.includes(s.id) || wanted.includes(String(s.number)));
}

/** The scenario of id `id`. */
export function scenarioById(id: string): Scenario {
  const found = scenarios.find((s) => s.id === id);
  if (found === undefined) throw new RangeError(`no scenario has the id ${id}`);
  return found;
}
