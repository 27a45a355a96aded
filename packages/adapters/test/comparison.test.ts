import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adapters, comparisonScenarios, renderComparison, runComparison } from '../src/index.js';

const page = new URL('../../../docs/comparison.md', import.meta.url);

/** The page with table padding collapsed, so a reformatted page still counts as up to date. */
function normalized(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => (line.startsWith('|') ? line.replace(/ {2,}/g, ' ').replace(/-{3,}/g, '---') : line))
    .join('\n');
}

describe('semantics comparison', () => {
  const outcomes = runComparison(adapters);

  it.each(comparisonScenarios.map((s, i) => [s.title, i] as const))('%s: every adapter converges', (_, i) => {
    for (const [j, outcome] of (outcomes[i] ?? []).entries()) {
      expect(outcome.converged, `${adapters[j]?.name} diverged`).toBe(true);
    }
  });

  it('concurrent increments add up everywhere', () => {
    const row = outcomes[comparisonScenarios.findIndex((s) => s.title === 'concurrent increments')] ?? [];
    expect(row.map((o) => o.shown)).toEqual(adapters.map(() => '15'));
  });

  it('docs/comparison.md is up to date (regenerate: pnpm --filter @nlbd/benchmarks comparison)', () => {
    expect(normalized(readFileSync(page, 'utf8'))).toBe(normalized(renderComparison(adapters, outcomes)));
  });
});
