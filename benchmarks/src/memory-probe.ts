/**
 * Child process of the memory scenario: `memory-probe.ts <adapter> <entries> <samples>` builds a
 * map of `entries` entries `samples` times and prints a {@link ProbeReport} as JSON. Needs
 * `--expose-gc`: without it the deltas would count garbage, so it refuses to run.
 */
import { type Adapter, adapterByName, type WorkloadReplica } from '@nlbd/adapters';
import type { ProbeReport } from './scenarios/memory.js';
import { key } from './scenarios/scenario.js';

const [name = '', entries = '', samples = ''] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('memory-probe needs node --expose-gc');

function settle(): NodeJS.MemoryUsage {
  gc!();
  gc!();
  return process.memoryUsage();
}

/** The replica being measured; cleared before the next build so that one starts from a clean heap. */
let held: WorkloadReplica | undefined;

function measureBuild(adapter: Adapter, n: number): { heap: number; external: number; encoded: number } {
  held = undefined;
  const before = settle();
  const replica = adapter.createReplica('a');
  held = replica;
  // The keys are made inside the measured region: a map owns its keys' memory.
  replica.transact(() => {
    for (let i = 0; i < n; i++) replica.mapSet(key(i), i);
  });
  const after = settle();
  const encoded = held.encodeState().byteLength;
  return { heap: after.heapUsed - before.heapUsed, external: after.external - before.external, encoded };
}

const adapter = adapterByName(name);
// A small build first, so one-time allocations (module caches, WebAssembly instances) are not charged.
measureBuild(adapter, 100);
const report = { heap: [] as number[], external: [] as number[], encoded: 0 };
for (let s = 0; s < Number(samples); s++) {
  const { heap, external, encoded } = measureBuild(adapter, Number(entries));
  report.heap.push(heap);
  report.external.push(external);
  report.encoded = encoded;
}
process.stdout.write(JSON.stringify(report satisfies ProbeReport));
