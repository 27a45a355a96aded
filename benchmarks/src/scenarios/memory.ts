import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Measured } from '../result.js';
import { summarize } from '../stats.js';
import type { Scenario } from './scenario.js';

/** What `memory-probe.ts` prints: per sample, byte deltas over one map build. */
export interface ProbeReport {
  readonly heap: readonly number[];
  readonly external: readonly number[];
  readonly encoded: number;
}

const probe = fileURLToPath(new URL('../memory-probe.ts', import.meta.url));

/**
 * Scenario 8: memory of a map. Each adapter is measured in a fresh node process, so one
 * library's WebAssembly memory (which grows and never shrinks) is not charged to another.
 */
export const memory: Scenario = {
  id: 'memory',
  number: 8,
  title: 'Memory',
  measures:
    'in a fresh process, the JS heap (after gc) held by a replica with the map built in it, per entry; the ' +
    'growth of external memory (WebAssembly linear memory, which never shrinks) a build causes; encoded bytes per entry',
  run(adapter, { sizes, repetitions }) {
    const output = execFileSync(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        probe,
        adapter.name,
        String(sizes.memoryEntries),
        String(repetitions.samples),
      ],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const report = JSON.parse(output) as ProbeReport;
    const perEntry = (values: readonly number[]) => summarize(values.map((v) => v / sizes.memoryEntries));
    const measured: Measured[] = [
      { metric: 'heap per entry', unit: 'B/entry', stats: perEntry(report.heap) },
      {
        metric: 'external growth per entry',
        unit: 'B/entry',
        stats: perEntry(report.external),
      },
      { metric: 'encoded per entry', unit: 'B/entry', stats: perEntry([report.encoded]) },
    ];
    return measured;
  },
};
