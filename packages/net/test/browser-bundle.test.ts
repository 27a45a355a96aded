import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { sourceEntries } from '../../../test/support/sources.ts';

/** Resolves the workspace's packages to their sources, as the tests do. */
const workspaceSources: Plugin = {
  name: 'workspace-sources',
  setup(b) {
    const sources = sourceEntries();
    b.onResolve({ filter: /^@nlbd\// }, (args) => {
      const path = sources.get(args.path);
      return path === undefined ? { errors: [{ text: `no such entry point: ${args.path}` }] } : { path };
    });
  },
};

/** Bundles `entry` (a source file of this package) for browsers; esbuild's errors, or the files it took in. */
async function bundleForBrowsers(entry: string): Promise<{ inputs: string[] } | { errors: string[] }> {
  try {
    const result = await build({
      entryPoints: [fileURLToPath(new URL(`../src/${entry}`, import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [workspaceSources],
    });
    return { inputs: Object.keys(result.metafile.inputs) };
  } catch (error) {
    return { errors: (error as { errors: { text: string }[] }).errors.map((e) => e.text) };
  }
}

describe('@nlbd/net/client in browsers', () => {
  it('bundles for browsers with no Node built-in, no ws and no SQLite (its store support included)', async () => {
    const client = await bundleForBrowsers('client-entry.ts');
    expect(client).toHaveProperty('inputs');
    const inputs = (client as { inputs: string[] }).inputs;
    expect(inputs.some((i) => i.endsWith('store/src/durable-document.ts'))).toBe(true);
    expect(inputs.filter((i) => /node_modules\/(ws|better-sqlite3)\/|sqlite-storage/.test(i))).toEqual([]);
  }, 60_000);

  it('(the check can fail: the server entry does not bundle for browsers)', async () => {
    const server = await bundleForBrowsers('index.ts');
    expect(server).toHaveProperty('errors');
    expect((server as { errors: string[] }).errors.join('\n')).toMatch(/node:|"(http|net|tls|crypto|fs)"/);
  }, 60_000);
});
