import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

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

/** An esbuild plugin resolving the workspace's packages to their sources, as the tests do. */
export function workspaceSources(): Plugin {
  const sources = sourceEntries();
  return {
    name: 'workspace-sources',
    setup(b) {
      b.onResolve({ filter: /^@nlbd\// }, (args) => {
        const path = sources.get(args.path);
        return path === undefined ? { errors: [{ text: `no such entry point: ${args.path}` }] } : { path };
      });
    },
  };
}

/** Bundles source file `entry` for browsers (ESM); esbuild's errors, or the bundle and the files it took in. */
export async function bundleForBrowsers(
  entry: string,
): Promise<{ code: string; inputs: string[] } | { errors: string[] }> {
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [workspaceSources()],
    });
    return { code: result.outputFiles[0]?.text ?? '', inputs: Object.keys(result.metafile.inputs) };
  } catch (error) {
    return { errors: (error as { errors: { text: string }[] }).errors.map((e) => e.text) };
  }
}
