import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));

/**
 * Every entry point the workspace packages export (`@nlbd/net`, `@nlbd/net/client`, ...), mapped
 * to the source file of the `dist` file it names: what tests and test-time bundles resolve, so
 * that they need no build first.
 */
export function sourceEntries(): Map<string, string> {
  const entries = new Map<string, string>();
  for (const name of readdirSync(packagesDir)) {
    const { exports } = JSON.parse(readFileSync(`${packagesDir}${name}/package.json`, 'utf8')) as {
      exports: Record<string, string | { default: string }>;
    };
    for (const [sub, target] of Object.entries(exports)) {
      if (typeof target === 'string') continue; // ./package.json
      const source = target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
      entries.set(`@nlbd/${name}${sub.slice(1)}`, `${packagesDir}${name}/${source}`);
    }
  }
  return entries;
}
