/**
 * Fuzzes `decode` with random bytes, truncations, bit flips, hostile msgpack (lengths of 2^32-1,
 * extensions, 64-bit ints, prototype keys), 100,000-deep nesting and scrambled compressed
 * bodies. Exits non-zero if anything but a valid state or a DecodeError comes out, if a case
 * takes 50 ms or more, or if the heap grows by more than 64 MB.
 * Run: pnpm fuzz [count=10000] [seed=1]   (node --expose-gc makes the heap check exact)
 */
import { fuzzCases, runCase } from '../test/support/fuzz.js';

const count = Number(process.argv[2] ?? 10_000);
const seed = Number(process.argv[3] ?? 1);
if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(seed)) {
  console.error('usage: pnpm fuzz [count ≥ 1] [integer seed]');
  process.exit(2);
}
const LIMIT_MS = 50;
const HEAP_LIMIT = 64 * 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
const next = fuzzCases(seed);
const outcomes = { decoded: 0, refused: 0 };
const failures: string[] = [];
let slowest = 0;
// Warm up so the first cases do not pay for compilation.
for (let i = 0; i < 200; i++) runCase(fuzzCases(seed + 1)(i));
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
for (let i = 0; i < count; i++) {
  const c = next(i);
  const t0 = performance.now();
  try {
    outcomes[runCase(c)]++;
  } catch (error) {
    failures.push(`case ${i} (${c.what}): ${(error as Error).message}`);
  }
  const ms = performance.now() - t0;
  slowest = Math.max(slowest, ms);
  if (ms >= LIMIT_MS) failures.push(`case ${i} (${c.what}) took ${ms.toFixed(1)} ms`);
}
gc?.();
const growth = process.memoryUsage().heapUsed - heapBefore;
if (growth > HEAP_LIMIT) failures.push(`heap grew by ${(growth / 1e6).toFixed(1)} MB`);
console.log(
  `seed ${seed}: ${count} cases, ${outcomes.decoded} decoded, ${outcomes.refused} refused; slowest ${slowest.toFixed(2)} ms; heap ${growth >= 0 ? '+' : ''}${(growth / 1e6).toFixed(1)} MB`,
);
for (const f of failures.slice(0, 20)) console.error(f);
process.exit(failures.length === 0 ? 0 : 1);
