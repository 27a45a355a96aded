/**
 * `pnpm test:browser`: the sync client in a real browser (Chromium from Debian, driven by
 * playwright-core), against a real sync server on 127.0.0.1. A page edits a document offline
 * with an `IndexedDbStorage`, is reloaded, restores the edits from IndexedDB and syncs them to
 * the server; the server then deletes the document, and the page's stored copy must go too. Not
 * part of `pnpm test` (CI machines may have no Chromium; `.ci/run` runs it where one is): it
 * fails, saying so, when `/usr/bin/chromium` (or `CHROMIUM`) is missing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createSyncServer } from '@nlbd/net';
import { chromium } from 'playwright-core';
import { bundleForBrowsers } from '../support/sources.ts';

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`test:browser: no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM)`);
  process.exit(1);
}

const bundled = await bundleForBrowsers(fileURLToPath(new URL('./page.ts', import.meta.url)));
if ('errors' in bundled)
  throw new Error(`the page does not bundle for browsers:\n${bundled.errors.join('\n')}`);
const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>';
const web = createServer((req, res) => {
  if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundled.code);
  else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
});
await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
const pageUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}/`;
const sync = await createSyncServer({ port: 0, host: '127.0.0.1' });
const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

type Steps = {
  editOffline(url: string, n: number): Promise<number>;
  restoreAndSync(url: string): Promise<{ restored: number; synced: number; status: string }>;
  afterDeletion(): Promise<{ deleted: boolean; reopened: number; stored: string[] }>;
};

try {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pageUrl);
  await page.waitForFunction(() => 'nlbdSteps' in globalThis);
  const offline = await page.evaluate(
    ([url]) => (globalThis as unknown as { nlbdSteps: Steps }).nlbdSteps.editOffline(url, 3),
    [sync.url] as const,
  );
  assert.equal(offline, 3, 'the offline edits apply at once');
  assert.equal(sync.document('count'), undefined, 'the server has heard nothing yet');

  await page.reload();
  await page.waitForFunction(() => 'nlbdSteps' in globalThis);
  const after = await page.evaluate(
    ([url]) => (globalThis as unknown as { nlbdSteps: Steps }).nlbdSteps.restoreAndSync(url),
    [sync.url] as const,
  );
  assert.equal(after.restored, 3, 'IndexedDB restored the edits after the reload');
  assert.equal(after.synced, 3);
  assert.equal(after.status, 'open', "the browser's WebSocket is connected");
  // The restored edits reach the server by digest: only what it lacks.
  const deadline = Date.now() + 10_000;
  while (sync.document('count')?.value !== 3 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(sync.document('count')?.value, 3, 'the server has the offline edits');

  assert.equal(await sync.deleteDocument('count'), true);
  const deletion = await page.evaluate(() =>
    (globalThis as unknown as { nlbdSteps: Steps }).nlbdSteps.afterDeletion(),
  );
  assert.deepEqual(
    deletion,
    { deleted: true, reopened: 0, stored: [] },
    "the handle heard of the deletion, and the page's IndexedDB copy is gone",
  );
  assert.deepEqual(errors, [], 'no error in the page');
  console.log(
    `test:browser: passed in ${await browser.version()} (offline edits restored from IndexedDB after a reload, then synced; a server-side deletion removed the IndexedDB copy)`,
  );
} finally {
  await browser.close();
  await sync.close();
  await new Promise((resolve) => web.close(resolve));
}
