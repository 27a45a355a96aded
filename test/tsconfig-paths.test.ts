import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceEntries } from './support/sources.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Where `specifier` leads under a tsconfig's `paths`, as TypeScript and tsx resolve it (first match of the longest pattern). */
function resolvePath(paths: Record<string, string[]>, base: string, specifier: string): string | undefined {
  const exact = paths[specifier];
  if (exact !== undefined) return resolve(base, exact[0] as string);
  const wildcards = Object.keys(paths)
    .filter((p) => p.endsWith('*') && specifier.startsWith(p.slice(0, -1)))
    .sort((a, b) => b.length - a.length);
  const pattern = wildcards[0];
  if (pattern === undefined) return undefined;
  const rest = specifier.slice(pattern.length - 1);
  return resolve(base, ((paths[pattern] as string[])[0] as string).replace('*', rest));
}

// The tsconfigs that run or check sources without a build: tests and examples, the benchmark
// lanes, the API docs.
describe.each(['tsconfig.test.json', 'benchmarks/tsconfig.json', 'docs/tsconfig.json'])('%s', (file) => {
  it('maps every entry point the packages export to its source, as the tests resolve it', () => {
    const { compilerOptions } = JSON.parse(readFileSync(resolve(root, file), 'utf8')) as {
      compilerOptions: { paths: Record<string, string[]> };
    };
    const base = dirname(resolve(root, file));
    for (const [specifier, source] of sourceEntries()) {
      expect(resolvePath(compilerOptions.paths, base, specifier), specifier).toBe(source);
    }
  });
});
