import { defineConfig } from 'vitest/config';
import { sourceEntries } from './test/support/sources.ts';

/** Tests run against the sources, so `pnpm test` needs no build first. */
const alias = [...sourceEntries()].map(([specifier, source]) => ({
  find: new RegExp(`^${specifier.replaceAll('/', '\\/')}$`),
  replacement: source,
}));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'benchmarks/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
