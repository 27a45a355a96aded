import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleForBrowsers as bundle } from '../../../test/support/sources.ts';

/** Bundles a source file of this package for browsers. */
const bundleForBrowsers = (entry: string) =>
  bundle(fileURLToPath(new URL(`../src/${entry}`, import.meta.url)));

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
